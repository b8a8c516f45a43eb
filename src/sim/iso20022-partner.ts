/**
 * Iso20022PartnerSimulator: a foreign national switch speaking ISO 20022 over TCP (one XML document
 * per frame, 4-byte binary length header), for the demo, the tests and the benchmark.
 *
 * Answers, driven by the last two digits of the amount in minor units (like the ISO 8583 simulator):
 * - pacs.008 -> pacs.002. The two digits, read as an ISO 8583 response code, give the status and
 *   reason by the status table's reverse direction (00 -> ACCC; 51 -> RJCT AM04; 14 -> RJCT AC01;
 *   91 -> RJCT AB08; ...); digits that are not a response code -> ACCC. Special endings:
 *     98: silent: the pacs.008 gets no answer, but a pacs.028 about it gets the final status (ACCC);
 *     99: never answers anything about it (the hub's budget runs out: 68 and a camt.056);
 *     96: pending then final: ACSP at once, ACCC `pendingMs` later;
 *     97: late: ACCC after `lateMs` (after the hub has given up);
 *     95: a malformed XML answer, then silence (the status request recovers the payment: ACCC).
 * - pacs.028 -> pacs.002 with the payment's status (PDNG while undecided; RJCT NARR "original not
 *   received" for a payment it never saw);
 * - acmt.023 -> acmt.024: the account confirmed with its registered name (`merchants`), or refused
 *   with BE23 when `unknownAccounts` lists it;
 * - camt.056 -> camt.029: CNCL for a payment it received (the payment is marked cancelled), RJCR
 *   NOOR for one it never saw; `refuseCancellation` answers RJCR LEGL;
 * - anything else is recorded and not answered.
 * Behaviour flags: `silent` (answer nothing), `delayMs` (added to every answer), and one-shot
 * `disconnectMidFrame` (half a pacs.002 frame, then the connection drops) and `schemaInvalidNext`
 * (a well-formed pacs.002 that fails its XSD).
 * `sendPayment()` makes it the originator of an inbound payment (pacs.008 to the hub, resolving with
 * the hub's pacs.002); `sendReturn()` sends a pacs.004 for a payment it received.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { buildMessage, parseMessage } from '../codec/iso20022';
import type { Agent, AppHdr, Camt029, CreditTransferTransaction, MessageType, Pacs002, Pacs004, Pacs008, ParsedMessage } from '../codec/iso20022/types';
import { currencyByAlpha } from '../codec/iso20022/currencies';
import { isDariError } from '../errors';
import { MessageLink } from '../link/message-link';
import type { FramingOptions } from '../transport/framing';
import { StatusMapper } from '../translate/status';
import { isIso87ResponseCode } from './common';

export interface Iso20022Behaviour {
  silent: boolean;
  delayMs: number;
  refuseCancellation: boolean;
  /** One shot: the next pacs.002 is cut after half its frame and the connection closed. */
  disconnectMidFrame: boolean;
  /** One shot: the next pacs.002 is well-formed but fails its XSD (a 5-letter TxSts). */
  schemaInvalidNext: boolean;
}

export interface Iso20022SimOptions {
  host?: string;
  port?: number;
  framing?: FramingOptions;
  /** The simulated switch as an agent (BIC or member id) and the hub it talks to. */
  self?: Agent;
  hub?: Agent;
  /** Delay of the final status for amounts ending in 96. @default 300 */
  pendingMs?: number;
  /** Delay of the answer for amounts ending in 97. @default 6000 */
  lateMs?: number;
  behaviour?: Partial<Iso20022Behaviour>;
  /** Keep at most this many messages in `received` (the first ones; counts go on). @default 100000 */
  recordLimit?: number;
  /** Keep the XML text of at most this many messages in `raw` (the first ones). @default 1000 */
  rawLimit?: number;
  /**
   * Remember at most this many payments (status requests, cancellations, returns and re-sent
   * pacs.008s find them); the oldest is forgotten first. @default 10000
   */
  paymentMemory?: number;
}

