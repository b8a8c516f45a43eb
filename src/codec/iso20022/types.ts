/**
 * The typed model of the ISO 20022 messages Dari reads and builds.
 *
 * Naming: every field is named exactly after its ISO 20022 XML element (the XSD tag), so a model
 * path reads like the message path: `document.GrpHdr.MsgId` is `Document/FIToFICstmrCdtTrf/GrpHdr/MsgId`.
 * The `document` of a parsed message is the content of the message root element (the child of
 * `Document`: FIToFICstmrCdtTrf, FIToFIPmtStsRpt, ...), whose name is fixed by the message type.
 *
 * Value rules:
 *  - Text, codes, identifiers, dates (ISODate `2026-04-13`), date-times (as written, e.g.
 *    `2026-04-13T10:30:00+00:00`), rates (`XchgRate`) and counts (`NbOfTxs`) are strings, as written
 *    in the XML (surrounding white space dropped).
 *  - Amounts are {@link Amount}: a decimal string and its ISO 4217 currency, never a float. Reading and
 *    building refuse an amount with more decimals than its currency has (KRW 0, USD 2, ...).
 *  - Indicators (xs:boolean) are booleans.
 *  - Elements that may repeat are arrays (present only when non-empty), even when one occurrence is read.
 *  - Optional elements are absent (`undefined`), never `null` or `''`.
 *  - An XSD choice (`...Choice` types) is an object of which exactly one member is set.
 *
 * Only the elements a payment switch uses are modelled; any other element in an input message is
 * skipped on reading (it never makes reading fail) and is not written back. Fields marked
 * "(pacs.008.001.13)" exist only in that version (2024 components: PostalAddress27, Charges16, ...);
 * building an older version with them set is a DARI_XML_VALUE_INVALID error.
 */

// ------------------------------------------------------------------------------------------------
// Message identification

/** The message versions Dari reads and builds (the `MsgDefIdr`, and the tail of the Document namespace). */
export type MessageType =
  | 'pacs.008.001.08'
  | 'pacs.008.001.13'
  | 'pacs.002.001.10'
  | 'pacs.004.001.09'
  | 'pacs.028.001.03'
  | 'camt.056.001.08'
  | 'camt.029.001.09'
  | 'pain.013.001.07'
  | 'pain.014.001.07'
  | 'acmt.023.001.03'
  | 'acmt.024.001.03';

/** Business application header versions (head.001). */
export type HeaderType = 'head.001.001.02' | 'head.001.001.03';

/** The model of each message type: the content of its message root element. */
export interface DocumentByType {
  'pacs.008.001.08': Pacs008;
  'pacs.008.001.13': Pacs008;
  'pacs.002.001.10': Pacs002;
  'pacs.004.001.09': Pacs004;
  'pacs.028.001.03': Pacs028;
  'camt.056.001.08': Camt056;
  'camt.029.001.09': Camt029;
  'pain.013.001.07': Pain013;
  'pain.014.001.07': Pain014;
  'acmt.023.001.03': Acmt023;
  'acmt.024.001.03': Acmt024;
}

/** A message as read by parseMessage: narrow on `type` to get the typed document. */
export type ParsedMessage = {
  [T in MessageType]: {
    type: T;
    /** The business application header, when the input has one. */
    header?: AppHdr;
    /** The header's version, set exactly when `header` is. */
    headerType?: HeaderType;
    document: DocumentByType[T];
    /** True when AppHdr and Document came inside a wrapper element (e.g. `urn:swift:xsd:envelope`). */
    envelope: boolean;
  };
}[MessageType];

// ------------------------------------------------------------------------------------------------
// Shared components (ISO type names in brackets; 2019 generation / pacs.008.001.13 generation)

/** [ActiveCurrencyAndAmount, ActiveOrHistoricCurrencyAndAmount] `<IntrBkSttlmAmt Ccy="EUR">750000</IntrBkSttlmAmt>`. */
export interface Amount {
  /** ISO 4217 alphabetic code (the `Ccy` attribute). */
  Ccy: string;
  /** Decimal string, `.` as separator, at most the currency's number of decimals (ISO 4217 exponent). */
  value: string;
}

