/**
 * The canonical transaction (ISO 8583 fields as the hub carries them) <-> ISO 20022, for one partner.
 * Field by field as in ../shared/reference/iso20022-translation.md section 5:
 *
 *   MTI 0100/0200 -> pacs.008 (0420 -> camt.056, a silent payment -> pacs.028), pacs.002 -> field 39
 *   4 + 49   -> IntrBkSttlmAmt@Ccy (ISO 4217 exponent; numeric -> alphabetic)
 *   6 + 51   -> InstdAmt@Ccy (what the customer is billed); 10 inverted -> XchgRate (.08) or AgrdRate (.13)
 *   7        -> GrpHdr/CreDtTm (UTC, year inferred); 12 + 13 -> AccptncDtTm in the acquirer's zone
 *   28       -> ChrgsInf (the acquirer's transaction fee, deducted by the debtor agent)
 *   32       -> DbtrAgt (table of acquirers, else its member id); 100 -> CdtrAgt (else the partner)
 *   37       -> EndToEndId (unchanged end to end); the hub's id -> MsgId, InstrId, TxId, UETR (ids.ts)
 *   41/42/18 -> Cdtr/Id/OrgId/Othr (TID, MID, MCC); 43 -> Cdtr name, town, country
 *   102/103  -> DbtrAcct/CdtrAcct; 2 (PAN) -> never sent: DbtrAcct gets a keyed token instead
 *   63       -> the FX quote id (AgrdRate/QtId in .13, AddtlRmtInf in .08); 104 -> the creditor reference
 *
 * and back for inbound pacs.008 (to a domestic 0200) and their pacs.002.
 */
import { createHash } from 'node:crypto';
import type { Iso8583Message } from '../codec/iso8583';
import { buildMessage, parseMessage, type CheckedXml } from '../codec/iso20022';
import type {
  Acmt023, Agent, AppHdr, Camt056, CreditTransferTransaction, MessageType, Pacs002, Pacs008, Pacs028, Party, ParsedMessage,
} from '../codec/iso20022/types';
import { DariError } from '../errors';
import { baseOneRate, currencyOf, conversionRateToDecimal, decimalToMinor, invertDecimal, minorToDecimal, n12 } from './amounts';
import { isoDateIn, isoToLocal, isoToTransmission, localToIso, transmissionToIso } from './dates';
import { followUpMsgId, txIdOf, txnIdFromTxId, uetrOf } from './ids';
import { StatusMapper } from './status';

/** An institution as ISO 20022 names it: a BIC, or a member id in a clearing system, or both. */
export interface AgentConfig {
  bic?: string;
  memberId?: string;
  /** Clearing system of the member id (ExternalClearingSystemIdentification1Code or proprietary text). */
  clearingSystem?: string;
  name?: string;
}

export interface Iso20022TranslatorOptions {
  partnerId: string;
  /** pacs.008 version the partner takes. */
  paymentVersion: 'pacs.008.001.08' | 'pacs.008.001.13';
  /** This hub, as instructing agent and header sender. */
  hub: AgentConfig;
  /** The partner switch, as instructed agent and header receiver (and default creditor agent). */
  partner: AgentConfig;
  /** Acquirers by field 32, as debtor agents (else the member id from field 32). */
  acquirers?: Record<string, AgentConfig>;
  /** Time zone of the acquirers' local time (fields 12/13): IANA name or ±hh:mm. */
  timeZone: string;
  /** Wrap Document and AppHdr in an envelope; send AppHdr at all. */
  header: 'none' | 'head.001.001.02' | 'head.001.001.03';
  envelope: boolean;
  /** DEBT, CRED, SHAR or SLEV. */
  chargeBearer: string;
  /** INDA, INGA, COVE or CLRG. */
  settlementMethod: string;
  status: StatusMapper;
  /** The keyed token standing for a PAN (never the PAN itself). */
  panToken: (pan: string) => string;
  now?: () => Date;
}

/** What identifies a payment across its messages. */
export interface PaymentRefs {
  /** Message type of the message just built. */
  type: MessageType;
  txnId: string;
  msgId: string;
  uetr: string;
  endToEndId: string;
  txId: string;
  creDtTm: string;
  paymentVersion: string;
  amount: { Ccy: string; value: string } | undefined;
}

