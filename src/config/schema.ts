/**
 * The hub configuration: one YAML file, validated once at start with errors that name the key
 * (DARI_CONFIG_INVALID: partners[0].requestTimeoutMs: must be an integer from 100 to 120000),
 * then frozen. Secrets never come from the YAML: the data key comes from DARI_DATA_KEY or a key
 * file, the PostgreSQL URL from DATABASE_URL. Every key is documented in the README.
 */
import { isIP } from 'node:net';
import { DariError } from '../errors';
import { BUILTIN_DIALECTS } from '../codec/iso8583';
import { framingConfig, type FramingOptions } from '../transport/framing';
import { parseFeeSection, parseFxSection } from '../fx/config';

export interface TlsConfig {
  /** PEM files. A server (participant listener) needs cert+key; `ca` + `requestCert` asks for client certificates. */
  cert?: string;
  key?: string;
  ca?: string;
  requestCert: boolean;
}

export interface ParticipantConfig {
  id: string;
  name: string;
  /** Built-in dialect name or dialect JSON file. */
  dialect: string;
  framing: FramingOptions;
  /** Source addresses allowed to connect as this participant. */
  allow: string[];
  /** A listener of its own (required with TLS); without it the participant shares `listener`. */
  listen?: { host: string; port: number };
  tls?: TlsConfig;
  /** MAC every message but network management with this HSM key (field 64/128). */
  mac?: MacConfig;
}

export interface MacConfig {
  /** A MAC key (type `mac`) in the HSM key store: 3DES (ISO 9797-1 algorithm 3) or AES (CMAC). */
  keyId: string;
  /** ISO 9797-1 padding method for 3DES keys (1 zeros, 2 0x80 then zeros). */
  padding: 1 | 2;
}

export interface EndpointConfig {
  host: string;
  port: number;
}

export interface PartnerConfig {
  id: string;
  name: string;
  dialect: string;
  framing: FramingOptions;
  /** Where the partner switch listens; filled in for built-in simulators. */
  endpoints: EndpointConfig[];
  /** Run a built-in partner simulator in the hub process and link to it. */
  simulator: boolean;
  /** Links opened to the partner (spread over the endpoints). */
  links: number;
  requestTimeoutMs: number;
  signOn: boolean;
  echoIntervalMs: number;
  /** Field 39 answered at once when no link to the partner is ready (stand-in). */
  standInResponseCode: string;
  /** Field 39 answered to the originator when the partner does not answer in time. */
  timeoutResponseCode: string;
  tls?: TlsConfig;
  /** What the partner speaks: ISO 8583 (`dialect`) or ISO 20022 XML (`iso20022`). */
  protocol: 'iso8583' | 'iso20022';
  iso20022?: Iso20022PartnerConfig;
  /** MAC every message but network management with this HSM key (ISO 8583 partners). */
  mac?: MacConfig;
}

export interface AgentConfigEntry {
  bic?: string;
  memberId?: string;
  clearingSystem?: string;
  name?: string;
}

export interface Iso20022PartnerConfig {
  /** pacs.008 version the partner takes. */
  paymentVersion: 'pacs.008.001.08' | 'pacs.008.001.13';
  header: 'none' | 'head.001.001.02' | 'head.001.001.03';
  envelope: boolean;
  /** This hub as the partner knows it (instructing agent, header sender). */
  hub: AgentConfigEntry;
  /** The partner switch (instructed agent, header receiver, default creditor agent). */
  partner: AgentConfigEntry;
  /** Domestic acquirers by field 32, as debtor agents. */
  acquirers: Record<string, AgentConfigEntry>;
  /** Acquirers' time zone for fields 12/13 (IANA name or ±hh:mm). */
  timeZone: string;
  chargeBearer: 'DEBT' | 'CRED' | 'SHAR' | 'SLEV';
  settlementMethod: 'INDA' | 'INGA' | 'COVE' | 'CLRG';
  /** Silence after which a pacs.028 asks for a payment's status, and the interval of repeats. */
  statusAfterMs: number;
  statusIntervalMs: number;
  /** A status table file (same shape as src/translate/status-codes.json); default: the built-in table. */
  statusTable?: string;
  /** Folder of the official XSDs: validate every message in and out. Unset: no runtime validation. */
  xsdDir?: string;
}

