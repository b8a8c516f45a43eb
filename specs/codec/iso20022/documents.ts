/**
 * Hand-written documents for every supported message: one with every modelled element set (so every
 * layout path is built, read back and schema-checked), one with only the mandatory elements, and
 * variants for the choices (OrgId/PrvtId, IBAN/Othr/proxy-only account, Pty/Agt, camt.029 status).
 *
 * Sources: element structure, cardinality and value formats from the ISO 20022 XSDs in
 * ../shared/iso20022/xsd (BICFIDec2014Identifier, UUIDv4Identifier, LEIIdentifier, PhoneNumber
 * patterns; ChargeBearerType1Code, SettlementMethod1Code, ... enumerations); code values from the
 * ISO 20022 external code sets (ExternalStatusReason1Code AC04/AM04, ExternalCancellationReason1Code
 * DUPL, ExternalPurpose1Code GDDS, ...); ISO 4217 decimals (KRW 0, SGD 2, IDR 2).
 */
import type {
  Acmt023, Acmt024, Agent, AppHdr, Camt029, Camt056, CashAccount, Charges, DocumentByType, MessageType, OriginalTransactionReference,
  Pacs002, Pacs004, Pacs008, Pacs028, Pain013, Pain014, Party, PaymentTypeInformation, PostalAddress, ReasonInformation,
  RemittanceInformation, SettlementInstruction,
} from '../../../src/codec/iso20022/types';

const address: PostalAddress = {
  Dept: 'Payments', SubDept: 'Cross-border', StrtNm: 'Raffles Place', BldgNb: '1', BldgNm: 'One Raffles', Flr: '20',
  PstBx: 'PO 42', Room: '2001', PstCd: '048616', TwnNm: 'Singapore', TwnLctnNm: 'Downtown Core', DstrctNm: 'Central',
  CtrySubDvsn: 'Central Region', Ctry: 'SG', AdrLine: ['1 Raffles Place', '#20-01'],
};
/** PostalAddress27 (pacs.008.001.13): CareOf and UnitNb added. */
const address2024: PostalAddress = { CareOf: 'Treasury desk', ...address, UnitNb: '20-01' };

const bicAgent = (bic: string): Agent => ({ FinInstnId: { BICFI: bic } });
/** A domestic participant known only by its member id in the national switch. */
const memberAgent: Agent = { FinInstnId: { ClrSysMmbId: { ClrSysId: { Cd: 'KRBOK' }, MmbId: '088' }, Nm: 'Shinhan Bank' } };
const fullAgent = (addr: PostalAddress): Agent => ({
  FinInstnId: {
    BICFI: 'DBSSSGSGXXX', ClrSysMmbId: { ClrSysId: { Prtry: 'SGFAST' }, MmbId: '7171' }, LEI: '5493001KJTIIGC8Y1R12',
    Nm: 'DBS Bank Ltd', PstlAdr: addr, Othr: { Id: 'DBS-01', SchmeNm: { Prtry: 'NEXUS' }, Issr: 'BIS' },
  },
});

const merchant = (addr: PostalAddress): Party => ({
  Nm: 'Kopi Kita', PstlAdr: addr,
  Id: { OrgId: { AnyBIC: 'KOPIIDJA', LEI: '5299009N55YRQC69CN08', Othr: [{ Id: '5814', SchmeNm: { Prtry: 'MCC' } }, { Id: 'TID00042', SchmeNm: { Prtry: 'TID' }, Issr: 'RINTIS' }] } },
  CtryOfRes: 'ID',
  CtctDtls: { NmPrfx: 'MIST', Nm: 'Budi Santoso', PhneNb: '+62-2150001234', MobNb: '+62-81234567890', EmailAdr: 'kasir@kopikita.example' },
});
const person: Party = {
  Nm: 'Kim Minji',
  Id: { PrvtId: { DtAndPlcOfBirth: { BirthDt: '1988-02-29', PrvcOfBirth: 'Gyeonggi', CityOfBirth: 'Suwon', CtryOfBirth: 'KR' }, Othr: [{ Id: '880229-2000000', SchmeNm: { Cd: 'NIDN' }, Issr: 'KR' }] } },
  CtryOfRes: 'KR',
};

