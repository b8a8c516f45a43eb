/**
 * The supported messages: for each version, its Document namespace, message root element and layout
 * (modelled elements in XSD order; element paths cited are ISO 20022 XML tags). The header
 * (head.001.001.02 and .03) shares one layout: the modelled elements are the same in both versions.
 */
import { COMPONENTS_2019 as C, COMPONENTS_2024, type Components } from './components';
import { AMOUNT, BOOL, TEXT, list, list1, req, seq, choice, type Group } from './model';
import type { HeaderType, MessageType } from './types';

export const ISO_NAMESPACE_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:';
/** The envelope Dari writes around AppHdr + Document (the SWIFT one, as CBPR+ samples use). */
export const ENVELOPE_NAMESPACE = 'urn:swift:xsd:envelope';

export interface MessageLayout {
  readonly type: MessageType;
  readonly namespace: string;
  /** The one child of Document, e.g. FIToFICstmrCdtTrf. */
  readonly root: string;
  readonly layout: Group;
}

function pacs008(c: Components, v13: boolean): Group {
  return seq({
    GrpHdr: req(seq({
      MsgId: req(TEXT), CreDtTm: req(TEXT),
      ...(v13 ? { XpryDtTm: TEXT } : {}),
      BtchBookg: BOOL, NbOfTxs: req(TEXT), CtrlSum: TEXT, TtlIntrBkSttlmAmt: AMOUNT, IntrBkSttlmDt: TEXT,
      SttlmInf: req(c.settlementInstruction), PmtTpInf: c.paymentType28, InstgAgt: c.agent, InstdAgt: c.agent,
    })),
    CdtTrfTxInf: list1(seq({
      PmtId: req(seq({ InstrId: TEXT, EndToEndId: req(TEXT), TxId: TEXT, UETR: TEXT, ClrSysRef: TEXT })),
      PmtTpInf: c.paymentType28,
      IntrBkSttlmAmt: req(AMOUNT), IntrBkSttlmDt: TEXT, SttlmPrty: TEXT,
      // v08: AccptncDtTm and PoolgAdjstmntDt directly here; v13 moved them under AddtlDtTm (with XpryDtTm).
      ...(v13
        ? { AddtlDtTm: seq({ AccptncDtTm: TEXT, PoolgAdjstmntDt: TEXT, XpryDtTm: TEXT }) }
        : { AccptncDtTm: TEXT, PoolgAdjstmntDt: TEXT }),
      InstdAmt: AMOUNT, XchgRate: TEXT,
      // v13 CurrencyExchange26: the agreed rate with its quote id (Nexus: the FX quote).
      ...(v13 ? { AgrdRate: seq({ UnitCcy: TEXT, QtdCcy: TEXT, PreAgrdXchgRate: req(TEXT), QtnDtTm: TEXT, QtId: TEXT, FXAgt: c.agent }) } : {}),
      ChrgBr: req(TEXT), ChrgsInf: list(c.charges),
      PrvsInstgAgt1: c.agent, PrvsInstgAgt1Acct: c.cashAccount,
      InstgAgt: c.agent, InstdAgt: c.agent,
      IntrmyAgt1: c.agent, IntrmyAgt1Acct: c.cashAccount, IntrmyAgt2: c.agent, IntrmyAgt2Acct: c.cashAccount,
      UltmtDbtr: c.party, InitgPty: c.party,
      Dbtr: req(c.party), DbtrAcct: c.cashAccount, DbtrAgt: req(c.agent), DbtrAgtAcct: c.cashAccount,
      CdtrAgt: req(c.agent), CdtrAgtAcct: c.cashAccount, Cdtr: req(c.party), CdtrAcct: c.cashAccount, UltmtCdtr: c.party,
      InstrForCdtrAgt: list(c.agentInstruction), InstrForNxtAgt: list(c.agentInstruction),
      Purp: c.codeOrProprietary, RmtInf: c.remittance,
    })),
  });
}

