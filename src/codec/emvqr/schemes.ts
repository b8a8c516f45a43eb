/**
 * National QR schemes as data. A scheme is recognised from its merchant account template (ID 26-51,
 * sub-object 00: a GUID, or KHQR's Bakong account id); its profile then says which country and
 * currency the payload must carry, what the EMVCo rules relax for it, where its merchant account
 * sits, and its own rules (validation layer 4). Each entry names its sources; the public sample
 * payloads behind them are listed in fixtures/emvqr/README.md.
 *
 * Korean ZeroPay is not here: its QR format is not published (see the fixtures README).
 */
import type { FieldRule, QrFields, SchemeProfile } from './model';
import { compilePath, fromFields, nodeString, type QrNode } from './tlv';

/** Merchant account templates, IDs 26-51 (EMV QRCPS MPM 4.5). */
const MAI_TEMPLATES: readonly string[] = Array.from({ length: 26 }, (_, i) => String(26 + i));

export const SCHEMES: readonly SchemeProfile[] = [
  {
    id: 'QRIS',
    name: 'QRIS (Bank Indonesia, Indonesia)',
    country: 'ID',
    currencies: ['360'],
    match: [{
      templates: ['51'],
      guid: ['ID.CO.QRIS.WWW'],
      account: {
        nmid: '$.02', merchantCriteria: '$.03',
        acquirerGuid: '26.00', merchantPan: '26.01', merchantId: '26.02', acquirerCriteria: '26.03',
      },
      rules: [{ path: '$.02', required: true, prefix: 'ID', digits: [13, 13], why: 'the national merchant id (NMID) is "ID" and 13 digits' }],
    }],
    sources: [
      'KUPIEACEH/go-qris internal/config/switching_tags.go (51: 00 site, 02 NMID, 03 criteria) and acquirer_tags.go (26: 00 site, 01 MPAN, 02 terminal/merchant id, 03 criteria)',
      'NMID format: every public QRIS sample in fixtures/emvqr (ID + 13 digits)',
    ],
  },
  {
    id: 'VIETQR',
    name: 'VietQR (NAPAS, Vietnam)',
    country: 'VN',
    currencies: ['704'],
    match: [{
      templates: ['38'],
      guid: ['A000000727'],
      account: { acquirerBin: '$.01.00', accountNumber: '$.01.01', serviceCode: '$.02' },
      rules: [
        { path: '01', required: true, why: 'the point of initiation (01) is mandatory' },
        { path: '$.01', required: true, why: 'the beneficiary organisation (38.01) is mandatory' },
        { path: '$.01.00', required: true, digits: [6, 6], why: 'the acquirer id (38.01.00) is a 6-digit bank BIN' },
        { path: '$.01.01', required: true, length: [1, 19], why: 'the beneficiary account or card number (38.01.01) is 1-19 characters' },
        { path: '$.02', oneOf: ['QRPUSH', 'QRCASH', 'QRIBFTTA', 'QRIBFTTC'], why: 'the service code (38.02) is QRPUSH (purchase), QRCASH (ATM cash withdrawal), QRIBFTTA (transfer to account) or QRIBFTTC (transfer to card)' },
      ],
    }],
    // NAPAS transfer QRs (QRIBFTTA/QRIBFTTC) carry no MCC, merchant name or city.
    optional: ['52', '59', '60'],
    nested: ['$.01'],
    cardData: [{ path: '$.01.01', when: { path: '$.02', equals: 'QRIBFTTC' } }],
    sources: [
      'trantuan94/vietqrjs src/constants/vietqr.constants.ts (38: 00 GUID A000000727, 01 beneficiary organisation {00 acquirer id, 01 merchant/account id}, 02 service code; service codes)',
      'trantuan94/vietqrjs src/decryptor/vietqrv1.decryptor.spec.ts (minimal QRIBFTTA payload without 52/59/60; 01 required; merchant id maxLength 19)',
    ],
  },
  {
    id: 'PROMPTPAY',
    name: 'PromptPay (Thai QR Payment, Thailand)',
    country: 'TH',
    currencies: ['764'],
    match: [
      {
        templates: ['29'],
        guid: ['A000000677010111'],
        account: { guid: '$.00', mobile: '$.01', nationalId: '$.02', eWalletId: '$.03' },
        rules: [
          { path: '$.01', prefix: '0066', digits: [9, 9], why: 'a mobile proxy (29.01) is 0066 and the 9-digit number' },
          { path: '$.02', digits: [13, 13], why: 'a national id or tax id proxy (29.02) is 13 digits' },
          { path: '$.03', digits: [15, 15], why: 'an e-wallet proxy (29.03) is 15 digits' },
        ],
      },
      {
        templates: ['30'],
        guid: ['A000000677010112', 'A000000677012006'],
        account: { guid: '$.00', billerId: '$.01', reference1: '$.02', reference2: '$.03' },
        rules: [{ path: '$.01', required: true, why: 'a bill payment names its biller id (30.01)' }],
      },
    ],
    // PromptPay credit transfer and bill payment QRs carry no MCC, merchant name or city.
    optional: ['52', '59', '60'],
    sources: [
      'dtinth/promptpay-qr index.test.js (29: A000000677010111, 01 mobile 0066+9 digits, 02 national/tax id 13 digits; no 52/59/60)',
      'klimakov/thai-qr-go parser_test.go (29.03 e-wallet id, 15 digits)',
      'saladpuk/PromptPay.Go promptpay/promptpay_bill_payment_test.go (30: A000000677010112 domestic, A000000677012006 cross-border merchant; 01 biller id + suffix, 02 reference 1)',
    ],
  },
  {
    id: 'DUITNOW',
    name: 'DuitNow QR (PayNet, Malaysia)',
    country: 'MY',
    currencies: ['458'],
    match: [{
      templates: MAI_TEMPLATES,
      guid: ['A0000006150001'],
      account: { participantId: '$.01', accountId: '$.02', expiry: '$.03' },
      rules: [
        { path: '$.01', required: true, digits: [6, 6], why: 'the participant id (01) is 6 digits' },
        { path: '$.02', required: true, why: 'the merchant account id (02) is mandatory' },
      ],
    }],
    // Every public DuitNow payload carries payload format indicator "02".
    formatIndicators: ['02'],
    sources: [
      'natsu90/duitnowqr-test test.js (MAE, RHB and merchant payloads: 26 GUID A0000006150001, 01 6-digit participant id, 02 account, 03 expiry; payload format indicator "02"; 82 carries a hash, not a template)',
    ],
  },
  {
    id: 'PAYNOW',
    name: 'PayNow (Singapore)',
    country: 'SG',
    currencies: ['702'],
    match: [{
      templates: MAI_TEMPLATES,
      guid: ['SG.PAYNOW'],
      account: { proxyType: '$.01', proxy: '$.02', amountEditable: '$.03', expiry: '$.04' },
      rules: [
        { path: '$.01', required: true, oneOf: ['0', '2'], why: 'the proxy type (01) is 0 (mobile) or 2 (UEN)' },
        { path: '$.02', required: true, why: 'the proxy value (02) is mandatory' },
        { path: '$.03', oneOf: ['0', '1'], why: 'amount editable (03) is 0 or 1' },
        { path: '$.04', digits: [8, 14], why: 'the expiry (04) is YYYYMMDD, with hhmmss in some wallets' },
      ],
    }],
    sources: [
      'lee-ratinan/emv-qr README.md (SG.PAYNOW: 01 proxy type 0 mobile / 2 UEN, 02 proxy, 03 amount editable, 04 expiry date)',
      'AbrahamOsmondE/emvqr-parser src/utils/constants.ts (PAYNOW_QR, PAYNOW_QR_WITH_REFERENCE)',
    ],
  },
  {
    id: 'SGQR',
    name: 'SGQR (Singapore)',
    country: 'SG',
    currencies: ['702'],
    match: [{
      templates: ['51'],
      guid: ['SG.SGQR'],
      account: { sgqrId: '$.01', version: '$.02', postalCode: '$.03', level: '$.04', unit: '$.05' },
      rules: [
        { path: '$.01', required: true, why: 'the SGQR id number (51.01) is mandatory' },
        { path: '$.03', digits: [6, 6], why: 'the postal code (51.03) is 6 digits' },
      ],
    }],
    sources: [
      'lee-ratinan/emv-qr README.md (51 SG.SGQR: 01 SGQR id, 02 version, 03 postal code, 04 level, 05 unit, 06 misc, 07 date)',
      'zionsg/sgqr-parser test/SgQr/ParserTest.php (SG.COM.NETS in 26 beside SG.SGQR in 51)',
    ],
  },
  {
    id: 'QRPH',
    name: 'QR Ph (Philippines)',
    country: 'PH',
    currencies: ['608'],
    match: [{
      templates: MAI_TEMPLATES,
      guid: ['com.p2pqrpay', 'ph.ppmi.p2m'],
      account: { guid: '$.00', bic: '$.01', merchantId: '$.03', accountNumber: '$.04' },
      rules: [{ path: '$.01', required: true, length: [8, 11], why: 'the acquirer or bank is named by its BIC (01), 8 or 11 characters' }],
    }],
    sources: [
      'AbrahamOsmondE/emvqr-parser src/utils/constants.ts (27 com.p2pqrpay P2P / InstaPay, 28 ph.ppmi.p2m P2M; 01 BIC; 62.00 GUID ph.ppmi.qrph)',
    ],
  },
  {
    id: 'KHQR',
    name: 'KHQR (Bakong, National Bank of Cambodia)',
    country: 'KH',
    currencies: ['116', '840'],
    match: [
      {
        templates: ['29'],
        accountId: true,
        account: { bakongAccountId: '$.00', accountInformation: '$.01', acquiringBank: '$.02' },
        rules: [{ path: '$.00', length: [1, 32], why: 'the Bakong account id (29.00) is at most 32 characters' }],
      },
      {
        templates: ['30'],
        accountId: true,
        account: { bakongAccountId: '$.00', merchantId: '$.01', acquiringBank: '$.02' },
        rules: [{ path: '$.00', length: [1, 32], why: 'the Bakong account id (30.00) is at most 32 characters' }],
      },
    ],
    rules: [
      { path: '99.00', digits: [13, 13], why: 'the creation timestamp (99.00) is epoch milliseconds, 13 digits' },
      { path: '99.01', digits: [13, 13], why: 'the expiration timestamp (99.01) is epoch milliseconds, 13 digits' },
    ],
    sources: [
      'ishinvin/ts-khqr src/__tests__/verify-khqr.test.ts and decode-khqr.test.ts (29 individual / 30 merchant, sub 00 = Bakong account id name@bank; currencies 116 KHR and 840 USD only; 99 timestamp template)',
      'ishinvin/ts-khqr src/__tests__/feature/timestamp/decode.test.ts (64 in Khmer, 99.00 creation and 99.01 expiration in milliseconds)',
    ],
  },
  {
    id: 'KR_BCCARD',
    name: 'Korean card-company MPM QR (BC Card, RID D410000001)',
    country: 'KR',
    currencies: ['410'],
    match: [{
      templates: MAI_TEMPLATES,
      guidPrefix: ['D410000001'],
      account: { guid: '$.00', merchantNumber: '$.05', unionPay: '15' },
      rules: [{ path: '15', length: [31, 31], why: 'the UnionPay account (15) is acquirer IIN (8), forwarding IIN (8) and merchant id (15)' }],
    }],
    sources: [
      'copanote/emvmpm emvmpm_bc.xml (15 UnionPay; 26: 00 GUID, 05 payment network specific; 62.50 BC local template; 64)',
      'copanote/developers docs/mpm/qr/getMpmQrInfo.md (BC Card MPM QR sample request)',
    ],
  },
];