const ibanAccount: CashAccount = {
  Id: { IBAN: 'DE89370400440532013000' }, Tp: { Cd: 'CACC' }, Ccy: 'EUR', Nm: 'Current account',
  Prxy: { Tp: { Cd: 'TELE' }, Id: '+49-1701234567' },
};
const otherAccount: CashAccount = { Id: { Othr: { Id: '110-234-567890', SchmeNm: { Cd: 'BBAN' }, Issr: 'KFTC' } }, Tp: { Prtry: 'WALLET' }, Ccy: 'KRW' };
/** CashAccount40 only (acmt.023/024, pacs.008.001.13): an account known by its proxy alone. */
const proxyAccount: CashAccount = { Prxy: { Tp: { Prtry: 'MOBILE' }, Id: '+66-812345678' }, Nm: 'S*** W***' };

const settlement: SettlementInstruction = { SttlmMtd: 'CLRG', SttlmAcct: otherAccount, ClrSys: { Prtry: 'APN' } };
const paymentType28: PaymentTypeInformation = { InstrPrty: 'HIGH', ClrChanl: 'RTNS', SvcLvl: [{ Cd: 'NURG' }, { Prtry: 'P2M' }], LclInstrm: { Prtry: 'QR' }, CtgyPurp: { Cd: 'GDSV' } };
const paymentType26: PaymentTypeInformation = { InstrPrty: 'NORM', SvcLvl: [{ Cd: 'NURG' }], LclInstrm: { Cd: 'INST' }, CtgyPurp: { Cd: 'GDSV' } };
const charges = (extra: Partial<Charges> = {}): Charges[] => [{ Amt: { Ccy: 'IDR', value: '2500.00' }, Agt: bicAgent('BNINIDJA'), ...extra }];
const remittance: RemittanceInformation = {
  Ustrd: ['QRIS payment 0042', 'table 7'],
  Strd: [{ CdtrRefInf: { Tp: { CdOrPrtry: { Cd: 'SCOR' }, Issr: 'ISO' }, Ref: 'RF18539007547034' }, AddtlRmtInf: ['bill 0042'] }],
};
const reason = (cd: string): ReasonInformation => ({ Orgtr: { Nm: 'Dari hub' }, Rsn: { Cd: cd }, AddtlInf: ['see case 42'] });
const original = { OrgnlMsgId: 'DARI-20260413-000042', OrgnlMsgNmId: 'pacs.008.001.08', OrgnlCreDtTm: '2026-04-13T10:30:00+09:00' };
const originalTx: OriginalTransactionReference = {
  IntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, Amt: { InstdAmt: { Ccy: 'KRW', value: '107500' } },
  IntrBkSttlmDt: '2026-04-13', ReqdColltnDt: '2026-04-13', ReqdExctnDt: { Dt: '2026-04-13' },
  SttlmInf: settlement, PmtTpInf: { InstrPrty: 'HIGH', ClrChanl: 'RTNS', SvcLvl: [{ Cd: 'NURG' }], LclInstrm: { Prtry: 'QR' }, SeqTp: 'OOFF', CtgyPurp: { Cd: 'GDSV' } },
  PmtMtd: 'TRF', RmtInf: remittance,
  UltmtDbtr: { Pty: person }, Dbtr: { Pty: person }, DbtrAcct: otherAccount, DbtrAgt: memberAgent, DbtrAgtAcct: otherAccount,
  CdtrAgt: bicAgent('BNINIDJA'), CdtrAgtAcct: ibanAccount, Cdtr: { Agt: bicAgent('BNINIDJA') }, CdtrAcct: ibanAccount,
  UltmtCdtr: { Pty: merchant(address) }, Purp: { Cd: 'GDDS' },
};
const UETR = 'a1b2c3d4-e5f6-4890-abcd-ef1234567890';
const QUOTE = '3b0f6b9e-6c1d-4f2a-9d8e-1f2a3b4c5d6e';

