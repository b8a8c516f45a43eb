/**
 * Integration harness: a real Hub on loopback TCP (port 0) with its real journal (SQLite in a temp
 * folder, or PostgreSQL in a schema of its own), an external PartnerSimulator the test controls
 * (or the hub's built-in one), participant clients (Dari's Link, and an independent raw-socket
 * client with its own iso87ascii packer), and direct SQL reads of the journal through a separate
 * connection. Everything a test opens is closed by `TestHub.close()`.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { Iso8583Codec, loadDialect, type Iso8583Message } from '../../src/codec/iso8583';
import { validateConfig, type HubConfig } from '../../src/config/schema';
import type { JournalAdapter } from '../../src/journal';
import { Link } from '../../src/link';
import { PartnerSimulator, type PartnerOptions, type ReceivedMessage } from '../../src/sim';
import { Hub } from '../../src/switch/hub';

export const PG_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const PARTNER = 'P';
export const PARTICIPANT = 'ACQ';
export const PAN = '4761739001010119';
export const TRACK2 = `${PAN}=27122011758912345`;
export const TERMINAL = 'TERM0001';

export type JournalKind = 'sqlite' | 'postgres';

// ------------------------------------------------------------------------------------------------
// small helpers

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `ok` every 10 ms until it holds; reject with `what()` after `timeoutMs`. */
export async function waitFor(ok: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    if (await ok()) return;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(10);
  }
}

let stanSeq = 100000 + Math.floor(Math.random() * 800000);
export function nextStan(): string {
  stanSeq = stanSeq >= 999999 ? 1 : stanSeq + 1;
  return String(stanSeq).padStart(6, '0');
}

function transmissionNow(): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** A participant 0200 (purchase) with PAN and track 2; `amount` in minor units, its last two digits drive the partner simulator. */
export function financial(amount: number | string, o: { stan?: string; terminal?: string; mti?: string; extra?: Record<string, string> } = {}): Iso8583Message {
  const stan = o.stan ?? nextStan();
  return {
    mti: o.mti ?? '0200',
    fields: {
      '2': PAN,
      '3': '000000',
      '4': String(amount).padStart(12, '0'),
      '7': transmissionNow(),
      '11': stan,
      '12': '121500',
      '13': '1126',
      '22': '051',
      '32': '410001',
      '35': TRACK2,
      '37': `633012${stan}`,
      '41': o.terminal ?? TERMINAL,
      '42': 'DARIACQ00000001',
      '49': '410',
      ...o.extra,
    },
  };
}

/** A participant reversal (0420) of `original`, field 90 = original MTI, STAN, 7, 32, 33. */
export function reversalOf(original: Iso8583Message, o: { stan?: string; mti?: string } = {}): Iso8583Message {
  const f = original.fields;
  const de90 = original.mti + (f['11'] ?? '') + (f['7'] ?? '') + (f['32'] ?? '').padStart(11, '0') + '0'.repeat(11);
  const fields: Record<string, string> = { ...f, '11': o.stan ?? nextStan(), '7': transmissionNow(), '39': '17', '90': de90 };
  delete fields['35'];
  return { mti: o.mti ?? '0420', fields };
}

// ------------------------------------------------------------------------------------------------
// an independent ISO 8583:1987 ASCII packer (not Dari's codec): ASCII MTI, hex bitmaps, ASCII
// LL/LLL prefixes, binary fields as hex with the prefix counting bytes.

type Kind = 'n' | 'an' | 'ans' | 'z' | 'b';
const RAW_FIELDS: Record<number, [Kind, number, 0 | 2 | 3]> = {
  2: ['n', 19, 2], 3: ['n', 6, 0], 4: ['n', 12, 0], 5: ['n', 12, 0], 6: ['n', 12, 0], 7: ['n', 10, 0], 11: ['n', 6, 0],
  12: ['n', 6, 0], 13: ['n', 4, 0], 14: ['n', 4, 0], 19: ['n', 3, 0], 22: ['n', 3, 0], 25: ['n', 2, 0], 32: ['n', 11, 2],
  33: ['n', 11, 2], 35: ['z', 37, 2], 37: ['an', 12, 0], 38: ['an', 6, 0], 39: ['an', 2, 0], 41: ['ans', 8, 0],
  42: ['ans', 15, 0], 49: ['an', 3, 0], 54: ['ans', 120, 3], 55: ['b', 255, 3], 70: ['n', 3, 0], 90: ['n', 42, 0],
  100: ['n', 11, 2], 102: ['ans', 28, 2], 103: ['ans', 28, 2],
};