/** Any `...Choice` of an external code or a proprietary text (Purpose2Choice, StatusReason6Choice, ...). */
export interface CodeOrProprietary {
  Cd?: string;
  Prtry?: string;
}

/** [PostalAddress24 / PostalAddress27] */
export interface PostalAddress {
  /** (pacs.008.001.13) */
  CareOf?: string;
  Dept?: string;
  SubDept?: string;
  StrtNm?: string;
  BldgNb?: string;
  BldgNm?: string;
  Flr?: string;
  /** (pacs.008.001.13) */
  UnitNb?: string;
  PstBx?: string;
  Room?: string;
  PstCd?: string;
  TwnNm?: string;
  TwnLctnNm?: string;
  DstrctNm?: string;
  CtrySubDvsn?: string;
  /** ISO 3166 alpha-2. */
  Ctry?: string;
  /** Unstructured lines, at most 7. */
  AdrLine?: string[];
}

/** [GenericAccountIdentification1, GenericOrganisationIdentification1/3, GenericPersonIdentification1/2, GenericFinancialIdentification1] */
export interface GenericIdentification {
  Id: string;
  SchmeNm?: CodeOrProprietary;
  Issr?: string;
}

/** [ClearingSystemMemberIdentification2] a member id in a clearing system (national bank code). */
export interface ClearingSystemMemberIdentification {
  ClrSysId?: CodeOrProprietary;
  MmbId: string;
}

/** [FinancialInstitutionIdentification18 / 23] */
export interface FinancialInstitutionIdentification {
  BICFI?: string;
  ClrSysMmbId?: ClearingSystemMemberIdentification;
  LEI?: string;
  Nm?: string;
  PstlAdr?: PostalAddress;
  Othr?: GenericIdentification;
}

/** [BranchAndFinancialInstitutionIdentification6 / 8] an agent (bank, PSP, switch). BrnchId is not modelled. */
export interface Agent {
  FinInstnId: FinancialInstitutionIdentification;
}

/** [DateAndPlaceOfBirth1] */
export interface DateAndPlaceOfBirth {
  BirthDt: string;
  PrvcOfBirth?: string;
  CityOfBirth: string;
  CtryOfBirth: string;
}

/** [Party38Choice / Party52Choice] organisation or private person identification. */
export interface PartyId {
  OrgId?: {
    AnyBIC?: string;
    LEI?: string;
    Othr?: GenericIdentification[];
  };
  PrvtId?: {
    DtAndPlcOfBirth?: DateAndPlaceOfBirth;
    Othr?: GenericIdentification[];
  };
}

/** [Contact4 / Contact13] the modelled subset (phone and e-mail are proxy types). */
export interface Contact {
  NmPrfx?: string;
  Nm?: string;
  /** `+CC-NUMBER`, e.g. `+65-91234567`. */
  PhneNb?: string;
  MobNb?: string;
  EmailAdr?: string;
}

/** [PartyIdentification135 / 272] debtor, creditor, ultimate parties, initiating party. */
export interface Party {
  Nm?: string;
  PstlAdr?: PostalAddress;
  Id?: PartyId;
  CtryOfRes?: string;
  CtctDtls?: Contact;
}

/** [Party40Choice] a party or an agent (case assignments, return chains, original transaction references). */
export interface PartyOrAgent {
  Pty?: Party;
  Agt?: Agent;
}

/** [Party44Choice] the header's `Fr`/`To`: an organisation or (usually) a financial institution. */
export interface HeaderParty {
  OrgId?: Party;
  FIId?: Agent;
}

/** [ProxyAccountIdentification1] an alias (mobile number, e-mail, national id) standing for the account. */
export interface ProxyAccountIdentification {
  Tp?: CodeOrProprietary;
  Id: string;
}