/** A rule with its path compiled. */
export interface CompiledRule extends FieldRule {
  at: readonly number[];
}

interface Candidate {
  /** Position of the scheme in SCHEMES: the lower wins. */
  rank: number;
  scheme: SchemeProfile;
  templates: ReadonlySet<number>;
  account: readonly { name: string; at: readonly number[] }[];
  /** The match's rules, then the scheme's. */
  rules: readonly CompiledRule[];
}

const EXACT = new Map<string, Candidate[]>();
const PREFIXED: { prefix: string; candidate: Candidate }[] = [];
const ACCOUNT_ID: Candidate[] = [];
SCHEMES.forEach((scheme, rank) => {
  for (const match of scheme.match) {
    const c: Candidate = {
      rank,
      scheme,
      templates: new Set(match.templates.map(Number)),
      account: Object.entries(match.account).map(([name, path]) => ({ name, at: compilePath(path) })),
      rules: [...(match.rules ?? []), ...(scheme.rules ?? [])].map((r) => ({ ...r, at: compilePath(r.path) })),
    };
    for (const g of match.guid ?? []) {
      const list = EXACT.get(g.toUpperCase()) ?? [];
      list.push(c);
      EXACT.set(g.toUpperCase(), list);
    }
    for (const p of match.guidPrefix ?? []) PREFIXED.push({ prefix: p.toUpperCase(), candidate: c });
    if (match.accountId) ACCOUNT_ID.push(c);
  }
});