const pacs002 = seq({
  GrpHdr: req(C.statusGroupHeader),
  OrgnlGrpInfAndSts: list(C.originalGroupStatus),
  TxInfAndSts: list(seq({
    StsId: TEXT, OrgnlGrpInf: C.originalGroupInformation,
    OrgnlInstrId: TEXT, OrgnlEndToEndId: TEXT, OrgnlTxId: TEXT, OrgnlUETR: TEXT,
    TxSts: TEXT, StsRsnInf: list(C.reason), ChrgsInf: list(C.charges),
    AccptncDtTm: TEXT, FctvIntrBkSttlmDt: C.dateOrDateTime, AcctSvcrRef: TEXT, ClrSysRef: TEXT,
    InstgAgt: C.agent, InstdAgt: C.agent, OrgnlTxRef: C.originalTransactionReference,
  })),
});

const pacs004 = seq({
  GrpHdr: req(seq({
    MsgId: req(TEXT), CreDtTm: req(TEXT), BtchBookg: BOOL, NbOfTxs: req(TEXT), CtrlSum: TEXT,
    TtlRtrdIntrBkSttlmAmt: AMOUNT, IntrBkSttlmDt: TEXT, SttlmInf: req(C.settlementInstruction),
    InstgAgt: C.agent, InstdAgt: C.agent,
  })),
  OrgnlGrpInf: seq({ OrgnlMsgId: req(TEXT), OrgnlMsgNmId: req(TEXT), OrgnlCreDtTm: TEXT, RtrRsnInf: list(C.reason) }),
  TxInf: list(seq({
    RtrId: TEXT, OrgnlGrpInf: C.originalGroupInformation,
    OrgnlInstrId: TEXT, OrgnlEndToEndId: TEXT, OrgnlTxId: TEXT, OrgnlUETR: TEXT, OrgnlClrSysRef: TEXT,
    OrgnlIntrBkSttlmAmt: AMOUNT, OrgnlIntrBkSttlmDt: TEXT,
    RtrdIntrBkSttlmAmt: req(AMOUNT), IntrBkSttlmDt: TEXT, SttlmPrty: TEXT, RtrdInstdAmt: AMOUNT, XchgRate: TEXT,
    CompstnAmt: AMOUNT, ChrgBr: TEXT, ChrgsInf: list(C.charges), ClrSysRef: TEXT, InstgAgt: C.agent, InstdAgt: C.agent,
    RtrChain: seq({
      UltmtDbtr: C.partyOrAgent, Dbtr: req(C.partyOrAgent), InitgPty: C.partyOrAgent,
      DbtrAgt: C.agent, PrvsInstgAgt1: C.agent, IntrmyAgt1: C.agent, CdtrAgt: C.agent,
      Cdtr: req(C.partyOrAgent), UltmtCdtr: C.partyOrAgent,
    }),
    RtrRsnInf: list(C.reason), OrgnlTxRef: C.originalTransactionReference,
  })),
});

const pacs028 = seq({
  GrpHdr: req(C.statusGroupHeader),
  OrgnlGrpInf: list(seq({ OrgnlMsgId: req(TEXT), OrgnlMsgNmId: req(TEXT), OrgnlCreDtTm: TEXT, OrgnlNbOfTxs: TEXT, OrgnlCtrlSum: TEXT })),
  TxInf: list(seq({
    StsReqId: TEXT, OrgnlGrpInf: C.originalGroupInformation,
    OrgnlInstrId: TEXT, OrgnlEndToEndId: TEXT, OrgnlTxId: TEXT, OrgnlUETR: TEXT,
    AccptncDtTm: TEXT, ClrSysRef: TEXT, InstgAgt: C.agent, InstdAgt: C.agent, OrgnlTxRef: C.originalTransactionReference,
  })),
});

const camt056 = seq({
  Assgnmt: req(C.caseAssignment),
  Case: C.caseDescription,
  CtrlData: seq({ NbOfTxs: req(TEXT), CtrlSum: TEXT }),
  Undrlyg: list1(seq({
    OrgnlGrpInfAndCxl: seq({
      GrpCxlId: TEXT, Case: C.caseDescription, OrgnlMsgId: req(TEXT), OrgnlMsgNmId: req(TEXT), OrgnlCreDtTm: TEXT,
      NbOfTxs: TEXT, CtrlSum: TEXT, GrpCxl: BOOL, CxlRsnInf: list(C.reason),
    }),
    TxInf: list(seq({
      CxlId: TEXT, Case: C.caseDescription, OrgnlGrpInf: C.originalGroupInformation,
      OrgnlInstrId: TEXT, OrgnlEndToEndId: TEXT, OrgnlTxId: TEXT, OrgnlUETR: TEXT, OrgnlClrSysRef: TEXT,
      OrgnlIntrBkSttlmAmt: AMOUNT, OrgnlIntrBkSttlmDt: TEXT, Assgnr: C.agent, Assgne: C.agent,
      CxlRsnInf: list(C.reason), OrgnlTxRef: C.originalTransactionReference,
    })),
  })),
});