/** [CashAccount38 / CashAccount40] `Id` is mandatory in CashAccount38 (all messages but acmt.023/024 and pacs.008.001.13). */
export interface CashAccount {
  Id?: {
    IBAN?: string;
    Othr?: GenericIdentification;
  };
  Tp?: CodeOrProprietary;
  Ccy?: string;
  Nm?: string;
  Prxy?: ProxyAccountIdentification;
}

/** [SettlementInstruction7 / 15] reimbursement agents are not modelled. */
export interface SettlementInstruction {
  /** INDA, INGA, COVE, CLRG. */
  SttlmMtd: string;
  SttlmAcct?: CashAccount;
  ClrSys?: CodeOrProprietary;
}

/**
 * [PaymentTypeInformation26 / 27 / 28] `ClrChanl` is absent from 26 (pain.013/014), `SeqTp` exists
 * only in 27 (original transaction references).
 */
export interface PaymentTypeInformation {
  /** HIGH (time-critical, e.g. point of sale) or NORM. */
  InstrPrty?: string;
  ClrChanl?: string;
  SvcLvl?: CodeOrProprietary[];
  LclInstrm?: CodeOrProprietary;
  SeqTp?: string;
  CtgyPurp?: CodeOrProprietary;
}

/** [Charges7 / Charges16] a charge deducted by an agent. */
export interface Charges {
  Amt: Amount;
  Agt: Agent;
  /** (pacs.008.001.13) */
  Tp?: {
    Cd?: string;
    Prtry?: { Id: string; Issr?: string };
  };
}

/** [CreditorReferenceInformation2 / 3] the structured creditor reference (e.g. QR bill or order number). */
export interface CreditorReferenceInformation {
  Tp?: {
    CdOrPrtry: CodeOrProprietary;
    Issr?: string;
  };
  Ref?: string;
}

/** [StructuredRemittanceInformation16 / 18] the modelled subset. */
export interface StructuredRemittanceInformation {
  CdtrRefInf?: CreditorReferenceInformation;
  /** At most 3. */
  AddtlRmtInf?: string[];
}

/** [RemittanceInformation16 / 22] */
export interface RemittanceInformation {
  Ustrd?: string[];
  Strd?: StructuredRemittanceInformation[];
}

/** [DateAndDateTime2Choice] */
export interface DateOrDateTime {
  Dt?: string;
  DtTm?: string;
}

/** [AmountType4Choice] */
export interface AmountType {
  InstdAmt?: Amount;
  EqvtAmt?: { Amt: Amount; CcyOfTrf: string };
}

/** [InstructionForCreditorAgent1 / 3, InstructionForNextAgent1] */
export interface AgentInstruction {
  Cd?: string;
  InstrInf?: string;
}

/** [OriginalGroupInformation29] reference to the message a status, return or cancellation is about. */
export interface OriginalGroupInformation {
  OrgnlMsgId: string;
  /** e.g. `pacs.008.001.08`. */
  OrgnlMsgNmId: string;
  OrgnlCreDtTm?: string;
}

/**
 * [StatusReasonInformation12, PaymentReturnReason6, PaymentCancellationReason5, CancellationStatusReason4]
 * one reason: who gave it, the code (ExternalStatusReason1Code AC01..., ExternalReturnReason1Code,
 * ExternalCancellationReason1Code DUPL/FRAD/TECH/CUST/AM09, ...) and free text.
 */
export interface ReasonInformation {
  Orgtr?: Party;
  Rsn?: CodeOrProprietary;
  AddtlInf?: string[];
}

/** [OriginalTransactionReference28] key data of the original transaction (pacs.002/004/028, camt.056/029). */
export interface OriginalTransactionReference {
  IntrBkSttlmAmt?: Amount;
  Amt?: AmountType;
  IntrBkSttlmDt?: string;
  ReqdColltnDt?: string;
  ReqdExctnDt?: DateOrDateTime;
  SttlmInf?: SettlementInstruction;
  PmtTpInf?: PaymentTypeInformation;
  PmtMtd?: string;
  RmtInf?: RemittanceInformation;
  UltmtDbtr?: PartyOrAgent;
  Dbtr?: PartyOrAgent;
  DbtrAcct?: CashAccount;
  DbtrAgt?: Agent;
  DbtrAgtAcct?: CashAccount;
  CdtrAgt?: Agent;
  CdtrAgtAcct?: CashAccount;
  Cdtr?: PartyOrAgent;
  CdtrAcct?: CashAccount;
  UltmtCdtr?: PartyOrAgent;
  Purp?: CodeOrProprietary;
}