export interface RouteConfig {
  partner: string;
  /** PAN prefixes ("4", "476173") or ranges of equal-length bounds ("510000-559999"); longest match wins. */
  pan: string[];
  /** First two digits of field 3 (transaction type). */
  processingCodes: string[];
  /** Field 100 (receiving institution id); a match outranks any PAN match. */
  receivingInstitutions: string[];
  /** Field 49, ISO 4217 numeric. */
  currencies: string[];
  /** Field 19 (acquiring institution country), ISO 3166 numeric. */
  countries: string[];
}

export interface HubConfig {
  node: { id: string };
  listener: { host: string; port: number };
  metrics: { host: string; port: number };
  journal: { sqlitePath: string; dataKeyFile: string; dedupeWindowSeconds: number; sqliteThread: 'worker' | 'inline' };
  saf: { retryBaseMs: number; retryMaxMs: number; maxAttempts: number; pollMs: number };
  participants: ParticipantConfig[];
  partners: PartnerConfig[];
  routes: RouteConfig[];
  /** Partner that receives what no route matches; none = answer 15 (no such issuer). */
  defaultRoute?: string;
  /** Overseas QR payments (src/services/qr): off when absent. */
  qr?: QrConfig;
  /** FX rates and quotes (src/fx): the `fx:` section, raw (validated here, parsed by the hub). */
  fx?: Record<string, unknown>;
  /** Fee schedules (src/fx): the `fees:` section, raw (validated here, parsed by the hub). */
  fees?: Record<string, unknown>;
  /** An FX file (fx: and fees: sections) that replaces the inline sections; `dari start --rates` sets it. */
  fxFile?: string;
  /** TrustOne card-tap authentication (src/services/trustone): off when absent. */
  trustone?: TrustOneConfig;
  /** The software HSM: key store file, and the master key file used when DARI_HSM_MASTER_KEY is unset. */
  hsm: { storeFile: string; masterKeyFile: string };
}

export interface TrustOneConfig {
  /** The participant HTTP API. */
  host: string;
  port: number;
  tls?: TlsConfig;
  /** Registrations, challenges, ATCs and attempts. */
  sqlitePath: string;
  challengeTtlMs: number;
  replayWindowSeconds: number;
  /** API participants; each secret from DARI_TRUSTONE_SECRET_<ID> or `secretFile` (never the YAML). */
  participants: { id: string; secretFile?: string }[];
  /** Load the public demo participant (DEMOBANK) and the public EMV test issuer key. Never in production. */
  demo: boolean;
}

export interface QrConfig {
  /** Wallets' home currency, ISO 4217 numeric ("410"). */
  homeCurrency: string;
  /** Partner by national scheme id (QRIS, VIETQR, PROMPTPAY, ...) or by ISO 3166 alpha-2 country. */
  partners: Record<string, string>;
  /** ISO 20022 partners asked to confirm the merchant account (acmt.023/024) before each payment. */
  verifyMerchants: string[];
}

// ---- validation ------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function bad(key: string, what: string): never {
  throw new DariError('DARI_CONFIG_INVALID', `${key}: ${what}`);
}

function obj(v: unknown, key: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(key, 'must be a mapping');
  return v as Obj;
}

function known(o: Obj, key: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(key ? `${key}.${k}` : k, `unknown key (known: ${keys.join(', ')})`);
}

function str(o: Obj, k: string, key: string, dflt?: string): string {
  const v = o[k];
  if (v === undefined) {
    if (dflt !== undefined) return dflt;
    bad(`${key}.${k}`, 'is required');
  }
  if (typeof v !== 'string' || v === '') bad(`${key}.${k}`, 'must be a non-empty string');
  return v;
}