const camt029 = seq({
  Assgnmt: req(C.caseAssignment),
  RslvdCase: C.caseDescription,
  Sts: req(choice({ Conf: TEXT, RjctdMod: list1(C.codeOrProprietary), DplctOf: C.caseDescription, AssgnmtCxlConf: BOOL })),
  CxlDtls: list(seq({
    OrgnlGrpInfAndSts: seq({
      OrgnlGrpCxlId: TEXT, RslvdCase: C.caseDescription, OrgnlMsgId: req(TEXT), OrgnlMsgNmId: req(TEXT), OrgnlCreDtTm: TEXT,
      OrgnlNbOfTxs: TEXT, OrgnlCtrlSum: TEXT, GrpCxlSts: TEXT, CxlStsRsnInf: list(C.reason),
    }),
    TxInfAndSts: list(seq({
      CxlStsId: TEXT, RslvdCase: C.caseDescription, OrgnlGrpInf: C.originalGroupInformation,
      OrgnlInstrId: TEXT, OrgnlEndToEndId: TEXT, OrgnlTxId: TEXT, OrgnlClrSysRef: TEXT, OrgnlUETR: TEXT,
      TxCxlSts: TEXT, CxlStsRsnInf: list(C.reason), OrgnlIntrBkSttlmAmt: AMOUNT, OrgnlIntrBkSttlmDt: TEXT,
      Assgnr: C.partyOrAgent, Assgne: C.partyOrAgent, OrgnlTxRef: C.originalTransactionReference,
    })),
  })),
});

const pain013 = seq({
  GrpHdr: req(seq({ MsgId: req(TEXT), CreDtTm: req(TEXT), NbOfTxs: req(TEXT), CtrlSum: TEXT, InitgPty: req(C.party) })),
  PmtInf: list1(seq({
    PmtInfId: TEXT, PmtMtd: req(TEXT), PmtTpInf: C.paymentType26,
    ReqdExctnDt: req(C.dateOrDateTime), XpryDt: C.dateOrDateTime,
    Dbtr: req(C.party), DbtrAcct: C.cashAccount, DbtrAgt: req(C.agent), UltmtDbtr: C.party, ChrgBr: TEXT,
    CdtTrfTx: list1(seq({
      PmtId: req(seq({ InstrId: TEXT, EndToEndId: req(TEXT), UETR: TEXT })),
      PmtTpInf: C.paymentType26, Amt: req(C.amountType), ChrgBr: req(TEXT),
      UltmtDbtr: C.party, IntrmyAgt1: C.agent, CdtrAgt: req(C.agent), Cdtr: req(C.party), CdtrAcct: C.cashAccount,
      UltmtCdtr: C.party, InstrForCdtrAgt: list(C.agentInstruction), Purp: C.codeOrProprietary, RmtInf: C.remittance,
    })),
  })),
});

const pain014 = seq({
  GrpHdr: req(seq({ MsgId: req(TEXT), CreDtTm: req(TEXT), InitgPty: req(C.party), DbtrAgt: C.agent, CdtrAgt: C.agent })),
  OrgnlGrpInfAndSts: req(C.originalGroupStatus),
  OrgnlPmtInfAndSts: list(seq({
    OrgnlPmtInfId: req(TEXT), OrgnlNbOfTxs: TEXT, OrgnlCtrlSum: TEXT, PmtInfSts: TEXT, StsRsnInf: list(C.reason),
    TxInfAndSts: list(seq({
      StsId: TEXT, OrgnlInstrId: TEXT, OrgnlEndToEndId: TEXT, OrgnlUETR: TEXT, TxSts: TEXT,
      StsRsnInf: list(C.reason), ChrgsInf: list(C.charges),
      DbtrDcsnDtTm: TEXT, AccptncDtTm: TEXT, AcctSvcrRef: TEXT, ClrSysRef: TEXT,
      OrgnlTxRef: seq({
        Amt: C.amountType, ReqdExctnDt: C.dateOrDateTime, XpryDt: C.dateOrDateTime, PmtTpInf: C.paymentType26,
        PmtMtd: TEXT, RmtInf: C.remittance, UltmtDbtr: C.party, Dbtr: C.party, DbtrAcct: C.cashAccount,
        DbtrAgt: C.agent, CdtrAgt: req(C.agent), Cdtr: req(C.party), CdtrAcct: C.cashAccount, UltmtCdtr: C.party,
      }),
    })),
  })),
});