function hasLowerCase(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c >= 97 && c <= 122) || c > 127) return true;
  }
  return false;
}

/** name@institution, each part non-empty, one '@'. */
function isAccountId(v: string): boolean {
  const at = v.indexOf('@');
  return at > 0 && at < v.length - 1 && v.indexOf('@', at + 1) < 0;
}

export interface SchemeFound {
  scheme: SchemeProfile;
  /** The merchant account template it was recognised in (26-51). */
  template: number;
  /** Merchant account summary entries, paths compiled. */
  account: Candidate['account'];
  rules: readonly CompiledRule[];
}

/**
 * The scheme of a payload: among its merchant account templates (26-51), those whose sub-object
 * 00 a scheme recognises; the scheme listed first in SCHEMES wins, then the lower template id.
 */
export function findScheme(top: QrNode): SchemeFound | null {
  let best: Candidate | null = null;
  let bestTemplate = 0;
  for (let i = 0; i < top.length; i += 2) {
    const t = top[i] as number;
    const tpl = top[i + 1];
    if (t < 26 || t > 51 || typeof tpl !== 'object') continue;
    const guid = nodeString(tpl, 0);
    if (guid === undefined) continue;
    const upper = hasLowerCase(guid) ? guid.toUpperCase() : guid;
    const exact = EXACT.get(upper);
    if (exact) {
      for (const c of exact) if (c.templates.has(t) && (best === null || c.rank < best.rank)) { best = c; bestTemplate = t; }
    }
    for (const p of PREFIXED) {
      const c = p.candidate;
      if (upper.startsWith(p.prefix) && c.templates.has(t) && (best === null || c.rank < best.rank)) { best = c; bestTemplate = t; }
    }
    if (isAccountId(guid)) {
      for (const c of ACCOUNT_ID) if (c.templates.has(t) && (best === null || c.rank < best.rank)) { best = c; bestTemplate = t; }
    }
  }
  const found = best as Candidate | null;
  return found ? { scheme: found.scheme, template: bestTemplate, account: found.account, rules: found.rules } : null;
}

/** The national scheme of a parsed payload (from its merchant account templates), or null. */
export function recogniseScheme(qr: { fields: QrFields }): SchemeProfile | null {
  return findScheme(fromFields(qr.fields))?.scheme ?? null;
}