function pacs008Full(v13: boolean): Pacs008 {
  const addr = v13 ? address2024 : address;
  return {
    GrpHdr: {
      MsgId: 'DARI-20260413-000042', CreDtTm: '2026-04-13T10:30:00+09:00', ...(v13 ? { XpryDtTm: '2026-04-13T10:31:00+09:00' } : {}),
      BtchBookg: false, NbOfTxs: '1', CtrlSum: '1250000.00', TtlIntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, IntrBkSttlmDt: '2026-04-13',
      SttlmInf: settlement, PmtTpInf: paymentType28, InstgAgt: bicAgent('DARIKRSE'), InstdAgt: bicAgent('RINTIDJA'),
    },
    CdtTrfTxInf: [{
      PmtId: { InstrId: 'DARI-000042', EndToEndId: '310412345678', TxId: 'DARI-TX-000042', UETR, ClrSysRef: 'APN-77' },
      PmtTpInf: paymentType28, IntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, IntrBkSttlmDt: '2026-04-13', SttlmPrty: 'URGT',
      ...(v13
        ? { AddtlDtTm: { AccptncDtTm: '2026-04-13T10:29:58+09:00', PoolgAdjstmntDt: '2026-04-13', XpryDtTm: '2026-04-13T10:31:00+09:00' } }
        : { AccptncDtTm: '2026-04-13T10:29:58+09:00', PoolgAdjstmntDt: '2026-04-13' }),
      InstdAmt: { Ccy: 'KRW', value: '107500' }, XchgRate: '11.627906977',
      ...(v13 ? { AgrdRate: { UnitCcy: 'KRW', QtdCcy: 'IDR', PreAgrdXchgRate: '11.627906977', QtnDtTm: '2026-04-13T10:29:00+09:00', QtId: QUOTE, FXAgt: bicAgent('SHBKKRSE') } } : {}),
      ChrgBr: 'SLEV', ChrgsInf: v13 ? [...charges({ Tp: { Cd: 'COMM' } }), { Amt: { Ccy: 'KRW', value: '500' }, Agt: memberAgent, Tp: { Prtry: { Id: 'HUBFEE', Issr: 'DARI' } } }] : charges(),
      PrvsInstgAgt1: memberAgent, PrvsInstgAgt1Acct: otherAccount,
      InstgAgt: bicAgent('DARIKRSE'), InstdAgt: bicAgent('RINTIDJA'),
      IntrmyAgt1: fullAgent(addr), IntrmyAgt1Acct: ibanAccount, IntrmyAgt2: bicAgent('BNINIDJA'), IntrmyAgt2Acct: otherAccount,
      UltmtDbtr: person, InitgPty: { Nm: 'Toss wallet' },
      Dbtr: { ...person, PstlAdr: addr }, DbtrAcct: v13 ? proxyAccount : otherAccount, DbtrAgt: memberAgent, DbtrAgtAcct: otherAccount,
      CdtrAgt: fullAgent(addr), CdtrAgtAcct: ibanAccount, Cdtr: merchant(addr), CdtrAcct: ibanAccount, UltmtCdtr: merchant(addr),
      InstrForCdtrAgt: [{ Cd: 'HOLD', InstrInf: 'hold for merchant' }], InstrForNxtAgt: [{ Cd: 'TELA', InstrInf: 'call back' }],
      Purp: { Cd: 'GDDS' }, RmtInf: remittance,
    }],
  };
}

const pacs008Minimal: Pacs008 = {
  GrpHdr: { MsgId: 'M1', CreDtTm: '2026-04-13T01:30:00Z', NbOfTxs: '1', SttlmInf: { SttlmMtd: 'INDA' } },
  CdtTrfTxInf: [{
    PmtId: { EndToEndId: 'E2E-1' }, IntrBkSttlmAmt: { Ccy: 'KRW', value: '100' }, ChrgBr: 'DEBT',
    Dbtr: {}, DbtrAgt: memberAgent, CdtrAgt: bicAgent('BNINIDJA'), Cdtr: { Nm: 'Kopi Kita' },
  }],
};