/** An inbound payment (pacs.008 from the partner), as the hub needs it. */
export interface InboundPayment {
  type: MessageType;
  msgId: string;
  creDtTm: string;
  tx: CreditTransferTransaction;
  uetr: string | undefined;
  endToEndId: string;
  txId: string | undefined;
  instrId: string | undefined;
}

export type Incoming =
  | { kind: 'status'; type: MessageType; uetr: string | undefined; txnId: string | undefined; status: string; reason: string | undefined; reference: string | undefined }
  | { kind: 'resolution'; type: MessageType; uetr: string | undefined; txnId: string | undefined; status: 'CNCL' | 'RJCR' | 'PDCR'; reason: string | undefined }
  | { kind: 'return'; type: MessageType; uetr: string | undefined; txnId: string | undefined; amount: string | undefined; currency: string | undefined; reason: string | undefined }
  | { kind: 'payment'; type: MessageType; payment: InboundPayment }
  | { kind: 'verification'; type: MessageType; id: string; verified: boolean; name: string | undefined; reason: string | undefined }
  | { kind: 'other'; type: MessageType };

const NOT_PROVIDED = 'NOTPROVIDED';

function agentOf(a: AgentConfig): Agent {
  const fi: Agent['FinInstnId'] = {};
  if (a.bic) fi.BICFI = a.bic;
  if (a.memberId) {
    fi.ClrSysMmbId = { MmbId: a.memberId };
    if (a.clearingSystem) fi.ClrSysMmbId.ClrSysId = /^[A-Z]{5}$/.test(a.clearingSystem) ? { Cd: a.clearingSystem } : { Prtry: a.clearingSystem };
  }
  if (a.name) fi.Nm = a.name;
  if (!fi.BICFI && !fi.ClrSysMmbId && !fi.Nm) fi.Nm = NOT_PROVIDED;
  return { FinInstnId: fi };
}

/** Member id (or BIC) of an agent as ISO 8583 institution id (field 32/100: n..11). */
function institutionId(a: Agent | undefined): string | undefined {
  const id = a?.FinInstnId.ClrSysMmbId?.MmbId;
  return id !== undefined && /^\d{1,11}$/.test(id) ? id : undefined;
}

/** ISO 8583:1987 field 43 (ans 40): name 25, city 13, country 2. */
function splitAcceptor(de43: string): { name: string; city: string; country: string } {
  return { name: de43.slice(0, 25).trim(), city: de43.slice(25, 38).trim(), country: de43.slice(38, 40).trim() };
}

const QUOTE = /^([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})(?:;(\d{1,12}(?:\.\d{1,12})?))?$/;

/**
 * Field 63 of a QR payment (set by the QR service): the FX quote id (a UUIDv4), and after a ';' its
 * exact locked rate in merchant currency per unit of the billing currency (field 10 keeps 7 digits).
 */
function quoteOf(v: string | undefined): { id: string; rate: string | undefined } | undefined {
  const m = v === undefined ? null : QUOTE.exec(v);
  return m ? { id: m[1] as string, rate: m[2] } : undefined;
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n);
}

export class Iso20022Translator {
  readonly status: StatusMapper;
  private readonly now: () => Date;
  /** This hub and the partner as agents, made once: every message names them (the builder only reads them). */
  private readonly hubAgent: Agent;
  private readonly partnerAgent: Agent;

  constructor(private readonly o: Iso20022TranslatorOptions) {
    this.status = o.status;
    this.now = o.now ?? (() => new Date());
    this.hubAgent = agentOf(o.hub);
    this.partnerAgent = agentOf(o.partner);
  }

  uetrOf(txnId: string): string {
    return uetrOf(txnId);
  }

