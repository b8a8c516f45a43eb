/**
 * Layouts of the components the messages share (party, agent, account, address, remittance, ...),
 * for the two generations of ISO 20022 components in use: the 2019 one (PostalAddress24,
 * PartyIdentification135, BranchAndFinancialInstitutionIdentification6, CashAccount38: every message
 * here but pacs.008.001.13) and the 2024 one of pacs.008.001.13 (PostalAddress27 with CareOf and
 * UnitNb, CashAccount40 whose Id is optional, Charges16 with a charge type).
 */
import { AMOUNT, BOOL, TEXT, choice, list, req, seq, type Group } from './model';

export type Generation = '2019' | '2024';

export interface Components {
  codeOrProprietary: Group;
  postalAddress: Group;
  genericId: Group;
  agent: Group;
  party: Group;
  partyOrAgent: Group;
  headerParty: Group;
  /** CashAccount38 (Id mandatory) in 2019, CashAccount40 in 2024. */
  cashAccount: Group;
  /** CashAccount40: Id optional (an account known only by its proxy), as acmt.023/024 use. */
  cashAccount40: Group;
  settlementInstruction: Group;
  /** PaymentTypeInformation26 (no ClrChanl: pain.013/014), 27 (with SeqTp: original references), 28 (pacs.008). */
  paymentType26: Group;
  paymentType27: Group;
  paymentType28: Group;
  charges: Group;
  remittance: Group;
  dateOrDateTime: Group;
  amountType: Group;
  agentInstruction: Group;
  originalGroupInformation: Group;
  reason: Group;
  originalTransactionReference: Group;
  statusGroupHeader: Group;
  originalGroupStatus: Group;
  caseDescription: Group;
  caseAssignment: Group;
}