const pacs002Full: Pacs002 = {
  GrpHdr: { MsgId: 'RINT-20260413-9', CreDtTm: '2026-04-13T10:30:02+07:00', InstgAgt: bicAgent('RINTIDJA'), InstdAgt: bicAgent('DARIKRSE') },
  OrgnlGrpInfAndSts: [{ ...original, OrgnlNbOfTxs: '1', OrgnlCtrlSum: '1250000.00', GrpSts: 'PART', StsRsnInf: [reason('AM04')] }],
  TxInfAndSts: [
    {
      StsId: 'ST-1', OrgnlGrpInf: original, OrgnlInstrId: 'DARI-000042', OrgnlEndToEndId: '310412345678', OrgnlTxId: 'DARI-TX-000042', OrgnlUETR: UETR,
      TxSts: 'RJCT', StsRsnInf: [reason('AM04'), { Rsn: { Prtry: 'U110' } }], ChrgsInf: charges(),
      AccptncDtTm: '2026-04-13T10:30:01+07:00', FctvIntrBkSttlmDt: { DtTm: '2026-04-13T10:30:01+07:00' }, AcctSvcrRef: 'BNI-1', ClrSysRef: 'APN-77',
      InstgAgt: bicAgent('RINTIDJA'), InstdAgt: bicAgent('DARIKRSE'), OrgnlTxRef: originalTx,
    },
    { OrgnlEndToEndId: '310412345679', TxSts: 'ACCC', FctvIntrBkSttlmDt: { Dt: '2026-04-13' } },
  ],
};

const pacs004Full: Pacs004 = {
  GrpHdr: {
    MsgId: 'RTN-1', CreDtTm: '2026-04-14T09:00:00+07:00', BtchBookg: true, NbOfTxs: '1', CtrlSum: '1250000.00',
    TtlRtrdIntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, IntrBkSttlmDt: '2026-04-14', SttlmInf: settlement,
    InstgAgt: bicAgent('RINTIDJA'), InstdAgt: bicAgent('DARIKRSE'),
  },
  OrgnlGrpInf: { ...original, RtrRsnInf: [reason('AC04')] },
  TxInf: [{
    RtrId: 'RTR-1', OrgnlGrpInf: original, OrgnlInstrId: 'DARI-000042', OrgnlEndToEndId: '310412345678', OrgnlTxId: 'DARI-TX-000042',
    OrgnlUETR: UETR, OrgnlClrSysRef: 'APN-77', OrgnlIntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, OrgnlIntrBkSttlmDt: '2026-04-13',
    RtrdIntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, IntrBkSttlmDt: '2026-04-14', SttlmPrty: 'NORM',
    RtrdInstdAmt: { Ccy: 'KRW', value: '107500' }, XchgRate: '0.086', CompstnAmt: { Ccy: 'IDR', value: '0' }, ChrgBr: 'SHAR',
    ChrgsInf: charges(), ClrSysRef: 'APN-78', InstgAgt: bicAgent('RINTIDJA'), InstdAgt: bicAgent('DARIKRSE'),
    RtrChain: {
      UltmtDbtr: { Pty: person }, Dbtr: { Pty: merchant(address) }, InitgPty: { Agt: memberAgent }, DbtrAgt: bicAgent('BNINIDJA'),
      PrvsInstgAgt1: bicAgent('RINTIDJA'), IntrmyAgt1: bicAgent('DARIKRSE'), CdtrAgt: memberAgent, Cdtr: { Pty: person }, UltmtCdtr: { Agt: memberAgent },
    },
    RtrRsnInf: [reason('AC04')], OrgnlTxRef: originalTx,
  }],
};

const pacs028Full: Pacs028 = {
  GrpHdr: { MsgId: 'SR-1', CreDtTm: '2026-04-13T10:31:00+09:00', InstgAgt: bicAgent('DARIKRSE'), InstdAgt: bicAgent('RINTIDJA') },
  OrgnlGrpInf: [{ ...original, OrgnlNbOfTxs: '1', OrgnlCtrlSum: '1250000.00' }],
  TxInf: [{
    StsReqId: 'SRQ-1', OrgnlGrpInf: original, OrgnlInstrId: 'DARI-000042', OrgnlEndToEndId: '310412345678', OrgnlTxId: 'DARI-TX-000042',
    OrgnlUETR: UETR, AccptncDtTm: '2026-04-13T10:29:58+09:00', ClrSysRef: 'APN-77', InstgAgt: bicAgent('DARIKRSE'), InstdAgt: bicAgent('RINTIDJA'),
    OrgnlTxRef: originalTx,
  }],
};

