/**
 * summarize: a parsed message -> a flat, plain-JSON view of what a payment engineer looks for
 * (type, ids, amounts, parties, agents, status and reasons, original references), one entry per
 * transaction. Printed by `dari iso20022 decode`.
 *
 * An account identifier that looks like a card number (13 to 19 digits passing the Luhn check) is
 * masked (first 6, last 4): wallets and QR schemes sometimes carry a PAN as the account id.
 */
import { luhnValid, maskPan } from '../../security/masking';
import type {
  Agent, Amount, CashAccount, CodeOrProprietary, HeaderParty, OriginalGroupInformation, Party, PartyOrAgent,
  ParsedMessage, ReasonInformation, RemittanceInformation,
} from './types';

export interface PartySummary {
  name?: string;
  account?: string;
  agent?: string;
}

export interface TransactionSummary {
  id?: string;
  instrId?: string;
  endToEndId?: string;
  txId?: string;
  uetr?: string;
  amount?: string;
  instructedAmount?: string;
  settlementDate?: string;
  chargeBearer?: string;
  charges?: string[];
  exchangeRate?: string;
  quoteId?: string;
  debtor?: PartySummary;
  creditor?: PartySummary;
  status?: string;
  reasons?: string[];
  verified?: boolean;
  original?: { msgId?: string; msgNmId?: string; instrId?: string; endToEndId?: string; txId?: string; uetr?: string; amount?: string };
  purpose?: string;
  remittance?: string[];
}

export interface MessageSummary {
  type: string;
  envelope: boolean;
  header?: { from?: string; to?: string; bizMsgIdr: string; msgDefIdr: string; bizSvc?: string; creDt: string };
  msgId?: string;
  creationDateTime?: string;
  caseId?: string;
  instructingAgent?: string;
  instructedAgent?: string;
  groupStatus?: string;
  investigationStatus?: string;
  transactions: TransactionSummary[];
}

const amount = (a: Amount | undefined): string | undefined => (a ? `${a.value} ${a.Ccy}` : undefined);
const code = (c: CodeOrProprietary | undefined): string | undefined => c?.Cd ?? c?.Prtry;

export const maskIfPan = (id: string): string => (/^[0-9]{13,19}$/.test(id) && luhnValid(id) ? maskPan(id) : id);

export function agentLabel(a: Agent | undefined): string | undefined {
  const f = a?.FinInstnId;
  if (f === undefined) return undefined;
  if (f.BICFI !== undefined) return f.BICFI;
  const m = f.ClrSysMmbId;
  if (m !== undefined) return m.ClrSysId ? `${code(m.ClrSysId)}/${m.MmbId}` : m.MmbId;
  return f.Nm ?? f.LEI ?? f.Othr?.Id;
}

function accountLabel(a: CashAccount | undefined): string | undefined {
  if (a === undefined) return undefined;
  const id = a.Id?.IBAN ?? a.Id?.Othr?.Id;
  if (id !== undefined) return maskIfPan(id);
  return a.Prxy ? `proxy ${code(a.Prxy.Tp) ?? ''}:${maskIfPan(a.Prxy.Id)}`.replace(' :', ':') : a.Nm;
}

function partySummary(p: Party | undefined, account: CashAccount | undefined, agent: Agent | undefined): PartySummary | undefined {
  const s: PartySummary = { name: p?.Nm, account: accountLabel(account), agent: agentLabel(agent) };
  return s.name ?? s.account ?? s.agent ? s : undefined;
}

const partyOrAgentName = (p: PartyOrAgent | undefined): string | undefined => p?.Pty?.Nm ?? agentLabel(p?.Agt);
const headerPartyLabel = (p: HeaderParty): string | undefined => agentLabel(p.FIId) ?? p.OrgId?.Nm;

function reasons(list: ReasonInformation[] | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  return list.map((r) => [code(r.Rsn), ...(r.AddtlInf ?? [])].filter((x) => x !== undefined).join(' '));
}

function remittance(r: RemittanceInformation | undefined): string[] | undefined {
  if (r === undefined) return undefined;
  const refs = (r.Strd ?? []).flatMap((s) => [s.CdtrRefInf?.Ref, ...(s.AddtlRmtInf ?? [])]).filter((x): x is string => x !== undefined);
  return [...(r.Ustrd ?? []), ...refs];
}

interface OriginalIds {
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlTxId?: string;
  OrgnlUETR?: string;
  OrgnlIntrBkSttlmAmt?: Amount;
}

function original(t: OriginalIds): TransactionSummary['original'] {
  return {
    msgId: t.OrgnlGrpInf?.OrgnlMsgId, msgNmId: t.OrgnlGrpInf?.OrgnlMsgNmId, instrId: t.OrgnlInstrId,
    endToEndId: t.OrgnlEndToEndId, txId: t.OrgnlTxId, uetr: t.OrgnlUETR, amount: amount(t.OrgnlIntrBkSttlmAmt),
  };
}