interface Received {
  type: MessageType;
  uetr: string | undefined;
  at: number;
}

interface PaymentState {
  msgId: string;
  type: MessageType;
  creDtTm: string;
  tx: CreditTransferTransaction;
  /** Final status once decided. */
  status: { sts: string; reason?: string } | undefined;
  cancelled: boolean;
}

const DEFAULT_SELF: Agent = { FinInstnId: { BICFI: 'SIMSIDJA', Nm: 'Simulated ISO 20022 switch' } };
const DEFAULT_HUB: Agent = { FinInstnId: { BICFI: 'DARIKRSE', Nm: 'Dari hub' } };

export class Iso20022PartnerSimulator extends EventEmitter {
  readonly behaviour: Iso20022Behaviour;
  /** Messages received from the hub, in order (at most `recordLimit`). */
  readonly received: Received[] = [];
  /** Messages received from the hub, as written (at most `rawLimit`; tests check them with xmllint). */
  readonly raw: { type: string; xml: string }[] = [];
  /** Payments received, by UETR (or EndToEndId when the UETR is missing): the `paymentMemory` latest. */
  readonly payments = new Map<string, PaymentState>();
  readonly limits: { recordLimit: number; rawLimit: number; paymentMemory: number };
  /** Messages received over the simulator's life, by type (all of them, beyond `recordLimit`). */
  private readonly counts = new Map<string, number>();
  private server: Server | undefined;
  private readonly links = new Set<MessageLink>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly status = new StatusMapper();
  private readonly awaiting = new Map<string, (sts: { status: string; reason?: string }) => void>();
  private seq = 0;
  port = 0;
  /** Registered names by account id (acmt.023 answers). */
  readonly merchants = new Map<string, string>();
  /** Accounts the switch does not know (acmt.024 Vrfctn false, BE23). */
  readonly unknownAccounts = new Set<string>();
  /** Creation time of each payment it originated, by MsgId (a re-send repeats it). */
  private readonly created = new Map<string, string>();

  constructor(private readonly o: Iso20022SimOptions = {}) {
    super();
    this.behaviour = { silent: false, delayMs: 0, refuseCancellation: false, disconnectMidFrame: false, schemaInvalidNext: false, ...o.behaviour };
    this.limits = { recordLimit: o.recordLimit ?? 100_000, rawLimit: o.rawLimit ?? 1_000, paymentMemory: o.paymentMemory ?? 10_000 };
  }