const caseAssignment = { Id: 'CASE-42', Assgnr: { Agt: bicAgent('DARIKRSE') }, Assgne: { Pty: { Nm: 'Rintis' } }, CreDtTm: '2026-04-13T10:40:00+09:00' };
const caseDescription = { Id: 'CASE-42', Cretr: { Agt: memberAgent }, ReopCaseIndctn: false };

const camt056Full: Camt056 = {
  Assgnmt: caseAssignment, Case: caseDescription, CtrlData: { NbOfTxs: '1', CtrlSum: '1250000.00' },
  Undrlyg: [{
    OrgnlGrpInfAndCxl: { GrpCxlId: 'GC-1', Case: caseDescription, ...original, NbOfTxs: '1', CtrlSum: '1250000.00', GrpCxl: false, CxlRsnInf: [reason('DUPL')] },
    TxInf: [{
      CxlId: 'CXL-1', Case: caseDescription, OrgnlGrpInf: original, OrgnlInstrId: 'DARI-000042', OrgnlEndToEndId: '310412345678',
      OrgnlTxId: 'DARI-TX-000042', OrgnlUETR: UETR, OrgnlClrSysRef: 'APN-77', OrgnlIntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' },
      OrgnlIntrBkSttlmDt: '2026-04-13', Assgnr: bicAgent('DARIKRSE'), Assgne: bicAgent('RINTIDJA'), CxlRsnInf: [reason('DUPL')], OrgnlTxRef: originalTx,
    }],
  }],
};

const camt029Full: Camt029 = {
  Assgnmt: caseAssignment, RslvdCase: caseDescription, Sts: { Conf: 'CNCL' },
  CxlDtls: [{
    OrgnlGrpInfAndSts: { OrgnlGrpCxlId: 'GC-1', RslvdCase: caseDescription, ...original, OrgnlNbOfTxs: '1', OrgnlCtrlSum: '1250000.00', GrpCxlSts: 'ACCR', CxlStsRsnInf: [reason('LEGL')] },
    TxInfAndSts: [{
      CxlStsId: 'CS-1', RslvdCase: caseDescription, OrgnlGrpInf: original, OrgnlInstrId: 'DARI-000042', OrgnlEndToEndId: '310412345678',
      OrgnlTxId: 'DARI-TX-000042', OrgnlClrSysRef: 'APN-77', OrgnlUETR: UETR, TxCxlSts: 'RJCR', CxlStsRsnInf: [reason('ARDT')],
      OrgnlIntrBkSttlmAmt: { Ccy: 'IDR', value: '1250000.00' }, OrgnlIntrBkSttlmDt: '2026-04-13',
      Assgnr: { Agt: bicAgent('RINTIDJA') }, Assgne: { Pty: person }, OrgnlTxRef: originalTx,
    }],
  }],
};

const pain013Full: Pain013 = {
  GrpHdr: { MsgId: 'RTP-1', CreDtTm: '2026-04-13T12:00:00+08:00', NbOfTxs: '1', CtrlSum: '25.90', InitgPty: merchant(address) },
  PmtInf: [{
    PmtInfId: 'PI-1', PmtMtd: 'TRF', PmtTpInf: paymentType26, ReqdExctnDt: { DtTm: '2026-04-13T12:00:00+08:00' }, XpryDt: { Dt: '2026-04-14' },
    Dbtr: person, DbtrAcct: otherAccount, DbtrAgt: memberAgent, UltmtDbtr: person, ChrgBr: 'SLEV',
    CdtTrfTx: [{
      PmtId: { InstrId: 'RTP-I-1', EndToEndId: 'RTP-E2E-1', UETR }, PmtTpInf: paymentType26, Amt: { InstdAmt: { Ccy: 'MYR', value: '25.90' } },
      ChrgBr: 'SLEV', UltmtDbtr: person, IntrmyAgt1: bicAgent('PYNTMYKL'), CdtrAgt: fullAgent(address), Cdtr: merchant(address), CdtrAcct: ibanAccount,
      UltmtCdtr: merchant(address), InstrForCdtrAgt: [{ Cd: 'PHOB' }], Purp: { Prtry: 'DUITNOW-QR' }, RmtInf: remittance,
    }],
  }],
};