  private header(type: MessageType, bizMsgIdr: string, creDt: string): AppHdr | undefined {
    if (this.o.header === 'none') return undefined;
    return {
      Fr: { FIId: this.hubAgent }, To: { FIId: this.partnerAgent },
      BizMsgIdr: bizMsgIdr, MsgDefIdr: type, CreDt: creDt.endsWith('Z') ? creDt : new Date(creDt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  }

  private build<T extends MessageType>(type: T, doc: unknown, bizMsgIdr: string, creDt: string): string {
    const header = this.header(type, bizMsgIdr, creDt);
    return buildMessage(type, doc as never, { ...(header ? { header, headerType: this.o.header as 'head.001.001.02' } : {}), envelope: this.o.envelope && header !== undefined });
  }

  private isoNow(): string {
    return this.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /** The common identifiers of a payment, from the request and the hub's transaction id. */
  refs(msg: Iso8583Message, txnId: string, type: MessageType): PaymentRefs {
    const f = msg.fields;
    const txId = txIdOf(txnId);
    const ccy = f['49'] !== undefined ? currencyOf(f['49'], '49') : undefined;
    return {
      type, txnId, msgId: txId, uetr: uetrOf(txnId), endToEndId: f['37']?.trim() || txId, txId,
      creDtTm: f['7'] !== undefined ? transmissionToIso(f['7'], this.now()) : this.isoNow(),
      paymentVersion: this.o.paymentVersion,
      amount: ccy && f['4'] !== undefined ? { Ccy: ccy.alpha, value: minorToDecimal(f['4'], ccy) } : undefined,
    };
  }

  /** pacs.008 for a 0100/0200. */
  payment(msg: Iso8583Message, txnId: string): { xml: string; refs: PaymentRefs } {
    const f = msg.fields;
    const o = this.o;
    const version = o.paymentVersion;
    const refs = this.refs(msg, txnId, version);
    if (!refs.amount) throw new DariError('DARI_TRANSLATE_INVALID', 'a payment needs fields 4 and 49', { field: f['4'] === undefined ? 4 : 49 });
    const acquirer = f['32'];
    const dbtrAgt = agentOf((acquirer !== undefined ? o.acquirers?.[acquirer] : undefined) ?? (acquirer !== undefined ? { memberId: acquirer } : o.hub));
    const cdtrAgt = f['100'] !== undefined ? agentOf({ memberId: f['100'] }) : this.partnerAgent;

    const acceptor = f['43'] !== undefined ? splitAcceptor(f['43']) : undefined;
    const ids: { Id: string; SchmeNm: { Prtry: string } }[] = [];
    if (f['42']?.trim()) ids.push({ Id: f['42'].trim(), SchmeNm: { Prtry: 'MID' } });
    if (f['41']?.trim()) ids.push({ Id: f['41'].trim(), SchmeNm: { Prtry: 'TID' } });
    if (f['18'] !== undefined) ids.push({ Id: f['18'], SchmeNm: { Prtry: 'MCC' } });
    const cdtr: Party = { Nm: acceptor?.name || NOT_PROVIDED };
    if (acceptor && (acceptor.city || acceptor.country)) {
      cdtr.PstlAdr = {};
      if (acceptor.city) cdtr.PstlAdr.TwnNm = acceptor.city;
      if (/^[A-Z]{2}$/.test(acceptor.country)) cdtr.PstlAdr.Ctry = acceptor.country;
    }
    if (ids.length > 0) cdtr.Id = { OrgId: { Othr: ids } };

    const tx: CreditTransferTransaction = {
      PmtId: { InstrId: refs.txId, EndToEndId: clip(refs.endToEndId, 35), TxId: refs.txId, UETR: refs.uetr },
      // Card-present and QR payments at a point of sale are time-critical (Nexus InstrPrty HIGH).
      PmtTpInf: { InstrPrty: f['22'] !== undefined ? 'HIGH' : 'NORM' },
      IntrBkSttlmAmt: refs.amount,
      IntrBkSttlmDt: isoDateIn(o.timeZone, this.now()),
      ChrgBr: o.chargeBearer,
      Dbtr: { Nm: NOT_PROVIDED },
      DbtrAgt: dbtrAgt,
      CdtrAgt: cdtrAgt,
      Cdtr: cdtr,
    };
    if (f['12'] !== undefined && f['13'] !== undefined) {
      const at = localToIso(f['13'], f['12'], o.timeZone, this.now());
      if (version === 'pacs.008.001.08') tx.AccptncDtTm = at;
      else tx.AddtlDtTm = { AccptncDtTm: at };
    }
    const quote = quoteOf(f['63']);
    if (f['6'] !== undefined && f['51'] !== undefined) {
      const billing = currencyOf(f['51'], '51');
      tx.InstdAmt = { Ccy: billing.alpha, value: minorToDecimal(f['6'], billing, '6') };
      if (f['10'] !== undefined || quote?.rate !== undefined) {
        const rate = baseOneRate(quote?.rate ?? invertDecimal(conversionRateToDecimal(f['10'] as string)));
        if (version === 'pacs.008.001.08') tx.XchgRate = rate;
        else tx.AgrdRate = { UnitCcy: billing.alpha, QtdCcy: refs.amount.Ccy, PreAgrdXchgRate: rate, ...(quote ? { QtId: quote.id } : {}) };
      }
    }
    if (f['28'] !== undefined && /^[CD]\d{8}$/.test(f['28'])) {
      const ccy = currencyOf(f['49'] as string, '49');
      tx.ChrgsInf = [{ Amt: { Ccy: ccy.alpha, value: minorToDecimal(f['28'].slice(1), ccy, '28') }, Agt: dbtrAgt }];
    }
    const account = f['102']?.trim();
    if (account) tx.DbtrAcct = { Id: { Othr: { Id: clip(account, 34) } } };
    else if (f['2'] !== undefined) tx.DbtrAcct = { Id: { Othr: { Id: o.panToken(f['2']), SchmeNm: { Prtry: 'DARI-TOKEN' } } } };
    const cdtrAccount = f['103']?.trim();
    if (cdtrAccount) tx.CdtrAcct = { Id: { Othr: { Id: clip(cdtrAccount, 34) } } };
    // Remittance: the QR bill or reference number (field 104, set by the QR service) as the creditor's
    // structured reference; otherwise the RRN as free text. Without a 2024 element for it, the FX quote
    // id of a .08 payment goes in AddtlRmtInf, as the Nexus guidelines did before AgrdRate/QtId.
    const bill = f['104']?.trim();
    const quoteNote = version === 'pacs.008.001.08' && quote !== undefined ? [`QUOTE ${quote.id}`] : undefined;
    if (bill) tx.RmtInf = { Strd: [{ CdtrRefInf: { Ref: clip(bill, 35) }, ...(quoteNote ? { AddtlRmtInf: quoteNote } : {}) }] };
    else if (quoteNote) tx.RmtInf = { Strd: [{ AddtlRmtInf: quoteNote }] };
    else if (f['37'] !== undefined) tx.RmtInf = { Ustrd: [`RRN ${f['37'].trim()}`] };

    const doc: Pacs008 = {
      GrpHdr: {
        MsgId: refs.msgId, CreDtTm: refs.creDtTm, NbOfTxs: '1',
        SttlmInf: { SttlmMtd: o.settlementMethod },
        InstgAgt: this.hubAgent, InstdAgt: this.partnerAgent,
      },
      CdtTrfTxInf: [tx],
    };
    return { xml: this.build(version, doc, refs.msgId, refs.creDtTm), refs };
  }

  /** pacs.028 asking for the status of the payment `refs` names. */
  statusRequest(msg: Iso8583Message, refs: PaymentRefs, seq: number): string {
    const msgId = followUpMsgId(refs.txnId, 'S', seq);
    const creDtTm = this.isoNow();
    const doc: Pacs028 = {
      GrpHdr: { MsgId: msgId, CreDtTm: creDtTm, InstgAgt: this.hubAgent, InstdAgt: this.partnerAgent },
      TxInf: [{
        StsReqId: msgId,
        OrgnlGrpInf: { OrgnlMsgId: refs.msgId, OrgnlMsgNmId: refs.paymentVersion, OrgnlCreDtTm: refs.creDtTm },
        OrgnlInstrId: refs.txId, OrgnlEndToEndId: clip(refs.endToEndId, 35), OrgnlTxId: refs.txId, OrgnlUETR: refs.uetr,
      }],
    };
    void msg;
    return this.build('pacs.028.001.03', doc, msgId, creDtTm);
  }

  /**
   * camt.056 for a reversal (0420/0421) of the payment made for `txnId`. The reason: a timeout or
   * system code (68, 91, 96, ...) is TECH, a customer cancellation (17) is CUST, a suspected fraud
   * (59) FRAD, a duplicate (94) DUPL.
   */
  cancellation(msg: Iso8583Message, txnId: string, seq: number): { xml: string; refs: PaymentRefs } {
    const refs = { ...this.refs(msg, txnId, 'camt.056.001.08'), creDtTm: this.isoNow() };
    // The original's creation time is field 7 of the original (in field 90), when present.
    const de90 = msg.fields['90'];
    const orgnlCreDtTm = de90 !== undefined && /^\d{20}/.test(de90) ? transmissionToIso(de90.slice(10, 20), this.now()) : undefined;
    const msgId = followUpMsgId(txnId, 'C', seq);
    const reason = ({ '17': 'CUST', '59': 'FRAD', '94': 'DUPL' } as Record<string, string>)[msg.fields['39'] ?? ''] ?? 'TECH';
    const assigner = { Agt: this.hubAgent };
    const assignee = { Agt: this.partnerAgent };
    const tx: NonNullable<Camt056['Undrlyg'][number]['TxInf']>[number] = {
      CxlId: msgId,
      Case: { Id: msgId, Cretr: assigner },
      OrgnlGrpInf: { OrgnlMsgId: txIdOf(txnId), OrgnlMsgNmId: this.o.paymentVersion, ...(orgnlCreDtTm ? { OrgnlCreDtTm: orgnlCreDtTm } : {}) },
      OrgnlInstrId: refs.txId, OrgnlEndToEndId: clip(refs.endToEndId, 35), OrgnlTxId: refs.txId, OrgnlUETR: refs.uetr,
      CxlRsnInf: [{ Orgtr: { Nm: this.o.hub.name ?? 'DARI' }, Rsn: { Cd: reason } }],
    };
    if (refs.amount) tx.OrgnlIntrBkSttlmAmt = refs.amount;
    const doc: Camt056 = {
      Assgnmt: { Id: msgId, Assgnr: assigner, Assgne: assignee, CreDtTm: refs.creDtTm },
      Undrlyg: [{ TxInf: [tx] }],
    };
    return { xml: this.build('camt.056.001.08', doc, msgId, refs.creDtTm), refs: { ...refs, type: 'camt.056.001.08' } };
  }

  /**
   * acmt.023 asking the partner to confirm an account (a merchant's account from its QR code, or a
   * proxy) before paying it; `id` is the verification id its acmt.024 names (OrgnlId).
   */
  verification(v: { id: string; account: string; scheme?: string; name?: string; agentMemberId?: string }): string {
    const creDtTm = this.isoNow();
    const acct: NonNullable<Acmt023['Vrfctn'][number]['PtyAndAcctId']['Acct']> = { Id: { Othr: { Id: clip(v.account, 34), ...(v.scheme ? { SchmeNm: { Prtry: clip(v.scheme, 35) } } : {}) } } };
    const doc: Acmt023 = {
      Assgnmt: { MsgId: v.id, CreDtTm: creDtTm, Assgnr: { Agt: this.hubAgent }, Assgne: { Agt: this.partnerAgent } },
      Vrfctn: [{
        Id: v.id,
        PtyAndAcctId: {
          ...(v.name ? { Pty: { Nm: clip(v.name, 140) } } : {}),
          Acct: acct,
          ...(v.agentMemberId ? { Agt: agentOf({ memberId: v.agentMemberId }) } : {}),
        },
      }],
    };
    return this.build('acmt.023.001.03', doc, v.id, creDtTm);
  }

  /** Read a message from the partner (or checkMessage's result for it) into what the gateway acts on. Throws coded errors. */
  read(body: Buffer | string | CheckedXml): Incoming[] {
    const m = parseMessage(body) as ParsedMessage;
    switch (m.type) {
      case 'pacs.002.001.10': return this.readStatus(m.type, m.document);
      case 'camt.029.001.09': {
        const d = m.document;
        const conf = d.Sts.Conf;
        const out: Incoming[] = [];
        for (const det of d.CxlDtls ?? []) {
          for (const t of det.TxInfAndSts ?? []) {
            const s = t.TxCxlSts ?? conf;
            const status = s === 'ACCR' || s === 'CNCL' ? 'CNCL' : s === 'PDCR' ? 'PDCR' : 'RJCR';
            out.push({ kind: 'resolution', type: m.type, uetr: t.OrgnlUETR, txnId: txnIdFromTxId(t.OrgnlTxId ?? t.OrgnlInstrId), status, reason: t.CxlStsRsnInf?.[0]?.Rsn?.Cd });
          }
        }
        if (out.length === 0) throw new DariError('DARI_PARTNER_PROTOCOL', 'camt.029 names no transaction (CxlDtls/TxInfAndSts)');
        return out;
      }
      case 'pacs.004.001.09':
        return (m.document.TxInf ?? []).map((t) => ({
          kind: 'return' as const, type: m.type, uetr: t.OrgnlUETR, txnId: txnIdFromTxId(t.OrgnlTxId ?? t.OrgnlInstrId),
          amount: t.RtrdIntrBkSttlmAmt.value, currency: t.RtrdIntrBkSttlmAmt.Ccy, reason: t.RtrRsnInf?.[0]?.Rsn?.Cd,
        }));
      case 'pacs.008.001.08':
      case 'pacs.008.001.13':
        return m.document.CdtTrfTxInf.map((tx) => ({
          kind: 'payment' as const, type: m.type,
          payment: {
            type: m.type, msgId: m.document.GrpHdr.MsgId, creDtTm: m.document.GrpHdr.CreDtTm, tx,
            uetr: tx.PmtId.UETR, endToEndId: tx.PmtId.EndToEndId, txId: tx.PmtId.TxId, instrId: tx.PmtId.InstrId,
          },
        }));
      case 'acmt.024.001.03':
        return m.document.Rpt.map((r) => ({
          kind: 'verification' as const, type: m.type, id: r.OrgnlId, verified: r.Vrfctn,
          name: r.UpdtdPtyAndAcctId?.Pty?.Nm ?? r.UpdtdPtyAndAcctId?.Acct?.Nm, reason: r.Rsn?.Cd,
        }));
      default:
        return [{ kind: 'other', type: m.type }];
    }
  }

  private readStatus(type: MessageType, d: Pacs002): Incoming[] {
    const group = d.OrgnlGrpInfAndSts?.[0];
    const out: Incoming[] = [];
    for (const t of d.TxInfAndSts ?? []) {
      const status = t.TxSts ?? group?.GrpSts;
      if (status === undefined) throw new DariError('DARI_PARTNER_PROTOCOL', 'pacs.002 gives no TxSts or GrpSts');
      out.push({
        kind: 'status', type, uetr: t.OrgnlUETR, txnId: txnIdFromTxId(t.OrgnlTxId ?? t.OrgnlInstrId ?? group?.OrgnlMsgId),
        status, reason: t.StsRsnInf?.[0]?.Rsn?.Cd ?? group?.StsRsnInf?.[0]?.Rsn?.Cd, reference: t.ClrSysRef ?? t.AcctSvcrRef,
      });
    }
    if (out.length === 0 && group?.GrpSts !== undefined) {
      out.push({ kind: 'status', type, uetr: undefined, txnId: txnIdFromTxId(group.OrgnlMsgId), status: group.GrpSts, reason: group.StsRsnInf?.[0]?.Rsn?.Cd, reference: undefined });
    }
    if (out.length === 0) throw new DariError('DARI_PARTNER_PROTOCOL', 'pacs.002 names no transaction');
    return out;
  }

  /** pacs.002 answering an inbound payment with the domestic field 39. */
  statusReport(p: InboundPayment, code: string): string {
    const { status, reason } = this.status.fromIso8583(code);
    const creDtTm = this.isoNow();
    const msgId = `${createHash('sha256').update(`${p.msgId}|${p.uetr ?? p.endToEndId}`).digest('hex').slice(0, 32)}R`;
    const tx: NonNullable<Pacs002['TxInfAndSts']>[number] = {
      OrgnlGrpInf: { OrgnlMsgId: p.msgId, OrgnlMsgNmId: p.type, OrgnlCreDtTm: p.creDtTm },
      OrgnlEndToEndId: p.endToEndId, TxSts: status,
    };
    if (p.instrId !== undefined) tx.OrgnlInstrId = p.instrId;
    if (p.txId !== undefined) tx.OrgnlTxId = p.txId;
    if (p.uetr !== undefined) tx.OrgnlUETR = p.uetr;
    if (reason !== undefined) tx.StsRsnInf = [{ Rsn: { Cd: reason } }];
    const doc: Pacs002 = { GrpHdr: { MsgId: msgId, CreDtTm: creDtTm, InstgAgt: this.hubAgent, InstdAgt: this.partnerAgent }, TxInfAndSts: [tx] };
    return this.build('pacs.002.001.10', doc, msgId, creDtTm);
  }

  /**
   * An inbound payment as a domestic 0200 (iso87ascii numbering). Identifiers are derived from the
   * payment (STAN from its UETR, 7 from its creation time, 37 from its EndToEndId), so the partner
   * re-sending the same pacs.008 makes the same request, which the pipeline's dedupe answers from the
   * journal instead of paying twice.
   */
  inboundRequest(p: InboundPayment): Iso8583Message {
    const tx = p.tx;
    const ccy = currencyOf(tx.IntrBkSttlmAmt.Ccy, 'IntrBkSttlmAmt');
    const minor = decimalToMinor(tx.IntrBkSttlmAmt.value, ccy, 'IntrBkSttlmAmt');
    const key = createHash('sha256').update(`${p.msgId}|${p.uetr ?? ''}|${p.endToEndId}`).digest();
    const stan = String(key.readUInt32BE(0) % 1_000_000).padStart(6, '0');
    const de7 = isoToTransmission(p.creDtTm);
    const local = isoToLocal(p.creDtTm, this.o.timeZone);
    const othr = tx.Cdtr.Id?.OrgId?.Othr ?? [];
    const idOf = (scheme: string): string | undefined => othr.find((o) => o.SchmeNm?.Prtry === scheme)?.Id;
    const fields: Record<string, string> = {
      '3': '000000', '4': n12(minor), '7': de7, '11': stan, '12': local.de12, '13': local.de13,
      '37': clip(p.endToEndId.replace(/[^A-Za-z0-9]/g, ''), 12).padStart(12, '0'),
      '41': clip(idOf('TID') ?? 'DARIINB1', 8).padEnd(8, ' '),
      '49': ccy.numeric,
    };
    const acq = institutionId(tx.DbtrAgt) ?? institutionId(tx.InstgAgt);
    if (acq !== undefined) fields['32'] = acq;
    const mid = idOf('MID');
    if (mid !== undefined) fields['42'] = clip(mid, 15).padEnd(15, ' ');
    const mcc = idOf('MCC');
    if (mcc !== undefined && /^\d{4}$/.test(mcc)) fields['18'] = mcc;
    const name = tx.Cdtr.Nm ?? '';
    const city = tx.Cdtr.PstlAdr?.TwnNm ?? '';
    const ctry = tx.Cdtr.PstlAdr?.Ctry ?? '';
    if (name && name !== NOT_PROVIDED) fields['43'] = clip(name, 25).padEnd(25, ' ') + clip(city, 13).padEnd(13, ' ') + clip(ctry, 2).padEnd(2, ' ');
    const rcv = institutionId(tx.CdtrAgt);
    if (rcv !== undefined) fields['100'] = rcv;
    const acct = tx.CdtrAcct?.Id?.Othr?.Id ?? tx.CdtrAcct?.Id?.IBAN;
    if (acct !== undefined) fields['103'] = clip(acct, 28);
    return { mti: '0200', fields };
  }
}