/** [GroupHeader91] the group header of pacs.002 and pacs.028. */
export interface StatusGroupHeader {
  MsgId: string;
  CreDtTm: string;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
}

/** [Case5] */
export interface Case {
  Id: string;
  Cretr: PartyOrAgent;
  ReopCaseIndctn?: boolean;
}

/** [CaseAssignment5] camt.056 / camt.029. */
export interface CaseAssignment {
  Id: string;
  Assgnr: PartyOrAgent;
  Assgne: PartyOrAgent;
  CreDtTm: string;
}

// ------------------------------------------------------------------------------------------------
// head.001: business application header

/** [BusinessApplicationHeader5 / 7] a related header (`Rltd`, e.g. of the message a copy refers to), the modelled subset. */
export interface RelatedHeader {
  CharSet?: string;
  Fr: HeaderParty;
  To: HeaderParty;
  BizMsgIdr: string;
  MsgDefIdr: string;
  BizSvc?: string;
  CreDt: string;
  CpyDplct?: string;
  PssblDplct?: boolean;
  Prty?: string;
}

/** [BusinessApplicationHeaderV02 / V03] `Sgntr` is not modelled. */
export interface AppHdr {
  CharSet?: string;
  Fr: HeaderParty;
  To: HeaderParty;
  /** Usually the Document's GrpHdr/MsgId (Assgnmt/Id, Assgnmt/MsgId for camt/acmt). */
  BizMsgIdr: string;
  /** The message type, e.g. `pacs.008.001.08`: must agree with the Document namespace. */
  MsgDefIdr: string;
  /** e.g. `swift.cbprplus.02`. */
  BizSvc?: string;
  MktPrctc?: { Regy: string; Id: string };
  CreDt: string;
  BizPrcgDt?: string;
  /** CODU, COPY, DUPL. */
  CpyDplct?: string;
  PssblDplct?: boolean;
  Prty?: string;
  Rltd?: RelatedHeader[];
}

// ------------------------------------------------------------------------------------------------
// pacs.008: FI to FI customer credit transfer (FIToFICstmrCdtTrf)

/** [PaymentIdentification7 / 13] */
export interface PaymentIdentification {
  InstrId?: string;
  EndToEndId: string;
  TxId?: string;
  /** UUIDv4, lower case: the primary key across the chain. */
  UETR?: string;
  ClrSysRef?: string;
}

/** [CurrencyExchange26] (pacs.008.001.13) the agreed FX rate and its quote. */
export interface AgreedRate {
  UnitCcy?: string;
  QtdCcy?: string;
  PreAgrdXchgRate: string;
  QtnDtTm?: string;
  /** UUIDv4 of the FX quote. */
  QtId?: string;
  FXAgt?: Agent;
}

/** [GroupHeader93 / 131] */
export interface Pacs008GroupHeader {
  MsgId: string;
  CreDtTm: string;
  /** (pacs.008.001.13) */
  XpryDtTm?: string;
  BtchBookg?: boolean;
  NbOfTxs: string;
  CtrlSum?: string;
  TtlIntrBkSttlmAmt?: Amount;
  IntrBkSttlmDt?: string;
  SttlmInf: SettlementInstruction;
  PmtTpInf?: PaymentTypeInformation;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
}