function int(o: Obj, k: string, key: string, dflt: number, min: number, max: number): number {
  const v = o[k] ?? dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(`${key}.${k}`, `must be an integer from ${min} to ${max}`);
  return v;
}

function bool(o: Obj, k: string, key: string, dflt: boolean): boolean {
  const v = o[k] ?? dflt;
  if (typeof v !== 'boolean') bad(`${key}.${k}`, 'must be true or false');
  return v;
}

function strList(o: Obj, k: string, key: string, re: RegExp, what: string): string[] {
  const v = o[k];
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(`${key}.${k}`, 'must be a list');
  return v.map((x, i) => {
    const s = typeof x === 'number' ? String(x) : x;
    if (typeof s !== 'string' || !re.test(s)) bad(`${key}.${k}[${i}]`, `must be ${what}`);
    return s;
  });
}

function code(o: Obj, k: string, key: string, dflt: string): string {
  const v = o[k] ?? dflt;
  if (typeof v !== 'string' || !/^[0-9A-Z]{2}$/.test(v)) bad(`${key}.${k}`, 'must be a 2-character response code in quotes, e.g. "91"');
  return v;
}

function dialect(o: Obj, key: string): string {
  const d = str(o, 'dialect', key, 'iso87ascii');
  if (!(BUILTIN_DIALECTS as readonly string[]).includes(d) && !d.endsWith('.json')) {
    bad(`${key}.dialect`, `must be a built-in dialect (${BUILTIN_DIALECTS.join(', ')}) or a .json dialect file`);
  }
  return d;
}

function framing(o: Obj, key: string): FramingOptions {
  const f = { ...obj(o.framing ?? { lengthHeader: 'binary2' }, `${key}.framing`) } as unknown as FramingOptions;
  try {
    framingConfig(f);
  } catch (e) {
    if (e instanceof DariError) bad(`${key}.framing`, e.message);
    throw e;
  }
  return f;
}

function tls(o: Obj, key: string): TlsConfig | undefined {
  if (o.tls === undefined) return undefined;
  const t = obj(o.tls, `${key}.tls`);
  known(t, `${key}.tls`, ['cert', 'key', 'ca', 'requestCert']);
  const out: TlsConfig = { requestCert: bool(t, 'requestCert', `${key}.tls`, false) };
  for (const k of ['cert', 'key', 'ca'] as const) if (t[k] !== undefined) out[k] = str(t, k, `${key}.tls`);
  return out;
}