const identificationAssignment = seq({
  MsgId: req(TEXT), CreDtTm: req(TEXT), Cretr: C.partyOrAgent, FrstAgt: C.agent,
  Assgnr: req(C.partyOrAgent), Assgne: req(C.partyOrAgent),
});
const partyAndAccount = seq({ Pty: C.party, Acct: C.cashAccount40, Agt: C.agent });

const acmt023 = seq({
  Assgnmt: req(identificationAssignment),
  Vrfctn: list1(seq({ Id: req(TEXT), PtyAndAcctId: req(partyAndAccount) })),
});

const acmt024 = seq({
  Assgnmt: req(identificationAssignment),
  OrgnlAssgnmt: seq({ MsgId: TEXT, CreDtTm: TEXT, FrstAgt: C.agent }),
  Rpt: list1(seq({
    OrgnlId: req(TEXT), Vrfctn: req(BOOL), Rsn: C.codeOrProprietary,
    OrgnlPtyAndAcctId: partyAndAccount, UpdtdPtyAndAcctId: partyAndAccount,
  })),
});

/** head.001.001.02 / .03 (BusinessApplicationHeaderV02 / V03): the modelled elements are the same. */
export const HEADER_LAYOUT: Group = seq({
  CharSet: TEXT, Fr: req(C.headerParty), To: req(C.headerParty), BizMsgIdr: req(TEXT), MsgDefIdr: req(TEXT), BizSvc: TEXT,
  MktPrctc: seq({ Regy: req(TEXT), Id: req(TEXT) }),
  CreDt: req(TEXT), BizPrcgDt: TEXT, CpyDplct: TEXT, PssblDplct: BOOL, Prty: TEXT,
  Rltd: list(seq({
    CharSet: TEXT, Fr: req(C.headerParty), To: req(C.headerParty), BizMsgIdr: req(TEXT), MsgDefIdr: req(TEXT),
    BizSvc: TEXT, CreDt: req(TEXT), CpyDplct: TEXT, PssblDplct: BOOL, Prty: TEXT,
  })),
});

export const HEADER_TYPES: readonly HeaderType[] = ['head.001.001.02', 'head.001.001.03'];

const LAYOUTS: ReadonlyArray<[MessageType, string, Group]> = [
  ['pacs.008.001.08', 'FIToFICstmrCdtTrf', pacs008(C, false)],
  ['pacs.008.001.13', 'FIToFICstmrCdtTrf', pacs008(COMPONENTS_2024, true)],
  ['pacs.002.001.10', 'FIToFIPmtStsRpt', pacs002],
  ['pacs.004.001.09', 'PmtRtr', pacs004],
  ['pacs.028.001.03', 'FIToFIPmtStsReq', pacs028],
  ['camt.056.001.08', 'FIToFIPmtCxlReq', camt056],
  ['camt.029.001.09', 'RsltnOfInvstgtn', camt029],
  ['pain.013.001.07', 'CdtrPmtActvtnReq', pain013],
  ['pain.014.001.07', 'CdtrPmtActvtnReqStsRpt', pain014],
  ['acmt.023.001.03', 'IdVrfctnReq', acmt023],
  ['acmt.024.001.03', 'IdVrfctnRpt', acmt024],
];

export const MESSAGES: ReadonlyMap<MessageType, MessageLayout> = new Map(
  LAYOUTS.map(([type, root, layout]) => [type, Object.freeze({ type, namespace: ISO_NAMESPACE_PREFIX + type, root, layout })]),
);

export const MESSAGE_TYPES: readonly MessageType[] = LAYOUTS.map(([t]) => t);

export function isMessageType(s: string): s is MessageType {
  return MESSAGES.has(s as MessageType);
}

export function isHeaderType(s: string): s is HeaderType {
  return (HEADER_TYPES as readonly string[]).includes(s);
}