/** [CreditTransferTransaction39 / 70] one credit transfer. */
export interface CreditTransferTransaction {
  PmtId: PaymentIdentification;
  PmtTpInf?: PaymentTypeInformation;
  IntrBkSttlmAmt: Amount;
  IntrBkSttlmDt?: string;
  SttlmPrty?: string;
  /** pacs.008.001.08 only (in .13 it is AddtlDtTm/AccptncDtTm). */
  AccptncDtTm?: string;
  /** pacs.008.001.08 only (in .13 it is AddtlDtTm/PoolgAdjstmntDt). */
  PoolgAdjstmntDt?: string;
  /** (pacs.008.001.13) */
  AddtlDtTm?: { AccptncDtTm?: string; PoolgAdjstmntDt?: string; XpryDtTm?: string };
  InstdAmt?: Amount;
  XchgRate?: string;
  /** (pacs.008.001.13) */
  AgrdRate?: AgreedRate;
  /** DEBT, CRED, SHAR, SLEV. */
  ChrgBr: string;
  ChrgsInf?: Charges[];
  PrvsInstgAgt1?: Agent;
  PrvsInstgAgt1Acct?: CashAccount;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
  IntrmyAgt1?: Agent;
  IntrmyAgt1Acct?: CashAccount;
  IntrmyAgt2?: Agent;
  IntrmyAgt2Acct?: CashAccount;
  UltmtDbtr?: Party;
  InitgPty?: Party;
  Dbtr: Party;
  DbtrAcct?: CashAccount;
  DbtrAgt: Agent;
  DbtrAgtAcct?: CashAccount;
  CdtrAgt: Agent;
  CdtrAgtAcct?: CashAccount;
  Cdtr: Party;
  CdtrAcct?: CashAccount;
  UltmtCdtr?: Party;
  InstrForCdtrAgt?: AgentInstruction[];
  InstrForNxtAgt?: AgentInstruction[];
  Purp?: CodeOrProprietary;
  RmtInf?: RemittanceInformation;
}

/** [FIToFICustomerCreditTransferV08 / V13] */
export interface Pacs008 {
  GrpHdr: Pacs008GroupHeader;
  /** At least one. */
  CdtTrfTxInf: CreditTransferTransaction[];
}

// ------------------------------------------------------------------------------------------------
// pacs.002: FI to FI payment status report (FIToFIPmtStsRpt)

/** [OriginalGroupHeader17] */
export interface OriginalGroupStatus {
  OrgnlMsgId: string;
  OrgnlMsgNmId: string;
  OrgnlCreDtTm?: string;
  OrgnlNbOfTxs?: string;
  OrgnlCtrlSum?: string;
  GrpSts?: string;
  StsRsnInf?: ReasonInformation[];
}

/** [PaymentTransaction110] the status of one transaction. */
export interface PaymentTransactionStatus {
  StsId?: string;
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlTxId?: string;
  OrgnlUETR?: string;
  /** ExternalPaymentTransactionStatus1Code: ACCC, ACSC, ACSP, ACTC, ACWP, PDNG, RJCT, BLCK, ... */
  TxSts?: string;
  StsRsnInf?: ReasonInformation[];
  ChrgsInf?: Charges[];
  AccptncDtTm?: string;
  FctvIntrBkSttlmDt?: DateOrDateTime;
  AcctSvcrRef?: string;
  ClrSysRef?: string;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
  OrgnlTxRef?: OriginalTransactionReference;
}

/** [FIToFIPaymentStatusReportV10] */
export interface Pacs002 {
  GrpHdr: StatusGroupHeader;
  OrgnlGrpInfAndSts?: OriginalGroupStatus[];
  TxInfAndSts?: PaymentTransactionStatus[];
}

// ------------------------------------------------------------------------------------------------
// pacs.004: payment return (PmtRtr)

/** [GroupHeader90] */
export interface Pacs004GroupHeader {
  MsgId: string;
  CreDtTm: string;
  BtchBookg?: boolean;
  NbOfTxs: string;
  CtrlSum?: string;
  TtlRtrdIntrBkSttlmAmt?: Amount;
  IntrBkSttlmDt?: string;
  SttlmInf: SettlementInstruction;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
}

/** [TransactionParties7] the parties of the returned payment. */
export interface ReturnChain {
  UltmtDbtr?: PartyOrAgent;
  Dbtr: PartyOrAgent;
  InitgPty?: PartyOrAgent;
  DbtrAgt?: Agent;
  PrvsInstgAgt1?: Agent;
  IntrmyAgt1?: Agent;
  CdtrAgt?: Agent;
  Cdtr: PartyOrAgent;
  UltmtCdtr?: PartyOrAgent;
}