function build(gen: Generation): Components {
  const v2024 = gen === '2024';
  const codeOrProprietary = choice({ Cd: TEXT, Prtry: TEXT });
  const postalAddress = seq({
    ...(v2024 ? { CareOf: TEXT } : {}),
    Dept: TEXT, SubDept: TEXT, StrtNm: TEXT, BldgNb: TEXT, BldgNm: TEXT, Flr: TEXT,
    ...(v2024 ? { UnitNb: TEXT } : {}),
    PstBx: TEXT, Room: TEXT, PstCd: TEXT, TwnNm: TEXT, TwnLctnNm: TEXT, DstrctNm: TEXT, CtrySubDvsn: TEXT, Ctry: TEXT,
    AdrLine: list(TEXT, 7),
  });
  const genericId = seq({ Id: req(TEXT), SchmeNm: codeOrProprietary, Issr: TEXT });
  const finInstnId = seq({
    BICFI: TEXT,
    ClrSysMmbId: seq({ ClrSysId: codeOrProprietary, MmbId: req(TEXT) }),
    LEI: TEXT, Nm: TEXT, PstlAdr: postalAddress, Othr: genericId,
  });
  const agent = seq({ FinInstnId: req(finInstnId) });
  const partyId = choice({
    OrgId: seq({ AnyBIC: TEXT, LEI: TEXT, Othr: list(genericId) }),
    PrvtId: seq({
      DtAndPlcOfBirth: seq({ BirthDt: req(TEXT), PrvcOfBirth: TEXT, CityOfBirth: req(TEXT), CtryOfBirth: req(TEXT) }),
      Othr: list(genericId),
    }),
  });
  const party = seq({
    Nm: TEXT, PstlAdr: postalAddress, Id: partyId, CtryOfRes: TEXT,
    CtctDtls: seq({ NmPrfx: TEXT, Nm: TEXT, PhneNb: TEXT, MobNb: TEXT, EmailAdr: TEXT }),
  });
  const account = (idRequired: boolean): Group => {
    const id = choice({ IBAN: TEXT, Othr: genericId });
    return seq({
      Id: idRequired ? req(id) : id,
      Tp: codeOrProprietary, Ccy: TEXT, Nm: TEXT,
      Prxy: seq({ Tp: codeOrProprietary, Id: req(TEXT) }),
    });
  };
  const cashAccount = account(!v2024);
  const paymentType = (variant: 26 | 27 | 28): Group => seq({
    InstrPrty: TEXT,
    ...(variant !== 26 ? { ClrChanl: TEXT } : {}),
    SvcLvl: list(codeOrProprietary), LclInstrm: codeOrProprietary,
    ...(variant === 27 ? { SeqTp: TEXT } : {}),
    CtgyPurp: codeOrProprietary,
  });
  const settlementInstruction = seq({ SttlmMtd: req(TEXT), SttlmAcct: cashAccount, ClrSys: codeOrProprietary });
  const remittance = seq({
    Ustrd: list(TEXT),
    Strd: list(seq({
      CdtrRefInf: seq({ Tp: seq({ CdOrPrtry: req(codeOrProprietary), Issr: TEXT }), Ref: TEXT }),
      AddtlRmtInf: list(TEXT, 3),
    })),
  });
  const partyOrAgent = choice({ Pty: party, Agt: agent });
  const dateOrDateTime = choice({ Dt: TEXT, DtTm: TEXT });
  const amountType = choice({ InstdAmt: AMOUNT, EqvtAmt: seq({ Amt: req(AMOUNT), CcyOfTrf: req(TEXT) }) });
  const reason = seq({ Orgtr: party, Rsn: codeOrProprietary, AddtlInf: list(TEXT) });
  const caseDescription = seq({ Id: req(TEXT), Cretr: req(partyOrAgent), ReopCaseIndctn: BOOL });
  return {
    codeOrProprietary, postalAddress, genericId, agent, party, partyOrAgent, cashAccount, settlementInstruction,
    headerParty: choice({ OrgId: party, FIId: agent }),
    cashAccount40: account(false),
    paymentType26: paymentType(26),
    paymentType27: paymentType(27),
    paymentType28: paymentType(28),
    charges: seq({
      Amt: req(AMOUNT), Agt: req(agent),
      ...(v2024 ? { Tp: choice({ Cd: TEXT, Prtry: seq({ Id: req(TEXT), Issr: TEXT }) }) } : {}),
    }),
    remittance, dateOrDateTime, amountType, reason, caseDescription,
    agentInstruction: seq({ Cd: TEXT, InstrInf: TEXT }),
    originalGroupInformation: seq({ OrgnlMsgId: req(TEXT), OrgnlMsgNmId: req(TEXT), OrgnlCreDtTm: TEXT }),
    originalTransactionReference: seq({
      IntrBkSttlmAmt: AMOUNT, Amt: amountType, IntrBkSttlmDt: TEXT, ReqdColltnDt: TEXT, ReqdExctnDt: dateOrDateTime,
      SttlmInf: settlementInstruction, PmtTpInf: paymentType(27), PmtMtd: TEXT, RmtInf: remittance,
      UltmtDbtr: partyOrAgent, Dbtr: partyOrAgent, DbtrAcct: cashAccount, DbtrAgt: agent, DbtrAgtAcct: cashAccount,
      CdtrAgt: agent, CdtrAgtAcct: cashAccount, Cdtr: partyOrAgent, CdtrAcct: cashAccount, UltmtCdtr: partyOrAgent,
      Purp: codeOrProprietary,
    }),
    statusGroupHeader: seq({ MsgId: req(TEXT), CreDtTm: req(TEXT), InstgAgt: agent, InstdAgt: agent }),
    originalGroupStatus: seq({
      OrgnlMsgId: req(TEXT), OrgnlMsgNmId: req(TEXT), OrgnlCreDtTm: TEXT, OrgnlNbOfTxs: TEXT, OrgnlCtrlSum: TEXT,
      GrpSts: TEXT, StsRsnInf: list(reason),
    }),
    caseAssignment: seq({ Id: req(TEXT), Assgnr: req(partyOrAgent), Assgne: req(partyOrAgent), CreDtTm: req(TEXT) }),
  };
}

export const COMPONENTS_2019: Components = build('2019');
export const COMPONENTS_2024: Components = build('2024');