function list(v: unknown, key: string): unknown[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(key, 'must be a list');
  return v;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;

function agent(v: unknown, key: string): AgentConfigEntry {
  const o = obj(v, key);
  known(o, key, ['bic', 'memberId', 'clearingSystem', 'name']);
  const out: AgentConfigEntry = {};
  if (o.bic !== undefined) {
    out.bic = str(o, 'bic', key);
    if (!/^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(out.bic)) bad(`${key}.bic`, 'must be a BIC (8 or 11 characters)');
  }
  if (o.memberId !== undefined) out.memberId = str(o, 'memberId', key);
  if (o.clearingSystem !== undefined) out.clearingSystem = str(o, 'clearingSystem', key);
  if (o.name !== undefined) out.name = str(o, 'name', key);
  if (!out.bic && !out.memberId) bad(key, 'needs a bic or a memberId');
  return out;
}

function mac(v: unknown, key: string): MacConfig {
  const o = obj(v, key);
  known(o, key, ['keyId', 'padding']);
  const padding = int(o, 'padding', key, 1, 1, 2);
  return { keyId: str(o, 'keyId', key), padding: padding as 1 | 2 };
}

function oneOf<T extends string>(o: Obj, k: string, key: string, dflt: T, allowed: readonly T[]): T {
  const v = str(o, k, key, dflt) as T;
  if (!allowed.includes(v)) bad(`${key}.${k}`, `must be one of ${allowed.join(', ')}`);
  return v;
}

function iso20022(v: unknown, key: string, budgetMs: number): Iso20022PartnerConfig {
  const o = obj(v ?? {}, key);
  known(o, key, ['paymentVersion', 'header', 'envelope', 'hub', 'partner', 'acquirers', 'timeZone', 'chargeBearer', 'settlementMethod', 'statusAfterMs', 'statusIntervalMs', 'statusTable', 'xsdDir']);
  if (o.hub === undefined) bad(`${key}.hub`, 'is required (this hub as the partner knows it: bic or memberId)');
  if (o.partner === undefined) bad(`${key}.partner`, 'is required (the partner switch: bic or memberId)');
  const acquirers: Record<string, AgentConfigEntry> = {};
  const a = obj(o.acquirers ?? {}, `${key}.acquirers`);
  for (const [k, x] of Object.entries(a)) {
    if (!/^\d{1,11}$/.test(k)) bad(`${key}.acquirers.${k}`, 'keys are field 32 acquirer ids (up to 11 digits)');
    acquirers[k] = agent(x, `${key}.acquirers.${k}`);
  }
  const out: Iso20022PartnerConfig = {
    paymentVersion: oneOf(o, 'paymentVersion', key, 'pacs.008.001.08', ['pacs.008.001.08', 'pacs.008.001.13'] as const),
    header: oneOf(o, 'header', key, 'head.001.001.02', ['none', 'head.001.001.02', 'head.001.001.03'] as const),
    envelope: bool(o, 'envelope', key, false),
    hub: agent(o.hub, `${key}.hub`),
    partner: agent(o.partner, `${key}.partner`),
    acquirers,
    timeZone: str(o, 'timeZone', key, 'UTC'),
    chargeBearer: oneOf(o, 'chargeBearer', key, 'SLEV', ['DEBT', 'CRED', 'SHAR', 'SLEV'] as const),
    settlementMethod: oneOf(o, 'settlementMethod', key, 'CLRG', ['INDA', 'INGA', 'COVE', 'CLRG'] as const),
    statusAfterMs: int(o, 'statusAfterMs', key, Math.floor(budgetMs / 2), 50, 120000),
    statusIntervalMs: int(o, 'statusIntervalMs', key, Math.max(50, Math.floor(budgetMs / 4)), 50, 120000),
  };
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: /^[+-]\d{2}:?\d{2}$/.test(out.timeZone) ? 'UTC' : out.timeZone });
  } catch {
    bad(`${key}.timeZone`, 'must be an IANA time zone (Asia/Jakarta) or an offset (+07:00)');
  }
  if (out.envelope && out.header === 'none') bad(`${key}.envelope`, 'an envelope needs a header (header: head.001.001.02 or .03)');
  if (o.statusTable !== undefined) out.statusTable = str(o, 'statusTable', key);
  if (o.xsdDir !== undefined) out.xsdDir = str(o, 'xsdDir', key);
  return out;
}