/** [PaymentTransaction112] one returned transaction. */
export interface PaymentReturnTransaction {
  RtrId?: string;
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlTxId?: string;
  OrgnlUETR?: string;
  OrgnlClrSysRef?: string;
  OrgnlIntrBkSttlmAmt?: Amount;
  OrgnlIntrBkSttlmDt?: string;
  RtrdIntrBkSttlmAmt: Amount;
  IntrBkSttlmDt?: string;
  SttlmPrty?: string;
  RtrdInstdAmt?: Amount;
  XchgRate?: string;
  CompstnAmt?: Amount;
  ChrgBr?: string;
  ChrgsInf?: Charges[];
  ClrSysRef?: string;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
  RtrChain?: ReturnChain;
  /** Return reason: ExternalReturnReason1Code (AC04, AM09, ...). */
  RtrRsnInf?: ReasonInformation[];
  OrgnlTxRef?: OriginalTransactionReference;
}

/** [PaymentReturnV09] */
export interface Pacs004 {
  GrpHdr: Pacs004GroupHeader;
  OrgnlGrpInf?: OriginalGroupInformation & { RtrRsnInf?: ReasonInformation[] };
  TxInf?: PaymentReturnTransaction[];
}

// ------------------------------------------------------------------------------------------------
// pacs.028: FI to FI payment status request (FIToFIPmtStsReq)

/** [OriginalGroupInformation27] */
export interface OriginalGroupReference {
  OrgnlMsgId: string;
  OrgnlMsgNmId: string;
  OrgnlCreDtTm?: string;
  OrgnlNbOfTxs?: string;
  OrgnlCtrlSum?: string;
}

/** [PaymentTransaction113] */
export interface StatusRequestTransaction {
  StsReqId?: string;
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlTxId?: string;
  OrgnlUETR?: string;
  AccptncDtTm?: string;
  ClrSysRef?: string;
  InstgAgt?: Agent;
  InstdAgt?: Agent;
  OrgnlTxRef?: OriginalTransactionReference;
}

/** [FIToFIPaymentStatusRequestV03] */
export interface Pacs028 {
  GrpHdr: StatusGroupHeader;
  OrgnlGrpInf?: OriginalGroupReference[];
  TxInf?: StatusRequestTransaction[];
}

// ------------------------------------------------------------------------------------------------
// camt.056: FI to FI payment cancellation request (FIToFIPmtCxlReq)

/** [OriginalGroupHeader15] */
export interface OriginalGroupCancellation {
  GrpCxlId?: string;
  Case?: Case;
  OrgnlMsgId: string;
  OrgnlMsgNmId: string;
  OrgnlCreDtTm?: string;
  NbOfTxs?: string;
  CtrlSum?: string;
  GrpCxl?: boolean;
  CxlRsnInf?: ReasonInformation[];
}

/** [PaymentTransaction106] one transaction to cancel. */
export interface CancellationTransaction {
  CxlId?: string;
  Case?: Case;
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlTxId?: string;
  OrgnlUETR?: string;
  OrgnlClrSysRef?: string;
  OrgnlIntrBkSttlmAmt?: Amount;
  OrgnlIntrBkSttlmDt?: string;
  Assgnr?: Agent;
  Assgne?: Agent;
  /** Cancellation reason: ExternalCancellationReason1Code (DUPL, FRAD, TECH, CUST, AM09, ...). */
  CxlRsnInf?: ReasonInformation[];
  OrgnlTxRef?: OriginalTransactionReference;
}

/** [UnderlyingTransaction23] */
export interface CancellationUnderlying {
  OrgnlGrpInfAndCxl?: OriginalGroupCancellation;
  TxInf?: CancellationTransaction[];
}

