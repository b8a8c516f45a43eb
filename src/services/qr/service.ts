/**
 * Overseas QR payments, outbound: a domestic wallet customer scans a foreign merchant's national QR
 * code and pays in home currency.
 *
 * ISO 8583 fields between the wallet and the hub (iso87ascii numbering):
 *   request  0100 (quote only) or 0200 (pay), processing code 00xxxx
 *     62   the scanned payload, percent-encoded UTF-8 (RFC 3986; ASCII payloads pass unchanged
 *          except '%'), so merchant names in any script fit an ans field
 *     4/49 the amount in the merchant's currency (minor units; ISO 4217 numeric); a dynamic QR's
 *          own amount must be the same, a static QR takes it from here
 *     102  the customer's account token at the wallet (never a PAN)
 *     63   (0200, optional) the quote id of an earlier 0100: the payment uses that locked rate
 *   answer   0110 / 0210
 *     39   00 approved (0110: quoted), 13 amount mismatch or bad decimals, 30 invalid QR (44 names
 *          the DARI_QR_ reason), 14 merchant unknown to its switch, 15 no partner for the scheme,
 *          05 quote expired/unknown/used (44 names DARI_FX_QUOTE_...), else the partner's code
 *     6/51 the amount billed in home currency (minor units; ISO 4217 numeric)
 *     10   the conversion rate billed/merchant amount (n8, first digit = decimals)
 *     43   merchant name (25), city (13), country (2) from the QR, or the name its switch confirmed
 *     63   the quote id
 *
 * Steps: parse and validate the QR (4 layers), find the partner by scheme and country, ask the
 * partner to confirm the merchant account (acmt.023/024) where it supports it, quote the FX (or
 * redeem the wallet's quote: an expired quote is declined, never silently re-rated), pay over the
 * partner's Sender (pacs.008 for an ISO 20022 partner, its 8583 dialect otherwise), and the fees the
 * pipeline journals with the answer.
 */
import { inspectQr, type ParsedQr } from '../../codec/emvqr';
import { currencyByNumeric } from '../../codec/iso20022/currencies';
import { DariError, isDariError } from '../../errors';
import type { FeeSchedule, QuoteBook, Quote } from '../../fx';
import type { FeeEntry } from '../../journal/journal';
import type { Iso8583Message } from '../../codec/iso8583';
import { feeEntryOf, type PartnerRuntime } from '../../switch/pipeline';
import type { LocalAnswer, LocalService } from '../../switch/services';
import type { Txn } from '../../switch/txn';
import type { Iso20022Partner } from '../../switch/iso20022-partner';
import { decimalToConversionRate, decimalToMinor, invertDecimal, n12 } from '../../translate/amounts';

export interface QrServiceOptions {
  /** Home currency of the wallets (ISO 4217 numeric, e.g. "410"). */
  homeCurrency: string;
  /** Partner id by scheme id (QRIS, VIETQR, ...) or by ISO 3166 alpha-2 country. */
  partners: Readonly<Record<string, string>>;
  /** Partners asked to confirm the merchant account (acmt.023/024) before paying. */
  verifyMerchants: readonly string[];
  runtimes: ReadonlyMap<string, PartnerRuntime>;
  gateways: ReadonlyMap<string, Iso20022Partner>;
  quotes: QuoteBook;
  fees: FeeSchedule | undefined;
  now?: () => number;
}

const FIELD = { PAYLOAD: '62', QUOTE: '63', REASON: '44' } as const;

function decline(code: string, reason: string, extra: Record<string, string> = {}): LocalAnswer {
  return { code, fields: { [FIELD.REASON]: reason.slice(0, 25), ...extra }, outcome: 'declined', detail: { reason } };
}

/** Field 43 (ans 40): name 25, city 13, country 2; printable ASCII only (non-ASCII letters become '?'). */
function acceptor(name: string, city: string, country: string): string {
  const ascii = (s: string, n: number): string => s.replace(/[^\x20-\x7e]/g, '?').slice(0, n).padEnd(n, ' ');
  return ascii(name, 25) + ascii(city, 13) + ascii(country, 2);
}