  async start(): Promise<this> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.links].map((l) => l.close()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Messages received over the simulator's life whose type starts with `type` (e.g. 'pacs.008'). */
  count(type: string): number {
    let n = 0;
    for (const [t, c] of this.counts) if (t.startsWith(type)) n += c;
    return n;
  }

  /** Messages received over the simulator's life (all of them, beyond `recordLimit`). */
  get receivedCount(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  private record(type: MessageType, uetr: string | undefined): void {
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1);
    if (this.received.length < this.limits.recordLimit) this.received.push({ type, uetr, at: Date.now() });
  }

  private accept(socket: Socket): void {
    const link = new MessageLink({ id: `sim20022@${socket.remotePort ?? 0}`, role: 'server', socket, ...(this.o.framing ? { framing: this.o.framing } : {}) });
    this.links.add(link);
    link.on('state', (s) => { if (s === 'closed') this.links.delete(link); });
    link.on('message', (body) => this.receive(link, body));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms + this.behaviour.delayMs);
    this.timers.add(t);
  }

  private send(link: MessageLink, type: MessageType, doc: unknown, msgId: string): void {
    const header: AppHdr = {
      Fr: { FIId: this.o.self ?? DEFAULT_SELF }, To: { FIId: this.o.hub ?? DEFAULT_HUB },
      BizMsgIdr: msgId, MsgDefIdr: type, CreDt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
    try {
      if (link.ready) link.send(buildMessage(type, doc as never, { header, envelope: false }));
      else this.pick()?.send(buildMessage(type, doc as never, { header, envelope: false }));
    } catch (e) {
      this.emit('error', e);
    }
  }

  private pick(): MessageLink | undefined {
    for (const l of this.links) if (l.ready) return l;
    return undefined;
  }

  private nextId(prefix: string): string {
    this.seq++;
    return `${prefix}${Date.now().toString(36).toUpperCase()}${String(this.seq).padStart(6, '0')}`.slice(0, 35);
  }

  private receive(link: MessageLink, body: Buffer): void {
    let m: ParsedMessage;
    try {
      m = parseMessage(body) as ParsedMessage;
    } catch (e) {
      this.emit('refused', isDariError(e) ? e.code : String(e));
      return;
    }
    if (this.raw.length < this.limits.rawLimit) this.raw.push({ type: m.type, xml: body.toString('utf8') });
    switch (m.type) {
      case 'pacs.008.001.08':
      case 'pacs.008.001.13':
        for (const tx of m.document.CdtTrfTxInf) this.onPayment(link, m.type, m.document, tx);
        return;
      case 'pacs.028.001.03':
        this.record(m.type, m.document.TxInf?.[0]?.OrgnlUETR);
        if (!this.behaviour.silent) for (const t of m.document.TxInf ?? []) this.onStatusRequest(link, t.OrgnlUETR ?? t.OrgnlEndToEndId ?? '');
        return;
      case 'camt.056.001.08':
        for (const u of m.document.Undrlyg) for (const t of u.TxInf ?? []) {
          this.record(m.type, t.OrgnlUETR);
          if (!this.behaviour.silent) this.onCancellation(link, m.document.Assgnmt.Id, t);
        }
        return;
      case 'acmt.023.001.03':
        this.record(m.type, undefined);
        if (!this.behaviour.silent) this.onVerification(link, m.document);
        return;
      case 'pacs.002.001.10':
        for (const t of m.document.TxInfAndSts ?? []) {
          this.record(m.type, t.OrgnlUETR);
          const k = t.OrgnlUETR ?? t.OrgnlEndToEndId ?? '';
          const resolve = this.awaiting.get(k);
          if (resolve && t.TxSts !== undefined) {
            this.awaiting.delete(k);
            resolve({ status: t.TxSts, ...(t.StsRsnInf?.[0]?.Rsn?.Cd ? { reason: t.StsRsnInf[0].Rsn.Cd } : {}) });
          }
        }
        return;
      default:
        this.record(m.type, undefined);
    }
  }

  private onPayment(link: MessageLink, type: MessageType, doc: Pacs008, tx: CreditTransferTransaction): void {
    const key = tx.PmtId.UETR ?? tx.PmtId.EndToEndId;
    this.record(type, tx.PmtId.UETR);
    const known = this.payments.get(key);
    if (known) {
      // A re-sent pacs.008 (same UETR): answer the status it already has, never pay twice.
      if (known.status && !this.behaviour.silent) this.later(0, () => this.report(link, known, known.status as { sts: string; reason?: string }));
      return;
    }
    const state: PaymentState = { msgId: doc.GrpHdr.MsgId, type, creDtTm: doc.GrpHdr.CreDtTm, tx, status: undefined, cancelled: false };
    this.payments.set(key, state);
    if (this.payments.size > this.limits.paymentMemory) {
      const oldest = this.payments.keys().next();
      if (oldest.done !== true) this.payments.delete(oldest.value);
    }
    if (this.behaviour.silent) return;
    const ending = minorEnding(tx.IntrBkSttlmAmt.value, tx.IntrBkSttlmAmt.Ccy);
    const decide = (): { sts: string; reason?: string } => {
      const code = isIso87ResponseCode(ending) && !['95', '96', '97', '98', '99'].includes(ending) ? ending : '00';
      const s = this.status.fromIso8583(code);
      return { sts: s.status, ...(s.reason ? { reason: s.reason } : {}) };
    };
    switch (ending) {
      case '99': return;
      case '98': state.status = decide(); return; // decided, but only said when asked
      case '97': this.later(this.o.lateMs ?? 6000, () => { state.status = decide(); this.report(link, state, state.status); }); return;
      case '96':
        this.later(0, () => this.report(link, state, { sts: 'ACSP' }));
        this.later(this.o.pendingMs ?? 300, () => { state.status = decide(); this.report(link, state, state.status); });
        return;
      case '95':
        state.status = decide();
        this.later(0, () => { if (link.ready) link.send('<?xml version="1.0"?><Document><FIToFIPmtStsRpt><GrpHdr>'); });
        return;
      default:
        state.status = decide();
        this.later(0, () => this.report(link, state, state.status as { sts: string; reason?: string }));
    }
  }

  private report(link: MessageLink, p: PaymentState, s: { sts: string; reason?: string; info?: string }): void {
    const msgId = this.nextId('SIM002');
    const t: NonNullable<Pacs002['TxInfAndSts']>[number] = {
      OrgnlGrpInf: { OrgnlMsgId: p.msgId, OrgnlMsgNmId: p.type, OrgnlCreDtTm: p.creDtTm },
      OrgnlEndToEndId: p.tx.PmtId.EndToEndId, TxSts: s.sts,
    };
    if (p.tx.PmtId.InstrId !== undefined) t.OrgnlInstrId = p.tx.PmtId.InstrId;
    if (p.tx.PmtId.TxId !== undefined) t.OrgnlTxId = p.tx.PmtId.TxId;
    if (p.tx.PmtId.UETR !== undefined) t.OrgnlUETR = p.tx.PmtId.UETR;
    if (s.reason) t.StsRsnInf = [{ Rsn: { Cd: s.reason }, ...(s.info ? { AddtlInf: [s.info] } : {}) }];
    if (s.sts === 'ACCC' || s.sts === 'ACSC') t.ClrSysRef = msgId.slice(-12);
    const doc: Pacs002 = { GrpHdr: { MsgId: msgId, CreDtTm: new Date().toISOString() }, TxInfAndSts: [t] };
    if (this.behaviour.schemaInvalidNext) {
      this.behaviour.schemaInvalidNext = false;
      t.TxSts = `${s.sts}X`;
    }
    if (this.behaviour.disconnectMidFrame && link.ready) {
      this.behaviour.disconnectMidFrame = false;
      link.sendHalfAndClose(buildMessage('pacs.002.001.10', doc as never, {}));
      return;
    }
    this.send(link, 'pacs.002.001.10', doc, msgId);
  }

  private onStatusRequest(link: MessageLink, key: string): void {
    const p = this.payments.get(key);
    if (!p) {
      const msgId = this.nextId('SIM002');
      const doc: Pacs002 = {
        GrpHdr: { MsgId: msgId, CreDtTm: new Date().toISOString() },
        TxInfAndSts: [{ OrgnlUETR: key, TxSts: 'RJCT', StsRsnInf: [{ Rsn: { Cd: 'NARR' }, AddtlInf: ['original not received'] }] }],
      };
      this.later(0, () => this.send(link, 'pacs.002.001.10', doc, msgId));
      return;
    }
    const ending = minorEnding(p.tx.IntrBkSttlmAmt.value, p.tx.IntrBkSttlmAmt.Ccy);
    if (ending === '99') return;
    this.later(0, () => this.report(link, p, p.status ?? { sts: 'PDNG' }));
  }

  private onCancellation(link: MessageLink, caseId: string, t: NonNullable<import('../codec/iso20022/types').CancellationUnderlying['TxInf']>[number]): void {
    const key = t.OrgnlUETR ?? t.OrgnlEndToEndId ?? '';
    const p = this.payments.get(key);
    let sts: 'ACCR' | 'RJCR';
    let reason: string | undefined;
    if (!p) {
      sts = 'RJCR';
      reason = 'NOOR';
    } else if (this.behaviour.refuseCancellation) {
      sts = 'RJCR';
      reason = 'LEGL';
    } else {
      sts = 'ACCR';
      p.cancelled = true;
    }
    const msgId = this.nextId('SIM029');
    const now = new Date().toISOString();
    const doc: Camt029 = {
      Assgnmt: { Id: msgId, Assgnr: { Agt: this.o.self ?? DEFAULT_SELF }, Assgne: { Agt: this.o.hub ?? DEFAULT_HUB }, CreDtTm: now },
      RslvdCase: { Id: caseId, Cretr: { Agt: this.o.hub ?? DEFAULT_HUB } },
      Sts: { Conf: sts === 'ACCR' ? 'CNCL' : 'RJCR' },
      CxlDtls: [{
        TxInfAndSts: [{
          ...(t.OrgnlGrpInf ? { OrgnlGrpInf: t.OrgnlGrpInf } : {}),
          ...(t.OrgnlInstrId ? { OrgnlInstrId: t.OrgnlInstrId } : {}),
          ...(t.OrgnlEndToEndId ? { OrgnlEndToEndId: t.OrgnlEndToEndId } : {}),
          ...(t.OrgnlTxId ? { OrgnlTxId: t.OrgnlTxId } : {}),
          ...(t.OrgnlUETR ? { OrgnlUETR: t.OrgnlUETR } : {}),
          TxCxlSts: sts,
          ...(reason ? { CxlStsRsnInf: [{ Rsn: { Cd: reason } }] } : {}),
        }],
      }],
    };
    this.later(0, () => this.send(link, 'camt.029.001.09', doc, msgId));
  }

  /**
   * acmt.023 -> acmt.024: an account in `merchants` is confirmed with its registered name; any other
   * account is confirmed with the name the request gave, unless `unknownAccounts` lists it
   * (Vrfctn false, reason BE23: not registered).
   */
  private onVerification(link: MessageLink, d: import('../codec/iso20022/types').Acmt023): void {
    const msgId = this.nextId('SIM024');
    const now = new Date().toISOString();
    const doc: import('../codec/iso20022/types').Acmt024 = {
      Assgnmt: { MsgId: msgId, CreDtTm: now, Assgnr: { Agt: this.o.self ?? DEFAULT_SELF }, Assgne: { Agt: this.o.hub ?? DEFAULT_HUB } },
      OrgnlAssgnmt: { MsgId: d.Assgnmt.MsgId, CreDtTm: d.Assgnmt.CreDtTm },
      Rpt: d.Vrfctn.map((v) => {
        const account = v.PtyAndAcctId.Acct?.Id?.Othr?.Id ?? v.PtyAndAcctId.Acct?.Prxy?.Id ?? '';
        if (this.unknownAccounts.has(account)) return { OrgnlId: v.Id, Vrfctn: false, Rsn: { Cd: 'BE23' } };
        const name = this.merchants.get(account) ?? v.PtyAndAcctId.Pty?.Nm ?? 'Registered merchant';
        return { OrgnlId: v.Id, Vrfctn: true, UpdtdPtyAndAcctId: { Pty: { Nm: name }, ...(v.PtyAndAcctId.Acct ? { Acct: v.PtyAndAcctId.Acct } : {}) } };
      }),
    };
    this.later(0, () => this.send(link, 'acmt.024.001.03', doc, msgId));
  }

  /** Return (pacs.004) a payment this switch received, by UETR. */
  sendReturn(uetr: string, reason = 'AC04'): boolean {
    const p = this.payments.get(uetr);
    const link = this.pick();
    if (!p || !link) return false;
    const msgId = this.nextId('SIM004');
    const amt = p.tx.IntrBkSttlmAmt;
    const doc: Pacs004 = {
      GrpHdr: { MsgId: msgId, CreDtTm: new Date().toISOString(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
      TxInf: [{
        RtrId: msgId,
        OrgnlGrpInf: { OrgnlMsgId: p.msgId, OrgnlMsgNmId: p.type },
        OrgnlEndToEndId: p.tx.PmtId.EndToEndId,
        ...(p.tx.PmtId.TxId ? { OrgnlTxId: p.tx.PmtId.TxId } : {}),
        OrgnlUETR: uetr,
        RtrdIntrBkSttlmAmt: amt,
        RtrRsnInf: [{ Rsn: { Cd: reason } }],
      }],
    };
    this.send(link, 'pacs.004.001.09', doc, msgId);
    return true;
  }

  /**
   * Originate an inbound payment to the hub; resolves with the hub's pacs.002 status (or rejects
   * after `timeoutMs`). `creditor` names the domestic merchant; `memberId` its acquirer (field 100).
   */
  sendPayment(p: { amount: string; currency: string; creditorName: string; creditorCity?: string; creditorCountry?: string; memberId: string; merchantId?: string; endToEndId?: string; uetr?: string; msgId?: string }, timeoutMs = 5000): Promise<{ status: string; reason?: string; uetr: string }> {
    const link = this.pick();
    if (!link) return Promise.reject(new Error('no hub connected to the simulator'));
    const uetr = p.uetr ?? randomUUID();
    const msgId = p.msgId ?? this.nextId('SIM008');
    // A re-send is the same message: the same MsgId keeps its first creation time.
    const creDtTm = this.created.get(msgId) ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.created.set(msgId, creDtTm);
    if (this.created.size > 10_000) this.created.delete(this.created.keys().next().value as string);
    const cdtr: CreditTransferTransaction['Cdtr'] = { Nm: p.creditorName };
    if (p.creditorCity || p.creditorCountry) cdtr.PstlAdr = { ...(p.creditorCity ? { TwnNm: p.creditorCity } : {}), ...(p.creditorCountry ? { Ctry: p.creditorCountry } : {}) };
    if (p.merchantId) cdtr.Id = { OrgId: { Othr: [{ Id: p.merchantId, SchmeNm: { Prtry: 'MID' } }] } };
    const doc: Pacs008 = {
      GrpHdr: { MsgId: msgId, CreDtTm: creDtTm, NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' }, InstgAgt: this.o.self ?? DEFAULT_SELF, InstdAgt: this.o.hub ?? DEFAULT_HUB },
      CdtTrfTxInf: [{
        PmtId: { InstrId: msgId, EndToEndId: p.endToEndId ?? msgId, TxId: msgId, UETR: uetr },
        IntrBkSttlmAmt: { Ccy: p.currency, value: p.amount },
        ChrgBr: 'SLEV',
        Dbtr: { Nm: 'Visitor' },
        DbtrAgt: this.o.self ?? DEFAULT_SELF,
        CdtrAgt: { FinInstnId: { ClrSysMmbId: { MmbId: p.memberId } } },
        Cdtr: cdtr,
      }],
    };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.awaiting.delete(uetr);
        reject(new Error(`no pacs.002 for ${uetr} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.awaiting.set(uetr, (s) => {
        clearTimeout(timer);
        resolve({ ...s, uetr });
      });
      this.send(link, 'pacs.008.001.08', doc, msgId);
    });
  }
}

/** The last two digits of an amount in minor units ("1500.51" IDR -> "51"; "150051" KRW -> "51"). */
function minorEnding(value: string, ccy: string): string {
  const exp = currencyByAlpha(ccy)?.exponent ?? 2;
  const [int, frac = ''] = value.split('.');
  const minor = `${int ?? ''}${frac.padEnd(exp, '0')}`;
  return minor.slice(-2).padStart(2, '0');
}