/** [FIToFIPaymentCancellationRequestV08] */
export interface Camt056 {
  Assgnmt: CaseAssignment;
  Case?: Case;
  CtrlData?: { NbOfTxs: string; CtrlSum?: string };
  /** At least one. */
  Undrlyg: CancellationUnderlying[];
}

// ------------------------------------------------------------------------------------------------
// camt.029: resolution of investigation (RsltnOfInvstgtn)

/** [InvestigationStatus5Choice] */
export interface InvestigationStatus {
  /** ExternalInvestigationExecutionConfirmation1Code: CNCL (cancelled as requested), RJCR, ... */
  Conf?: string;
  RjctdMod?: CodeOrProprietary[];
  DplctOf?: Case;
  AssgnmtCxlConf?: boolean;
}

/** [OriginalGroupHeader14] */
export interface OriginalGroupCancellationStatus {
  OrgnlGrpCxlId?: string;
  RslvdCase?: Case;
  OrgnlMsgId: string;
  OrgnlMsgNmId: string;
  OrgnlCreDtTm?: string;
  OrgnlNbOfTxs?: string;
  OrgnlCtrlSum?: string;
  GrpCxlSts?: string;
  CxlStsRsnInf?: ReasonInformation[];
}

/** [PaymentTransaction102] the cancellation status of one transaction. */
export interface CancellationTransactionStatus {
  CxlStsId?: string;
  RslvdCase?: Case;
  OrgnlGrpInf?: OriginalGroupInformation;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlTxId?: string;
  OrgnlClrSysRef?: string;
  OrgnlUETR?: string;
  /** CancellationIndividualStatus1Code: ACCR (accepted), RJCR (rejected), PDCR (pending). */
  TxCxlSts?: string;
  CxlStsRsnInf?: ReasonInformation[];
  OrgnlIntrBkSttlmAmt?: Amount;
  OrgnlIntrBkSttlmDt?: string;
  Assgnr?: PartyOrAgent;
  Assgne?: PartyOrAgent;
  OrgnlTxRef?: OriginalTransactionReference;
}

/** [UnderlyingTransaction22] the modelled subset (no OrgnlPmtInfAndSts). */
export interface CancellationDetails {
  OrgnlGrpInfAndSts?: OriginalGroupCancellationStatus;
  TxInfAndSts?: CancellationTransactionStatus[];
}

/** [ResolutionOfInvestigationV09] */
export interface Camt029 {
  Assgnmt: CaseAssignment;
  RslvdCase?: Case;
  Sts: InvestigationStatus;
  CxlDtls?: CancellationDetails[];
}

// ------------------------------------------------------------------------------------------------
// pain.013: creditor payment activation request (CdtrPmtActvtnReq): request to pay

/** [PaymentIdentification6] */
export interface RequestPaymentIdentification {
  InstrId?: string;
  EndToEndId: string;
  UETR?: string;
}

/** [CreditTransferTransaction35] */
export interface RequestToPayTransaction {
  PmtId: RequestPaymentIdentification;
  PmtTpInf?: PaymentTypeInformation;
  Amt: AmountType;
  ChrgBr: string;
  UltmtDbtr?: Party;
  IntrmyAgt1?: Agent;
  CdtrAgt: Agent;
  Cdtr: Party;
  CdtrAcct?: CashAccount;
  UltmtCdtr?: Party;
  InstrForCdtrAgt?: AgentInstruction[];
  Purp?: CodeOrProprietary;
  RmtInf?: RemittanceInformation;
}

/** [PaymentInstruction31] */
export interface RequestToPayInstruction {
  PmtInfId?: string;
  /** PaymentMethod7Code: CHK, TRF. */
  PmtMtd: string;
  PmtTpInf?: PaymentTypeInformation;
  ReqdExctnDt: DateOrDateTime;
  XpryDt?: DateOrDateTime;
  Dbtr: Party;
  DbtrAcct?: CashAccount;
  DbtrAgt: Agent;
  UltmtDbtr?: Party;
  ChrgBr?: string;
  /** At least one. */
  CdtTrfTx: RequestToPayTransaction[];
}