const pain014Full: Pain014 = {
  GrpHdr: { MsgId: 'RTPS-1', CreDtTm: '2026-04-13T12:00:05+09:00', InitgPty: { Nm: 'Dari hub' }, DbtrAgt: memberAgent, CdtrAgt: bicAgent('PYNTMYKL') },
  OrgnlGrpInfAndSts: { OrgnlMsgId: 'RTP-1', OrgnlMsgNmId: 'pain.013.001.07', OrgnlCreDtTm: '2026-04-13T12:00:00+08:00', OrgnlNbOfTxs: '1', OrgnlCtrlSum: '25.90', GrpSts: 'ACCP', StsRsnInf: [reason('NARR')] },
  OrgnlPmtInfAndSts: [{
    OrgnlPmtInfId: 'PI-1', OrgnlNbOfTxs: '1', OrgnlCtrlSum: '25.90', PmtInfSts: 'ACCP', StsRsnInf: [reason('NARR')],
    TxInfAndSts: [{
      StsId: 'S-1', OrgnlInstrId: 'RTP-I-1', OrgnlEndToEndId: 'RTP-E2E-1', OrgnlUETR: UETR, TxSts: 'ACCP', StsRsnInf: [reason('NARR')],
      ChrgsInf: [{ Amt: { Ccy: 'MYR', value: '0.10' }, Agt: memberAgent }], DbtrDcsnDtTm: '2026-04-13T12:00:04+09:00', AccptncDtTm: '2026-04-13T12:00:04+09:00',
      AcctSvcrRef: 'SH-1', ClrSysRef: 'APN-99',
      OrgnlTxRef: {
        Amt: { EqvtAmt: { Amt: { Ccy: 'KRW', value: '7800' }, CcyOfTrf: 'MYR' } }, ReqdExctnDt: { Dt: '2026-04-13' }, XpryDt: { DtTm: '2026-04-14T00:00:00+08:00' },
        PmtTpInf: paymentType26, PmtMtd: 'TRF', RmtInf: remittance, UltmtDbtr: person, Dbtr: person, DbtrAcct: otherAccount, DbtrAgt: memberAgent,
        CdtrAgt: bicAgent('PYNTMYKL'), Cdtr: merchant(address), CdtrAcct: ibanAccount, UltmtCdtr: merchant(address),
      },
    }],
  }],
};

const idAssignment = {
  MsgId: 'VRF-1', CreDtTm: '2026-04-13T09:00:00+09:00', Cretr: { Agt: memberAgent }, FrstAgt: memberAgent,
  Assgnr: { Agt: bicAgent('DARIKRSE') }, Assgne: { Agt: bicAgent('ITMXTHBK') },
};

const acmt023Full: Acmt023 = {
  Assgnmt: idAssignment,
  Vrfctn: [
    { Id: 'V-1', PtyAndAcctId: { Acct: proxyAccount, Agt: { FinInstnId: { PstlAdr: { Ctry: 'TH' } } } } },
    { Id: 'V-2', PtyAndAcctId: { Pty: person, Acct: ibanAccount, Agt: bicAgent('KASITHBK') } },
  ],
};

const acmt024Full: Acmt024 = {
  Assgnmt: { ...idAssignment, MsgId: 'VRP-1', Assgnr: { Agt: bicAgent('ITMXTHBK') }, Assgne: { Agt: bicAgent('DARIKRSE') } },
  OrgnlAssgnmt: { MsgId: 'VRF-1', CreDtTm: '2026-04-13T09:00:00+09:00', FrstAgt: memberAgent },
  Rpt: [
    { OrgnlId: 'V-1', Vrfctn: true, OrgnlPtyAndAcctId: { Acct: proxyAccount }, UpdtdPtyAndAcctId: { Pty: { Nm: 'Somchai Wongsawat' }, Acct: { ...proxyAccount, Id: { Othr: { Id: '1234567890' } } }, Agt: bicAgent('KASITHBK') } },
    { OrgnlId: 'V-2', Vrfctn: false, Rsn: { Cd: 'BE23' } },
  ],
};

export interface DocumentCase {
  name: string;
  type: MessageType;
  document: DocumentByType[MessageType];
}

const c = <T extends MessageType>(name: string, type: T, document: DocumentByType[T]): DocumentCase => ({ name, type, document });