export function rawPack(msg: Iso8583Message): Buffer {
  const nums = Object.keys(msg.fields).map(Number).sort((a, b) => a - b);
  const bitmap = Buffer.alloc(nums.some((n) => n > 64) ? 16 : 8);
  if (bitmap.length === 16) bitmap[0] = (bitmap[0] as number) | 0x80;
  let body = '';
  for (const n of nums) {
    const spec = RAW_FIELDS[n];
    if (!spec) throw new Error(`raw packer: field ${n} not in its table`);
    const [kind, max, ll] = spec;
    const v = msg.fields[String(n)] as string;
    bitmap[(n - 1) >> 3] = (bitmap[(n - 1) >> 3] as number) | (0x80 >> ((n - 1) & 7));
    const len = kind === 'b' ? v.length / 2 : v.length;
    if (ll === 0) {
      if (len !== max) throw new Error(`raw packer: field ${n} must be ${max} long`);
      body += v;
    } else {
      if (len > max) throw new Error(`raw packer: field ${n} longer than ${max}`);
      body += String(len).padStart(ll, '0') + v;
    }
  }
  return Buffer.from(msg.mti + bitmap.toString('hex').toUpperCase() + body, 'latin1');
}

export function rawUnpack(buf: Buffer): Iso8583Message {
  const s = buf.toString('latin1');
  const mti = s.slice(0, 4);
  let pos = 4;
  let bits = Buffer.from(s.slice(pos, pos + 16), 'hex');
  pos += 16;
  if (((bits[0] as number) & 0x80) !== 0) {
    bits = Buffer.concat([bits, Buffer.from(s.slice(pos, pos + 16), 'hex')]);
    pos += 16;
  }
  const fields: Record<string, string> = {};
  for (let n = 2; n <= bits.length * 8; n++) {
    if (((bits[(n - 1) >> 3] as number) & (0x80 >> ((n - 1) & 7))) === 0) continue;
    const spec = RAW_FIELDS[n];
    if (!spec) throw new Error(`raw unpacker: field ${n} present in ${mti} but not in its table`);
    const [kind, max, ll] = spec;
    let len = max;
    if (ll > 0) {
      len = Number(s.slice(pos, pos + ll));
      pos += ll;
    }
    const chars = kind === 'b' ? len * 2 : len;
    fields[String(n)] = s.slice(pos, pos + chars);
    pos += chars;
  }
  if (pos !== s.length) throw new Error(`raw unpacker: ${s.length - pos} trailing bytes after ${mti}`);
  return { mti, fields };
}

/** One frame: 2-byte big-endian binary length + body. */
export function rawFrame(body: Buffer): Buffer {
  const h = Buffer.alloc(2);
  h.writeUInt16BE(body.length, 0);
  return Buffer.concat([h, body]);
}