/** Remove undefined members (deeply), so the JSON shows only what the message has. */
function compact<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export function summarize(m: ParsedMessage): MessageSummary {
  const s: MessageSummary = { type: m.type, envelope: m.envelope, transactions: [] };
  if (m.header !== undefined) {
    const h = m.header;
    s.header = { from: headerPartyLabel(h.Fr), to: headerPartyLabel(h.To), bizMsgIdr: h.BizMsgIdr, msgDefIdr: h.MsgDefIdr, bizSvc: h.BizSvc, creDt: h.CreDt };
  }
  switch (m.type) {
    case 'pacs.008.001.08':
    case 'pacs.008.001.13': {
      const d = m.document;
      Object.assign(s, { msgId: d.GrpHdr.MsgId, creationDateTime: d.GrpHdr.CreDtTm, instructingAgent: agentLabel(d.GrpHdr.InstgAgt), instructedAgent: agentLabel(d.GrpHdr.InstdAgt) });
      s.transactions = d.CdtTrfTxInf.map((t) => ({
        instrId: t.PmtId.InstrId, endToEndId: t.PmtId.EndToEndId, txId: t.PmtId.TxId, uetr: t.PmtId.UETR,
        amount: amount(t.IntrBkSttlmAmt), instructedAmount: amount(t.InstdAmt), settlementDate: t.IntrBkSttlmDt ?? d.GrpHdr.IntrBkSttlmDt,
        chargeBearer: t.ChrgBr, charges: t.ChrgsInf?.map((c) => `${amount(c.Amt)} by ${agentLabel(c.Agt)}`),
        exchangeRate: t.XchgRate ?? t.AgrdRate?.PreAgrdXchgRate, quoteId: t.AgrdRate?.QtId,
        debtor: partySummary(t.Dbtr, t.DbtrAcct, t.DbtrAgt), creditor: partySummary(t.Cdtr, t.CdtrAcct, t.CdtrAgt),
        purpose: code(t.Purp), remittance: remittance(t.RmtInf),
      }));
      break;
    }
    case 'pacs.002.001.10': {
      const d = m.document;
      Object.assign(s, { msgId: d.GrpHdr.MsgId, creationDateTime: d.GrpHdr.CreDtTm, instructingAgent: agentLabel(d.GrpHdr.InstgAgt), instructedAgent: agentLabel(d.GrpHdr.InstdAgt) });
      s.groupStatus = d.OrgnlGrpInfAndSts?.map((g) => g.GrpSts).filter((x) => x !== undefined).join(' ') || undefined;
      s.transactions = (d.TxInfAndSts ?? []).map((t) => ({
        id: t.StsId, status: t.TxSts, reasons: reasons(t.StsRsnInf), original: original(t),
        charges: t.ChrgsInf?.map((c) => `${amount(c.Amt)} by ${agentLabel(c.Agt)}`),
      }));
      break;
    }
    case 'pacs.004.001.09': {
      const d = m.document;
      Object.assign(s, { msgId: d.GrpHdr.MsgId, creationDateTime: d.GrpHdr.CreDtTm, instructingAgent: agentLabel(d.GrpHdr.InstgAgt), instructedAgent: agentLabel(d.GrpHdr.InstdAgt) });
      s.transactions = (d.TxInf ?? []).map((t) => ({
        id: t.RtrId, amount: amount(t.RtrdIntrBkSttlmAmt), instructedAmount: amount(t.RtrdInstdAmt), settlementDate: t.IntrBkSttlmDt,
        chargeBearer: t.ChrgBr, exchangeRate: t.XchgRate, reasons: reasons(t.RtrRsnInf ?? d.OrgnlGrpInf?.RtrRsnInf), original: original(t),
        debtor: t.RtrChain ? { name: partyOrAgentName(t.RtrChain.Dbtr), agent: agentLabel(t.RtrChain.DbtrAgt) } : undefined,
        creditor: t.RtrChain ? { name: partyOrAgentName(t.RtrChain.Cdtr), agent: agentLabel(t.RtrChain.CdtrAgt) } : undefined,
      }));
      break;
    }
    case 'pacs.028.001.03': {
      const d = m.document;
      Object.assign(s, { msgId: d.GrpHdr.MsgId, creationDateTime: d.GrpHdr.CreDtTm, instructingAgent: agentLabel(d.GrpHdr.InstgAgt), instructedAgent: agentLabel(d.GrpHdr.InstdAgt) });
      s.transactions = (d.TxInf ?? []).map((t) => ({ id: t.StsReqId, original: original(t) }));
      break;
    }
    case 'camt.056.001.08': {
      const d = m.document;
      Object.assign(s, { caseId: d.Case?.Id ?? d.Assgnmt.Id, msgId: d.Assgnmt.Id, creationDateTime: d.Assgnmt.CreDtTm });
      s.transactions = d.Undrlyg.flatMap((u) => u.TxInf ?? []).map((t) => ({ id: t.CxlId, reasons: reasons(t.CxlRsnInf), original: original(t) }));
      break;
    }
    case 'camt.029.001.09': {
      const d = m.document;
      Object.assign(s, { caseId: d.RslvdCase?.Id ?? d.Assgnmt.Id, msgId: d.Assgnmt.Id, creationDateTime: d.Assgnmt.CreDtTm });
      s.investigationStatus = d.Sts.Conf ?? (d.Sts.RjctdMod ? `RjctdMod ${d.Sts.RjctdMod.map(code).join(' ')}` : d.Sts.DplctOf ? `DplctOf ${d.Sts.DplctOf.Id}` : 'AssgnmtCxlConf');
      s.transactions = (d.CxlDtls ?? []).flatMap((c) => c.TxInfAndSts ?? []).map((t) => ({
        id: t.CxlStsId, status: t.TxCxlSts, reasons: reasons(t.CxlStsRsnInf), original: original(t),
      }));
      break;
    }
    case 'pain.013.001.07': {
      const d = m.document;
      Object.assign(s, { msgId: d.GrpHdr.MsgId, creationDateTime: d.GrpHdr.CreDtTm });
      s.transactions = d.PmtInf.flatMap((p) => p.CdtTrfTx.map((t) => ({
        id: p.PmtInfId, instrId: t.PmtId.InstrId, endToEndId: t.PmtId.EndToEndId, uetr: t.PmtId.UETR,
        amount: amount(t.Amt.InstdAmt ?? t.Amt.EqvtAmt?.Amt), settlementDate: p.ReqdExctnDt.Dt ?? p.ReqdExctnDt.DtTm, chargeBearer: t.ChrgBr,
        debtor: partySummary(p.Dbtr, p.DbtrAcct, p.DbtrAgt), creditor: partySummary(t.Cdtr, t.CdtrAcct, t.CdtrAgt),
        purpose: code(t.Purp), remittance: remittance(t.RmtInf),
      })));
      break;
    }
    case 'pain.014.001.07': {
      const d = m.document;
      Object.assign(s, { msgId: d.GrpHdr.MsgId, creationDateTime: d.GrpHdr.CreDtTm, groupStatus: d.OrgnlGrpInfAndSts.GrpSts });
      s.transactions = (d.OrgnlPmtInfAndSts ?? []).flatMap((p) => (p.TxInfAndSts ?? []).map((t) => ({
        id: t.StsId, status: t.TxSts ?? p.PmtInfSts, reasons: reasons(t.StsRsnInf ?? p.StsRsnInf),
        original: { msgId: d.OrgnlGrpInfAndSts.OrgnlMsgId, msgNmId: d.OrgnlGrpInfAndSts.OrgnlMsgNmId, instrId: t.OrgnlInstrId, endToEndId: t.OrgnlEndToEndId, uetr: t.OrgnlUETR },
        amount: amount(t.OrgnlTxRef?.Amt?.InstdAmt ?? t.OrgnlTxRef?.Amt?.EqvtAmt?.Amt),
        creditor: t.OrgnlTxRef ? partySummary(t.OrgnlTxRef.Cdtr, t.OrgnlTxRef.CdtrAcct, t.OrgnlTxRef.CdtrAgt) : undefined,
      })));
      break;
    }
    case 'acmt.023.001.03': {
      const d = m.document;
      Object.assign(s, { msgId: d.Assgnmt.MsgId, creationDateTime: d.Assgnmt.CreDtTm });
      s.transactions = d.Vrfctn.map((v) => ({ id: v.Id, creditor: partySummary(v.PtyAndAcctId.Pty, v.PtyAndAcctId.Acct, v.PtyAndAcctId.Agt) }));
      break;
    }
    case 'acmt.024.001.03': {
      const d = m.document;
      Object.assign(s, { msgId: d.Assgnmt.MsgId, creationDateTime: d.Assgnmt.CreDtTm });
      s.transactions = d.Rpt.map((r) => ({
        id: r.OrgnlId, verified: r.Vrfctn, reasons: r.Rsn ? [code(r.Rsn) as string] : undefined,
        creditor: partySummary(r.UpdtdPtyAndAcctId?.Pty, r.UpdtdPtyAndAcctId?.Acct, r.UpdtdPtyAndAcctId?.Agt),
      }));
      break;
    }
  }
  return compact(s);
}