export const CASES: DocumentCase[] = [
  c('pacs.008.001.08 full', 'pacs.008.001.08', pacs008Full(false)),
  c('pacs.008.001.08 minimal', 'pacs.008.001.08', pacs008Minimal),
  c('pacs.008.001.13 full', 'pacs.008.001.13', pacs008Full(true)),
  c('pacs.008.001.13 minimal', 'pacs.008.001.13', pacs008Minimal),
  c('pacs.002.001.10 full', 'pacs.002.001.10', pacs002Full),
  c('pacs.002.001.10 minimal', 'pacs.002.001.10', { GrpHdr: { MsgId: 'S1', CreDtTm: '2026-04-13T01:30:02Z' } }),
  c('pacs.004.001.09 full', 'pacs.004.001.09', pacs004Full),
  c('pacs.004.001.09 minimal', 'pacs.004.001.09', { GrpHdr: { MsgId: 'R1', CreDtTm: '2026-04-14T02:00:00Z', NbOfTxs: '0', SttlmInf: { SttlmMtd: 'INGA' } } }),
  c('pacs.028.001.03 full', 'pacs.028.001.03', pacs028Full),
  c('pacs.028.001.03 minimal', 'pacs.028.001.03', { GrpHdr: { MsgId: 'Q1', CreDtTm: '2026-04-13T01:31:00Z' }, TxInf: [{ OrgnlUETR: UETR }] }),
  c('camt.056.001.08 full', 'camt.056.001.08', camt056Full),
  c('camt.056.001.08 minimal', 'camt.056.001.08', { Assgnmt: caseAssignment, Undrlyg: [{ TxInf: [{ OrgnlUETR: UETR }] }] }),
  c('camt.029.001.09 full', 'camt.029.001.09', camt029Full),
  c('camt.029.001.09 RjctdMod', 'camt.029.001.09', { Assgnmt: caseAssignment, Sts: { RjctdMod: [{ Cd: 'UM01' }, { Prtry: 'LATE' }] } }),
  c('camt.029.001.09 DplctOf', 'camt.029.001.09', { Assgnmt: caseAssignment, Sts: { DplctOf: caseDescription } }),
  c('camt.029.001.09 AssgnmtCxlConf', 'camt.029.001.09', { Assgnmt: caseAssignment, Sts: { AssgnmtCxlConf: true } }),
  c('pain.013.001.07 full', 'pain.013.001.07', pain013Full),
  c('pain.014.001.07 full', 'pain.014.001.07', pain014Full),
  c('pain.014.001.07 minimal', 'pain.014.001.07', { GrpHdr: { MsgId: 'S1', CreDtTm: '2026-04-13T03:00:05Z', InitgPty: {} }, OrgnlGrpInfAndSts: { OrgnlMsgId: 'RTP-1', OrgnlMsgNmId: 'pain.013.001.07' } }),
  c('acmt.023.001.03 full', 'acmt.023.001.03', acmt023Full),
  c('acmt.024.001.03 full', 'acmt.024.001.03', acmt024Full),
];

/** A header with every modelled element (Fr as a financial institution, To as an organisation). */
export function headerFor(type: MessageType, withRelated = true): AppHdr {
  return {
    CharSet: 'UTF-8', Fr: { FIId: fullAgent(address) }, To: { OrgId: merchant(address) },
    BizMsgIdr: 'DARI-20260413-000042', MsgDefIdr: type, BizSvc: 'swift.cbprplus.02',
    MktPrctc: { Regy: 'swift.com', Id: 'CBPR+ 2026' }, CreDt: '2026-04-13T10:30:00+09:00', BizPrcgDt: '2026-04-13T10:30:00+09:00',
    CpyDplct: 'COPY', PssblDplct: false, Prty: 'NORM',
    ...(withRelated ? { Rltd: [{ CharSet: 'UTF-8', Fr: { FIId: bicAgent('DARIKRSE') }, To: { FIId: bicAgent('RINTIDJA') }, BizMsgIdr: 'DARI-20260413-000041', MsgDefIdr: type, BizSvc: 'swift.cbprplus.02', CreDt: '2026-04-13T10:29:00+09:00', CpyDplct: 'DUPL', PssblDplct: true, Prty: 'HIGH' }] } : {}),
  };
}