/** A participant written with `node:net` only: frames by hand, packs and unpacks with the table above. */
export class RawParticipant {
  readonly answers: Iso8583Message[] = [];
  readonly closed: Promise<void>;
  isClosed = false;
  private pending = Buffer.alloc(0);

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 2) {
        const len = this.pending.readUInt16BE(0);
        if (this.pending.length < 2 + len) break;
        this.answers.push(rawUnpack(this.pending.subarray(2, 2 + len)));
        this.pending = this.pending.subarray(2 + len);
      }
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.isClosed = true;
      resolve();
    }));
  }

  static connect(port: number, localAddress?: string): Promise<RawParticipant> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RawParticipant(s));
      });
    });
  }

  /** All messages framed and written in ONE socket write. */
  send(...msgs: Iso8583Message[]): void {
    this.socket.write(Buffer.concat(msgs.map((m) => rawFrame(rawPack(m)))));
  }

  sendBytes(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  async waitFor(n: number, timeoutMs = 3000): Promise<Iso8583Message[]> {
    await waitFor(() => this.answers.length >= n, timeoutMs, () => `raw participant: ${this.answers.length} of ${n} answers`);
    return this.answers.slice(0, n);
  }

  /** The answer whose field 11 is `stan`. */
  async answerTo(stan: string, timeoutMs = 3000): Promise<Iso8583Message> {
    await waitFor(() => this.answers.some((a) => a.fields['11'] === stan), timeoutMs, () => `raw participant: no answer with STAN ${stan}`);
    return this.answers.find((a) => a.fields['11'] === stan) as Iso8583Message;
  }

  async waitForClose(timeoutMs = 3000): Promise<void> {
    await waitFor(() => this.isClosed, timeoutMs, () => 'raw participant: socket still open');
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

// ------------------------------------------------------------------------------------------------
// the hub under test

export interface HubSetup {
  journal?: JournalKind;
  /** Use the hub's built-in partner simulator instead of an external one. */
  builtinSimulator?: boolean;
  /** Start the external partner before the hub (default true). */
  partnerUp?: boolean;
  links?: number;
  requestTimeoutMs?: number;
  /** Participant `allow` list (default 127.0.0.1). */
  allow?: string[];
  /** Extra participants (raw config objects). */
  moreParticipants?: Record<string, unknown>[];
  metricsServer?: boolean;
  /** Options of the external partner simulator. */
  partner?: PartnerOptions;
  saf?: Record<string, number>;
  /** A `fees:` section (raw config). */
  fees?: Record<string, unknown>;
}

let schemaSeq = 0;
const SCHEMA_BASE = `dari_it_${process.pid}_${Date.now().toString(36)}`;

export async function pgQuery<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

export class TestHub {
  hub!: Hub;
  partner!: PartnerSimulator;
  readonly dir: string;
  readonly config: HubConfig;
  readonly logs: string[] = [];
  readonly schema: string | undefined;
  private readonly links: Link[] = [];
  private readonly raws: RawParticipant[] = [];
  private external: PartnerSimulator | undefined;

  private constructor(readonly setup: HubSetup, partnerPort: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'dari-it-'));
    if (setup.journal === 'postgres') this.schema = `${SCHEMA_BASE}_${++schemaSeq}`;
    const partner: Record<string, unknown> = {
      id: PARTNER, dialect: 'iso87ascii', framing: { lengthHeader: 'binary2' }, links: setup.links ?? 1,
      requestTimeoutMs: setup.requestTimeoutMs ?? 400, signOn: true, echoIntervalMs: 0, standInResponseCode: '91', timeoutResponseCode: '68',
    };
    if (setup.builtinSimulator) partner['simulator'] = true;
    else partner['endpoints'] = [{ host: '127.0.0.1', port: partnerPort }];
    this.config = validateConfig({
      node: { id: 'it-node' },
      listener: { host: '127.0.0.1', port: 0 },
      metrics: { host: '127.0.0.1', port: 0 },
      journal: { sqlitePath: join(this.dir, 'dari.db'), dataKeyFile: join(this.dir, 'data.key'), dedupeWindowSeconds: 300 },
      saf: { retryBaseMs: 50, retryMaxMs: 200, maxAttempts: 50, pollMs: 50, ...setup.saf },
      participants: [
        { id: PARTICIPANT, dialect: 'iso87ascii', framing: { lengthHeader: 'binary2' }, allow: setup.allow ?? ['127.0.0.1'] },
        ...(setup.moreParticipants ?? []),
      ],
      partners: [partner],
      routes: [],
      defaultRoute: PARTNER,
      ...(setup.fees ? { fees: setup.fees } : {}),
    });
  }

  /** An external partner simulator (timeout hint = the hub's request timeout, late answers 150 ms after it), then the hub. */
  static async start(setup: HubSetup = {}): Promise<TestHub> {
    let external: PartnerSimulator | undefined;
    if (!setup.builtinSimulator) {
      external = new PartnerSimulator({ timeoutHintMs: setup.requestTimeoutMs ?? 400, lateByMs: 150, ...setup.partner });
      await external.start(); // binds a port even when the test wants it down: the hub is given a real, refusing port
      if (setup.partnerUp === false) await external.stop();
    }
    const t = new TestHub(setup, external?.port ?? 0);
    t.external = external;
    try {
      await t.startHub();
    } catch (e) {
      await t.close();
      throw e;
    }
    return t;
  }

  private async startHub(): Promise<void> {
    const hub = new Hub(this.config, {
      databaseUrl: this.setup.journal === 'postgres' ? PG_URL : '',
      ...(this.schema ? { schema: this.schema } : {}),
      env: {},
      metricsServer: this.setup.metricsServer === true,
      log: (l) => this.logs.push(l),
    });
    this.hub = hub;
    try {
      await hub.start();
    } catch (e) {
      await hub.stop().catch(() => undefined);
      throw e;
    }
    this.partner = this.external ?? (hub.simulators.get(PARTNER) as PartnerSimulator);
    if (this.partner.listening) await this.linksReady();
  }

  /** Stop this hub and start a new one on the same journal (file or schema) and data key. */
  async restart(): Promise<void> {
    await this.closeClients();
    await this.hub.stop();
    await this.startHub();
  }

  get journal(): JournalAdapter {
    return this.hub.journal as JournalAdapter;
  }

  get port(): number {
    return this.hub.ports.listener;
  }

  async linksReady(timeoutMs = 5000): Promise<void> {
    const pool = this.hub.pools.get(PARTNER);
    assert.ok(pool);
    await waitFor(() => pool.links.every((l) => l.ready), timeoutMs, () => `partner links: ${pool.links.map((l) => `${l.id} ${l.state}`).join(', ')}`);
  }

  async linksDown(timeoutMs = 3000): Promise<void> {
    const pool = this.hub.pools.get(PARTNER);
    assert.ok(pool);
    await waitFor(() => pool.links.every((l) => !l.ready), timeoutMs, () => `partner links still up: ${pool.links.map((l) => `${l.id} ${l.state}`).join(', ')}`);
  }

  /** A participant client built with Dari's Link (no sign-on), connected and ready. */
  async participant(): Promise<Link> {
    const link = new Link({
      role: 'client', id: `it-participant-${this.links.length + 1}`, host: '127.0.0.1', port: this.port,
      codec: new Iso8583Codec(loadDialect('iso87ascii')), framing: { lengthHeader: 'binary2' },
      requestTimeoutMs: 3000, reconnectBaseMs: 50, reconnectMaxMs: 200, closeTimeoutMs: 200,
    });
    this.links.push(link);
    link.start();
    await waitFor(() => link.ready, 3000, () => `participant link is ${link.state}`);
    return link;
  }

  async raw(localAddress?: string): Promise<RawParticipant> {
    const r = await RawParticipant.connect(this.port, localAddress);
    this.raws.push(r);
    return r;
  }

  /**
   * Rows through a separate database connection (not the hub's journal object). `{s}` stands for
   * the schema prefix, `?` for parameters.
   */
  async sql<T extends Record<string, unknown> = Record<string, unknown>>(query: string, params: unknown[] = []): Promise<T[]> {
    if (this.schema) {
      let i = 0;
      return pgQuery<T>(query.replace(/\{s\}/g, `"${this.schema}".`).replace(/\?/g, () => `$${++i}`), params);
    }
    const db = new Database(this.config.journal.sqlitePath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(query.replace(/\{s\}/g, '')).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  /** The transaction rows of this participant with field 11 = `stan` (normally one). */
  txnRows(stan: string, mti = '0200'): Promise<Array<Record<string, unknown>>> {
    return this.sql('SELECT * FROM {s}transactions WHERE participant = ? AND stan = ? AND mti = ?', [PARTICIPANT, stan, mti]);
  }

  async txn(stan: string, mti = '0200'): Promise<Record<string, unknown>> {
    const rows = await this.txnRows(stan, mti);
    assert.equal(rows.length, 1, `one ${mti} row for STAN ${stan}, got ${rows.length}`);
    return rows[0] as Record<string, unknown>;
  }

  async states(txnId: string): Promise<string[]> {
    return (await this.journal.history(txnId)).map((e) => e.state);
  }

  /** Wait until the transaction with this STAN is in `state`. */
  async waitState(stan: string, state: string, timeoutMs = 5000, mti = '0200'): Promise<Record<string, unknown>> {
    let last = '';
    await waitFor(async () => {
      const rows = await this.txnRows(stan, mti);
      last = String(rows[0]?.['state'] ?? '(none)');
      return last === state;
    }, timeoutMs, () => `transaction ${stan} is ${last}, not ${state}`);
    return this.txn(stan, mti);
  }

  /** The partner's received requests with this MTI. */
  partnerGot(mti: string): ReceivedMessage[] {
    return this.partner.received.filter((m) => m.mti === mti);
  }

  /** Wait for the SAF entry of a transaction to reach `status`. */
  async waitSaf(txnId: string, status: 'pending' | 'done' | 'flagged', timeoutMs = 5000): Promise<void> {
    let seen = '';
    await waitFor(async () => {
      const e = await this.journal.safByTxn(txnId);
      seen = e.map((x) => `${x.status}/${x.attempts}/${x.lastResult ?? ''}`).join(', ');
      return e.length > 0 && e.every((x) => x.status === status);
    }, timeoutMs, () => `SAF entries of ${txnId}: [${seen}], want ${status}`);
  }

  metricsText(): Promise<string> {
    return this.hub.metrics.registry.metrics();
  }

  private async closeClients(): Promise<void> {
    await Promise.all(this.links.splice(0).map((l) => l.close()));
    await Promise.all(this.raws.splice(0).map((r) => r.close()));
  }

  async close(): Promise<void> {
    await this.closeClients();
    await this.hub?.stop().catch(() => undefined);
    await this.external?.stop();
    rmSync(this.dir, { recursive: true, force: true });
    if (this.schema) await pgQuery(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`).catch(() => undefined);
  }
}

/** Sample value of `name{labels}` in a Prometheus exposition (0 when absent). */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = parseLabels(m[3] ?? '');
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) {
      total += Number(m[4]);
      found = true;
    }
  }
  return found ? total : 0;
}

export function parseLabels(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s)) !== null) {
    out[m[1] as string] = (m[2] as string).replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    pos = re.lastIndex;
  }
  if (pos !== s.length) throw new Error(`bad label set: {${s}}`);
  return out;
}