/** [CreditorPaymentActivationRequestV07] */
export interface Pain013 {
  GrpHdr: { MsgId: string; CreDtTm: string; NbOfTxs: string; CtrlSum?: string; InitgPty: Party };
  /** At least one. */
  PmtInf: RequestToPayInstruction[];
}

// ------------------------------------------------------------------------------------------------
// pain.014: creditor payment activation request status report (CdtrPmtActvtnReqStsRpt)

/** [OriginalTransactionReference29] */
export interface OriginalRequestReference {
  Amt?: AmountType;
  ReqdExctnDt?: DateOrDateTime;
  XpryDt?: DateOrDateTime;
  PmtTpInf?: PaymentTypeInformation;
  PmtMtd?: string;
  RmtInf?: RemittanceInformation;
  UltmtDbtr?: Party;
  Dbtr?: Party;
  DbtrAcct?: CashAccount;
  DbtrAgt?: Agent;
  CdtrAgt: Agent;
  Cdtr: Party;
  CdtrAcct?: CashAccount;
  UltmtCdtr?: Party;
}

/** [PaymentTransaction104] */
export interface RequestToPayTransactionStatus {
  StsId?: string;
  OrgnlInstrId?: string;
  OrgnlEndToEndId?: string;
  OrgnlUETR?: string;
  TxSts?: string;
  StsRsnInf?: ReasonInformation[];
  ChrgsInf?: Charges[];
  DbtrDcsnDtTm?: string;
  AccptncDtTm?: string;
  AcctSvcrRef?: string;
  ClrSysRef?: string;
  OrgnlTxRef?: OriginalRequestReference;
}

/** [OriginalPaymentInstruction31] */
export interface RequestToPayInstructionStatus {
  OrgnlPmtInfId: string;
  OrgnlNbOfTxs?: string;
  OrgnlCtrlSum?: string;
  PmtInfSts?: string;
  StsRsnInf?: ReasonInformation[];
  TxInfAndSts?: RequestToPayTransactionStatus[];
}

/** [CreditorPaymentActivationRequestStatusReportV07] */
export interface Pain014 {
  GrpHdr: { MsgId: string; CreDtTm: string; InitgPty: Party; DbtrAgt?: Agent; CdtrAgt?: Agent };
  OrgnlGrpInfAndSts: OriginalGroupStatus;
  OrgnlPmtInfAndSts?: RequestToPayInstructionStatus[];
}

// ------------------------------------------------------------------------------------------------
// acmt.023 / acmt.024: identification verification request / report (proxy and account checks)

/** [IdentificationAssignment3] */
export interface IdentificationAssignment {
  MsgId: string;
  CreDtTm: string;
  Cretr?: PartyOrAgent;
  FrstAgt?: Agent;
  Assgnr: PartyOrAgent;
  Assgne: PartyOrAgent;
}

/** [IdentificationInformation4] the party, account (often only a proxy) and agent to verify or as found. */
export interface PartyAndAccountIdentification {
  Pty?: Party;
  Acct?: CashAccount;
  Agt?: Agent;
}

/** [IdentificationVerificationRequestV03] */
export interface Acmt023 {
  Assgnmt: IdentificationAssignment;
  /** At least one. */
  Vrfctn: { Id: string; PtyAndAcctId: PartyAndAccountIdentification }[];
}

/** [VerificationReport4] */
export interface VerificationReport {
  OrgnlId: string;
  /** True when the identification matches. */
  Vrfctn: boolean;
  /** ExternalVerificationReason1Code, e.g. BE23 (proxy not registered), AC01. */
  Rsn?: CodeOrProprietary;
  OrgnlPtyAndAcctId?: PartyAndAccountIdentification;
  UpdtdPtyAndAcctId?: PartyAndAccountIdentification;
}

/** [IdentificationVerificationReportV03] */
export interface Acmt024 {
  Assgnmt: IdentificationAssignment;
  OrgnlAssgnmt?: { MsgId?: string; CreDtTm?: string; FrstAgt?: Agent };
  /** At least one. */
  Rpt: VerificationReport[];
}