/** Validate a parsed YAML document; throws DARI_CONFIG_INVALID naming the key. */
export function validateConfig(raw: unknown): HubConfig {
  const r = obj(raw ?? {}, '(top level)');
  known(r, '', ['node', 'listener', 'metrics', 'journal', 'saf', 'participants', 'partners', 'routes', 'defaultRoute', 'qr', 'fx', 'fees', 'fxFile', 'trustone', 'hsm']);
  const node = obj(r.node ?? {}, 'node');
  known(node, 'node', ['id']);
  const listener = obj(r.listener ?? {}, 'listener');
  known(listener, 'listener', ['host', 'port']);
  const metrics = obj(r.metrics ?? {}, 'metrics');
  known(metrics, 'metrics', ['host', 'port']);
  const journal = obj(r.journal ?? {}, 'journal');
  known(journal, 'journal', ['sqlitePath', 'dataKeyFile', 'dedupeWindowSeconds', 'sqliteThread']);
  const sqliteThread = str(journal, 'sqliteThread', 'journal', 'inline');
  if (sqliteThread !== 'worker' && sqliteThread !== 'inline') bad('journal.sqliteThread', 'must be worker or inline');
  const saf = obj(r.saf ?? {}, 'saf');
  known(saf, 'saf', ['retryBaseMs', 'retryMaxMs', 'maxAttempts', 'pollMs']);

  const participants = list(r.participants, 'participants').map((p, i): ParticipantConfig => {
    const key = `participants[${i}]`;
    const o = obj(p, key);
    known(o, key, ['id', 'name', 'dialect', 'framing', 'allow', 'listen', 'tls', 'mac']);
    const id = str(o, 'id', key);
    if (!ID.test(id)) bad(`${key}.id`, 'must be 1-32 letters, digits, _ . -');
    const allow = strList(o, 'allow', key, /./, 'an IP address');
    allow.forEach((a, j) => { if (isIP(a) === 0) bad(`${key}.allow[${j}]`, 'must be an IP address'); });
    if (allow.length === 0) bad(`${key}.allow`, 'must list at least one source address');
    const out: ParticipantConfig = { id, name: str(o, 'name', key, id), dialect: dialect(o, key), framing: framing(o, key), allow };
    if (o.listen !== undefined) {
      const l = obj(o.listen, `${key}.listen`);
      known(l, `${key}.listen`, ['host', 'port']);
      out.listen = { host: str(l, 'host', `${key}.listen`, '127.0.0.1'), port: int(l, 'port', `${key}.listen`, 0, 0, 65535) };
    }
    const t = tls(o, key);
    if (t) {
      if (!t.cert || !t.key) bad(`${key}.tls`, 'a participant listener needs cert and key');
      if (!out.listen) bad(`${key}.listen`, 'a TLS participant needs a listener of its own (listen: { host, port })');
      out.tls = t;
    }
    if (o.mac !== undefined) out.mac = mac(o.mac, `${key}.mac`);
    return out;
  });

  const partners = list(r.partners, 'partners').map((p, i): PartnerConfig => {
    const key = `partners[${i}]`;
    const o = obj(p, key);
    known(o, key, ['id', 'name', 'protocol', 'dialect', 'framing', 'endpoints', 'simulator', 'links', 'requestTimeoutMs', 'signOn', 'echoIntervalMs', 'standInResponseCode', 'timeoutResponseCode', 'tls', 'iso20022', 'mac']);
    const protocol = str(o, 'protocol', key, 'iso8583');
    if (protocol !== 'iso8583' && protocol !== 'iso20022') bad(`${key}.protocol`, 'must be iso8583 or iso20022');
    const id = str(o, 'id', key);
    if (!ID.test(id)) bad(`${key}.id`, 'must be 1-32 letters, digits, _ . -');
    const simulator = bool(o, 'simulator', key, false);
    const endpoints = list(o.endpoints, `${key}.endpoints`).map((e, j): EndpointConfig => {
      const ek = `${key}.endpoints[${j}]`;
      const eo = obj(e, ek);
      known(eo, ek, ['host', 'port']);
      return { host: str(eo, 'host', ek), port: int(eo, 'port', ek, 0, 1, 65535) };
    });
    if (!simulator && endpoints.length === 0) bad(`${key}.endpoints`, 'must list at least one host/port (or set simulator: true)');
    const out: PartnerConfig = {
      // ISO 20022 partners: one XML document per frame behind a 4-byte length header, by default.
      id, name: str(o, 'name', key, id), dialect: dialect(o, key), endpoints, simulator,
      framing: framing(protocol === 'iso20022' && o.framing === undefined ? { framing: { lengthHeader: 'binary4', maxFrameSize: 262144 } } : o, key),
      links: int(o, 'links', key, 2, 1, 64),
      requestTimeoutMs: int(o, 'requestTimeoutMs', key, 5000, 100, 120000),
      signOn: bool(o, 'signOn', key, true),
      echoIntervalMs: int(o, 'echoIntervalMs', key, 30000, 0, 3600000),
      standInResponseCode: code(o, 'standInResponseCode', key, '91'),
      timeoutResponseCode: code(o, 'timeoutResponseCode', key, '68'),
      protocol,
    };
    const t = tls(o, key);
    if (t) out.tls = t;
    if (protocol === 'iso20022') out.iso20022 = iso20022(o.iso20022, `${key}.iso20022`, out.requestTimeoutMs);
    else if (o.iso20022 !== undefined) bad(`${key}.iso20022`, 'only for protocol: iso20022');
    if (o.mac !== undefined) {
      if (protocol !== 'iso8583') bad(`${key}.mac`, 'field 64/128 MACs are for ISO 8583 partners');
      out.mac = mac(o.mac, `${key}.mac`);
    }
    return out;
  });
  const partnerIds = new Set(partners.map((p) => p.id));
  if (partnerIds.size !== partners.length) bad('partners', 'ids must be unique');
  if (new Set(participants.map((p) => p.id)).size !== participants.length) bad('participants', 'ids must be unique');

  const routes = list(r.routes, 'routes').map((x, i): RouteConfig => {
    const key = `routes[${i}]`;
    const o = obj(x, key);
    known(o, key, ['partner', 'pan', 'processingCodes', 'receivingInstitutions', 'currencies', 'countries']);
    const partner = str(o, 'partner', key);
    if (!partnerIds.has(partner)) bad(`${key}.partner`, `no partner has id "${partner}"`);
    const pan = strList(o, 'pan', key, /^([0-9]{1,19}|[0-9]{1,19}-[0-9]{1,19})$/, 'a PAN prefix or a range "510000-559999"');
    pan.forEach((p, j) => {
      const [a, b] = p.split('-');
      if (b !== undefined && (a?.length !== b.length || (a ?? '') > b)) bad(`${key}.pan[${j}]`, 'range bounds must have the same length, low first');
    });
    return {
      partner, pan,
      processingCodes: strList(o, 'processingCodes', key, /^[0-9]{2}$/, 'two digits (field 3 transaction type)'),
      receivingInstitutions: strList(o, 'receivingInstitutions', key, /^[0-9]{1,11}$/, 'up to 11 digits (field 100)'),
      currencies: strList(o, 'currencies', key, /^[0-9]{3}$/, 'an ISO 4217 numeric code, e.g. "360"'),
      countries: strList(o, 'countries', key, /^[0-9]{3}$/, 'an ISO 3166 numeric code, e.g. "360"'),
    };
  });
  let defaultRoute: string | undefined;
  if (r.defaultRoute !== undefined) {
    defaultRoute = str(r, 'defaultRoute', '(top level)');
    if (!partnerIds.has(defaultRoute)) bad('defaultRoute', `no partner has id "${defaultRoute}"`);
  }

  const cfg: HubConfig = {
    node: { id: str(node, 'id', 'node', 'hub-1') },
    listener: { host: str(listener, 'host', 'listener', '127.0.0.1'), port: int(listener, 'port', 'listener', 8583, 0, 65535) },
    metrics: { host: str(metrics, 'host', 'metrics', '127.0.0.1'), port: int(metrics, 'port', 'metrics', 9583, 0, 65535) },
    journal: {
      sqlitePath: str(journal, 'sqlitePath', 'journal', './data/dari.db'),
      dataKeyFile: str(journal, 'dataKeyFile', 'journal', './data/data.key'),
      dedupeWindowSeconds: int(journal, 'dedupeWindowSeconds', 'journal', 300, 1, 86400),
      sqliteThread,
    },
    saf: {
      retryBaseMs: int(saf, 'retryBaseMs', 'saf', 1000, 10, 3600000),
      retryMaxMs: int(saf, 'retryMaxMs', 'saf', 60000, 10, 86400000),
      maxAttempts: int(saf, 'maxAttempts', 'saf', 20, 1, 10000),
      pollMs: int(saf, 'pollMs', 'saf', 500, 10, 60000),
    },
    participants, partners, routes,
    hsm: { storeFile: './data/hsm-keys.json', masterKeyFile: './data/hsm-master.key' },
  };
  if (defaultRoute !== undefined) cfg.defaultRoute = defaultRoute;
  if (r.qr !== undefined) {
    const q = obj(r.qr, 'qr');
    known(q, 'qr', ['homeCurrency', 'partners', 'verifyMerchants']);
    const homeCurrency = str(q, 'homeCurrency', 'qr');
    if (!/^\d{3}$/.test(homeCurrency)) bad('qr.homeCurrency', 'must be an ISO 4217 numeric code in quotes, e.g. "410"');
    const partners: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj(q.partners ?? {}, 'qr.partners'))) {
      if (typeof v !== 'string' || !partnerIds.has(v)) bad(`qr.partners.${k}`, `no partner has id "${String(v)}"`);
      partners[k] = v;
    }
    const verifyMerchants = strList(q, 'verifyMerchants', 'qr', ID, 'a partner id');
    verifyMerchants.forEach((v, i) => {
      const p = cfg.partners.find((x) => x.id === v);
      if (!p) bad(`qr.verifyMerchants[${i}]`, `no partner has id "${v}"`);
      if (p.protocol !== 'iso20022') bad(`qr.verifyMerchants[${i}]`, `partner ${v} does not speak ISO 20022 (acmt.023/024)`);
    });
    cfg.qr = { homeCurrency, partners, verifyMerchants };
  }
  for (const k of ['fx', 'fees'] as const) {
    if (r[k] === undefined) continue;
    try {
      if (k === 'fx') parseFxSection(r[k], 'fx');
      else parseFeeSection(r[k], 'fees');
    } catch (e) {
      if (e instanceof DariError) bad(k, e.message);
      throw e;
    }
    cfg[k] = obj(r[k], k);
  }
  if (r.fxFile !== undefined) cfg.fxFile = str(r, 'fxFile', '(top level)');
  const h = obj(r.hsm ?? {}, 'hsm');
  known(h, 'hsm', ['storeFile', 'masterKeyFile']);
  cfg.hsm = { storeFile: str(h, 'storeFile', 'hsm', './data/hsm-keys.json'), masterKeyFile: str(h, 'masterKeyFile', 'hsm', './data/hsm-master.key') };
  if (r.trustone !== undefined) {
    const t = obj(r.trustone, 'trustone');
    known(t, 'trustone', ['host', 'port', 'tls', 'sqlitePath', 'challengeTtlMs', 'replayWindowSeconds', 'participants', 'demo']);
    const tp = list(t.participants, 'trustone.participants').map((x, i) => {
      const k = `trustone.participants[${i}]`;
      const o = obj(x, k);
      known(o, k, ['id', 'secretFile']);
      const id = str(o, 'id', k);
      if (!ID.test(id)) bad(`${k}.id`, 'must be 1-32 letters, digits, _ . -');
      return { id, ...(o.secretFile !== undefined ? { secretFile: str(o, 'secretFile', k) } : {}) };
    });
    const tc: TrustOneConfig = {
      host: str(t, 'host', 'trustone', '127.0.0.1'), port: int(t, 'port', 'trustone', 9584, 0, 65535),
      sqlitePath: str(t, 'sqlitePath', 'trustone', './data/trustone.db'),
      challengeTtlMs: int(t, 'challengeTtlMs', 'trustone', 120000, 1000, 3600000),
      replayWindowSeconds: int(t, 'replayWindowSeconds', 'trustone', 300, 1, 3600),
      participants: tp, demo: bool(t, 'demo', 'trustone', false),
    };
    const tt = tls(t, 'trustone');
    if (tt) {
      if (!tt.cert || !tt.key) bad('trustone.tls', 'the TrustOne API needs cert and key');
      tc.tls = tt;
    }
    cfg.trustone = tc;
  }
  return deepFreeze(cfg);
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