export class QrPaymentService implements LocalService {
  readonly id = 'qr';
  private readonly now: () => number;
  /** qr.homeCurrency, looked up on the first payment. */
  private home: ReturnType<typeof currencyByNumeric>;

  constructor(private readonly o: QrServiceOptions) {
    this.now = o.now ?? Date.now;
  }

  accepts(txn: Txn): boolean {
    return (txn.cls === 'financial' || txn.cls === 'authorization') && txn.fields[FIELD.PAYLOAD] !== undefined && (txn.processingCode ?? '00').startsWith('00');
  }

  async handle(txn: Txn): Promise<LocalAnswer> {
    const f = txn.fields;
    let payload: string;
    try {
      payload = decodeURIComponent(f[FIELD.PAYLOAD] as string);
    } catch {
      return decline('30', 'DARI_QR_TLV_INVALID');
    }
    const qr = inspectQr(payload);
    if (!qr.valid) return { ...decline('30', qr.reason), detail: { reason: qr.reason, layer: qr.layer } };

    const partnerId = (qr.scheme ? this.o.partners[qr.scheme.id] : undefined) ?? this.o.partners[qr.country];
    const partner = partnerId === undefined ? undefined : this.o.runtimes.get(partnerId);
    if (!partner) return decline('15', 'no partner for scheme');

    // Amount: the merchant's currency and amount, a dynamic QR's own amount must agree.
    const ccy = currencyByNumeric(qr.currency);
    if (!ccy || f['49'] !== qr.currency) return decline('13', 'currency differs from QR');
    const amountMinor = f['4'] === undefined ? undefined : BigInt(f['4']);
    if (amountMinor === undefined || amountMinor === 0n) return decline('13', 'amount required');
    if (qr.amount !== null) {
      let qrMinor: bigint;
      try {
        qrMinor = BigInt(decimalToMinor(qr.amount, ccy, 'QR 54'));
      } catch {
        return decline('13', 'DARI_QR_AMOUNT_INVALID');
      }
      if (qrMinor !== amountMinor) return decline('13', 'amount differs from QR');
    }

    // The merchant as its own switch knows it.
    let merchantName = qr.merchantName ?? '';
    const account = merchantAccountId(qr);
    const gateway = this.o.gateways.get(partner.id);
    let waitSeconds = 0;
    if (gateway && account && this.o.verifyMerchants.includes(partner.id)) {
      const t0 = performance.now();
      try {
        const v = await gateway.verify({ account, ...(qr.scheme ? { scheme: qr.scheme.id } : {}), ...(merchantName ? { name: merchantName } : {}) });
        if (!v.verified) return decline('14', `merchant unknown ${v.reason ?? ''}`.trim());
        if (v.name) merchantName = v.name;
      } catch (e) {
        if (!isDariError(e)) throw e;
        return { ...decline(partner.standInResponseCode, e.code), partner: partner.id };
      } finally {
        waitSeconds += (performance.now() - t0) / 1000;
      }
    }

    // FX: the customer's home-currency amount for the merchant amount (locked, expiring quote).
    const home = (this.home ??= currencyByNumeric(this.o.homeCurrency));
    if (!home) throw new DariError('DARI_CONFIG_INVALID', `qr.homeCurrency ${this.o.homeCurrency} is not an ISO 4217 numeric code`);
    let quote: Quote;
    try {
      const wanted = f[FIELD.QUOTE];
      quote = wanted && txn.cls === 'financial'
        ? this.o.quotes.redeem(wanted.trim(), this.now())
        : this.o.quotes.quote({ from: home.alpha, to: ccy.alpha, amount: amountMinor, amountSide: 'target', now: this.now() });
      if (quote.from !== home.alpha || quote.to !== ccy.alpha || quote.targetAmount !== amountMinor) return decline('13', 'quote is for another amount');
    } catch (e) {
      if (isDariError(e) && e.code.startsWith('DARI_FX_')) return decline(e.code === 'DARI_FX_NO_RATE' ? '57' : '05', e.code);
      throw e;
    }
    const answerFields: Record<string, string> = {
      '6': n12(quote.sourceAmount.toString(), '6'), '51': home.numeric,
      // Field 10: billed = amount x rate; the quote's rate is merchant currency per home unit.
      '10': decimalToConversionRate(invertDecimal(quote.rate, 7)),
      '43': acceptor(merchantName, qr.merchantCity ?? '', qr.country),
      [FIELD.QUOTE]: quote.id,
    };
    const detail: Record<string, unknown> = { scheme: qr.scheme?.id ?? null, country: qr.country, quote: quote.id, rate: quote.rate, billed: quote.sourceAmount.toString(), billedCurrency: home.alpha };
    if (txn.cls === 'authorization') return { code: '00', fields: answerFields, partner: partner.id, outcome: 'quoted', waitSeconds, detail };

    // Pay.
    const out: Record<string, string> = {};
    for (const k of ['3', '7', '11', '12', '13', '22', '32', '37', '41', '102'] as const) if (f[k] !== undefined) out[k] = f[k] as string;
    out['4'] = n12(amountMinor.toString());
    out['49'] = ccy.numeric;
    for (const k of ['6', '51', '10', '43'] as const) out[k] = answerFields[k] as string;
    if (qr.mcc) out['18'] = qr.mcc;
    if (account) out['42'] = account.slice(-15).padEnd(15, ' ');
    // Quote id and its exact rate (field 10 keeps 7 digits) for the partner message; the QR itself
    // for a partner speaking ISO 8583; the bill or reference number as the creditor reference.
    out['63'] = `${quote.id};${quote.rate}`;
    out['62'] = f[FIELD.PAYLOAD] as string;
    const bill = billNumber(qr);
    if (bill) out['104'] = bill;
    const request: Iso8583Message = { mti: txn.mti, fields: out };
    const t0 = performance.now();
    let code: string;
    let partnerFields: Record<string, string> = {};
    try {
      const ex = await partner.sender.request(request, { txnId: txn.id });
      code = ex.response.fields['39'] ?? '96';
      partnerFields = { ...(ex.response.fields['38'] !== undefined ? { '38': ex.response.fields['38'] } : {}) };
    } catch (e) {
      if (!isDariError(e)) throw e;
      const sent = (e as DariError & { sent?: boolean }).sent === true || e.code === 'DARI_LINK_TIMEOUT';
      code = sent ? partner.timeoutResponseCode : partner.standInResponseCode;
      detail.error = e.code;
    }
    waitSeconds += (performance.now() - t0) / 1000;
    let fees: FeeEntry | undefined;
    if (code === '00' && this.o.fees) {
      const fee = this.o.fees.compute({ participant: txn.participant, partner: partner.id, currency: home.alpha, amount: quote.sourceAmount });
      // Journaled by the pipeline with the answer, in one durable write.
      fees = { ...feeEntryOf(txn, partner.id, fee), quoteId: quote.id, rate: quote.rate };
      detail.fees = { participant: fee.participantFee.toString(), partner: fee.partnerFee.toString(), saving: fee.saving.toString() };
    }
    return { code, fields: { ...answerFields, ...partnerFields }, partner: partner.id, waitSeconds, detail, ...(fees ? { fees } : {}) };
  }
}

/** The merchant's account id from its scheme's merchant account summary (merchant id, else account, else proxy). */
function merchantAccountId(qr: ParsedQr): string | undefined {
  const a = qr.merchantAccount;
  if (!a) return undefined;
  for (const k of ['nmid', 'merchantId', 'account', 'accountId', 'merchantAccount', 'proxy', 'merchantPan']) if (a[k]) return a[k];
  return Object.entries(a).find(([k, v]) => k !== 'template' && k !== 'guid' && v)?.[1];
}

/** ID 62 sub 01 (bill number), else 05 (reference label). */
function billNumber(qr: ParsedQr): string | undefined {
  const t = qr.fields['62'];
  if (typeof t !== 'object') return undefined;
  const v = t['01'] ?? t['05'];
  return typeof v === 'string' ? v : undefined;
}
