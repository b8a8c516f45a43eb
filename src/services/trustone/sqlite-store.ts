/**
 * TrustOneStore on SQLite (better-sqlite3): the embedded default, its own file beside the journal
 * (default `./data/trustone.db`).
 *
 * Card taps are rare next to switched transactions, so the connection runs inline (no worker
 * thread) and every write commits on its own with `synchronous=FULL`: a challenge marked used or
 * an ATC moved forward survives a crash before the answer leaves. WAL mode lets several processes
 * share the file; each compare-and-set is one statement, atomic under SQLite's write lock, and
 * `busyTimeoutMs` bounds the wait for that lock.
 *
 * The SQL stays within what PostgreSQL also runs (UPSERT with a WHERE, UPDATE ... RETURNING), so a
 * shared-database adapter is a translation of placeholders, not of logic.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DariError, isDariError } from '../../errors';
import { isCvnId } from '../../security/hsm/emv';
import type {
  Attempt, CardRegistration, Challenge, ConsumeResult, IdempotencyClaim, StoredResponse, TrustOneStore,
} from './store';

export interface SqliteTrustOneStoreOptions {
  /** Database file (its folder is created), or ':memory:' for a private in-process database. */
  path: string;
  /** How long a write waits for another process holding the write lock (default 5000 ms). */
  busyTimeoutMs?: number;
}

/** Schema versions, applied in order and recorded in PRAGMA user_version. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE trustone_cards (
     card_id TEXT PRIMARY KEY,
     participant TEXT NOT NULL,
     device_id TEXT NOT NULL,
     pan_hash TEXT NOT NULL,
     masked_pan TEXT NOT NULL,
     psn TEXT NOT NULL,
     issuer_key_id TEXT NOT NULL,
     scheme TEXT NOT NULL,
     cvn TEXT NOT NULL,
     registered_at INTEGER NOT NULL,
     UNIQUE (participant, device_id, pan_hash, psn)
   );
   CREATE TABLE trustone_challenges (
     challenge_id TEXT PRIMARY KEY,
     participant TEXT NOT NULL,
     card_id TEXT NOT NULL,
     un TEXT NOT NULL,
     amount INTEGER NOT NULL,
     currency TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     used_at INTEGER
   );
   CREATE INDEX trustone_challenges_expiry ON trustone_challenges (expires_at);
   CREATE TABLE trustone_atc (
     card_key TEXT PRIMARY KEY,
     atc INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE trustone_attempts (
     seq INTEGER PRIMARY KEY,
     verification_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     participant TEXT NOT NULL,
     channel TEXT NOT NULL,
     card_id TEXT,
     challenge_id TEXT,
     result TEXT NOT NULL,
     reason TEXT,
     atc INTEGER
   );
   CREATE INDEX trustone_attempts_participant ON trustone_attempts (participant, seq);
   CREATE TABLE trustone_idempotency (
     participant TEXT NOT NULL,
     idem_key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     status INTEGER,
     body TEXT,
     PRIMARY KEY (participant, idem_key)
   );
   CREATE INDEX trustone_idempotency_created ON trustone_idempotency (created_at);`,
];

interface CardRow {
  card_id: string; participant: string; device_id: string; pan_hash: string; masked_pan: string; psn: string;
  issuer_key_id: string; scheme: string; cvn: string; registered_at: number;
}
interface ChallengeRow {
  challenge_id: string; participant: string; card_id: string; un: string; amount: number; currency: string;
  created_at: number; expires_at: number; used_at: number | null;
}
interface AttemptRow {
  verification_id: string; at: number; participant: string; channel: string; card_id: string | null;
  challenge_id: string | null; result: string; reason: string | null; atc: number | null;
}

function toCard(r: CardRow): CardRegistration {
  if (!isCvnId(r.cvn) || (r.scheme !== 'visa' && r.scheme !== 'mastercard')) {
    throw new DariError('DARI_TRUSTONE_STORE_UNAVAILABLE', `card ${r.card_id}: stored scheme or CVN is not one Dari knows`);
  }
  return {
    cardId: r.card_id, participant: r.participant, deviceId: r.device_id, panHash: r.pan_hash, maskedPan: r.masked_pan,
    psn: r.psn, issuerKeyId: r.issuer_key_id, scheme: r.scheme, cvn: r.cvn, registeredAt: r.registered_at,
  };
}

function toChallenge(r: ChallengeRow): Challenge {
  const c: Challenge = {
    challengeId: r.challenge_id, participant: r.participant, cardId: r.card_id, un: r.un, amount: r.amount,
    currency: r.currency, createdAt: r.created_at, expiresAt: r.expires_at,
  };
  if (r.used_at !== null) c.usedAt = r.used_at;
  return c;
}

function toAttempt(r: AttemptRow): Attempt {
  const a: Attempt = {
    verificationId: r.verification_id, at: r.at, participant: r.participant, channel: r.channel === 'iso8583' ? 'iso8583' : 'http',
    result: r.result === 'approved' ? 'approved' : 'declined',
  };
  if (r.card_id !== null) a.cardId = r.card_id;
  if (r.challenge_id !== null) a.challengeId = r.challenge_id;
  if (r.reason !== null) a.reason = r.reason;
  if (r.atc !== null) a.atc = r.atc;
  return a;
}

/** Run a database call; any failure that is not already coded becomes DARI_TRUSTONE_STORE_UNAVAILABLE. */
function guarded<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isDariError(e)) throw e;
    throw new DariError('DARI_TRUSTONE_STORE_UNAVAILABLE', `trustone store: ${what} failed (${(e as Error).message})`);
  }
}

export class SqliteTrustOneStore implements TrustOneStore {
  private db: Database.Database | undefined;
  private readonly options: Readonly<SqliteTrustOneStoreOptions>;

  constructor(options: SqliteTrustOneStoreOptions) {
    this.options = Object.freeze({ ...options });
  }

  private get conn(): Database.Database {
    if (!this.db) throw new DariError('DARI_TRUSTONE_STORE_UNAVAILABLE', 'trustone store: not open (call init first)');
    return this.db;
  }

  /** Statements prepared once per connection, by their SQL text. */
  private readonly statements = new Map<string, Database.Statement>();

  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.conn.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  async init(): Promise<void> {
    if (this.db) return;
    const { path } = this.options;
    const db = guarded(`opening ${path}`, () => {
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      return new Database(path);
    });
    try {
      guarded('configuring the connection', () => {
        db.pragma(`busy_timeout = ${Math.trunc(this.options.busyTimeoutMs ?? 5000)}`);
        if (path !== ':memory:') db.pragma('journal_mode = WAL');
        db.pragma('synchronous = FULL');
      });
      guarded('migrating the schema', () => {
        // IMMEDIATE: two processes opening a new file at once must not both apply version 1.
        db.transaction(() => {
          const version = db.pragma('user_version', { simple: true }) as number;
          if (version > MIGRATIONS.length) {
            throw new DariError('DARI_TRUSTONE_STORE_UNAVAILABLE', `trustone store: schema version ${version} is newer than this Dari (${MIGRATIONS.length})`);
          }
          for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v] as string);
          db.pragma(`user_version = ${MIGRATIONS.length}`);
        }).immediate();
      });
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  async addCard(card: CardRegistration): Promise<{ added: true } | { added: false; existing: CardRegistration }> {
    return guarded('adding a card', () => {
      const inserted = this.stmt(
        `INSERT INTO trustone_cards (card_id, participant, device_id, pan_hash, masked_pan, psn, issuer_key_id, scheme, cvn, registered_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (participant, device_id, pan_hash, psn) DO NOTHING`,
      ).run(card.cardId, card.participant, card.deviceId, card.panHash, card.maskedPan, card.psn, card.issuerKeyId, card.scheme, card.cvn, card.registeredAt);
      if (inserted.changes === 1) return { added: true } as const;
      const row = this.stmt('SELECT * FROM trustone_cards WHERE participant = ? AND device_id = ? AND pan_hash = ? AND psn = ?')
        .get(card.participant, card.deviceId, card.panHash, card.psn) as CardRow | undefined;
      if (!row) throw new DariError('DARI_TRUSTONE_STORE_UNAVAILABLE', 'trustone store: a conflicting card registration vanished');
      return { added: false, existing: toCard(row) } as const;
    });
  }

  async getCard(participant: string, cardId: string): Promise<CardRegistration | undefined> {
    return guarded('reading a card', () => {
      const row = this.stmt('SELECT * FROM trustone_cards WHERE card_id = ? AND participant = ?').get(cardId, participant) as CardRow | undefined;
      return row && toCard(row);
    });
  }

  async addChallenge(c: Challenge): Promise<void> {
    guarded('adding a challenge', () => {
      this.stmt(
        `INSERT INTO trustone_challenges (challenge_id, participant, card_id, un, amount, currency, created_at, expires_at, used_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(c.challengeId, c.participant, c.cardId, c.un, c.amount, c.currency, c.createdAt, c.expiresAt, c.usedAt ?? null);
    });
  }

  async consumeChallenge(participant: string, challengeId: string, at: number): Promise<ConsumeResult> {
    return guarded('consuming a challenge', () => {
      const won = this.stmt('UPDATE trustone_challenges SET used_at = ? WHERE challenge_id = ? AND participant = ? AND used_at IS NULL RETURNING *')
        .get(at, challengeId, participant) as ChallengeRow | undefined;
      if (won) return { status: 'consumed', challenge: toChallenge(won) } as const;
      const row = this.stmt('SELECT * FROM trustone_challenges WHERE challenge_id = ? AND participant = ?').get(challengeId, participant) as ChallengeRow | undefined;
      return row ? { status: 'used', challenge: toChallenge(row) } as const : { status: 'unknown' } as const;
    });
  }

  async advanceAtc(cardKey: string, atc: number, at: number): Promise<{ advanced: boolean; previous?: number }> {
    return guarded('moving an ATC forward', () => {
      // One statement decides: a row that does not exist is created, one whose ATC is lower is
      // raised, anything else is left alone (changes = 0). The read before it only reports.
      const before = this.stmt('SELECT atc FROM trustone_atc WHERE card_key = ?').get(cardKey) as { atc: number } | undefined;
      const r = this.stmt(
        `INSERT INTO trustone_atc (card_key, atc, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (card_key) DO UPDATE SET atc = excluded.atc, updated_at = excluded.updated_at WHERE trustone_atc.atc < excluded.atc`,
      ).run(cardKey, atc, at);
      return before === undefined ? { advanced: r.changes === 1 } : { advanced: r.changes === 1, previous: before.atc };
    });
  }

  async logAttempt(a: Attempt): Promise<void> {
    guarded('journaling an attempt', () => {
      this.stmt(
        `INSERT INTO trustone_attempts (verification_id, at, participant, channel, card_id, challenge_id, result, reason, atc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(a.verificationId, a.at, a.participant, a.channel, a.cardId ?? null, a.challengeId ?? null, a.result, a.reason ?? null, a.atc ?? null);
    });
  }

  async attempts(participant: string, limit: number): Promise<Attempt[]> {
    return guarded('reading attempts', () => (this.stmt('SELECT * FROM trustone_attempts WHERE participant = ? ORDER BY seq DESC LIMIT ?')
      .all(participant, Math.max(0, Math.trunc(limit))) as AttemptRow[]).map(toAttempt));
  }

  async claimIdempotency(participant: string, key: string, fingerprint: string, at: number): Promise<IdempotencyClaim> {
    return guarded('claiming an idempotency key', () => {
      const r = this.stmt(
        `INSERT INTO trustone_idempotency (participant, idem_key, fingerprint, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (participant, idem_key) DO NOTHING`,
      ).run(participant, key, fingerprint, at);
      if (r.changes === 1) return { status: 'claimed' } as const;
      const row = this.stmt('SELECT fingerprint, status, body FROM trustone_idempotency WHERE participant = ? AND idem_key = ?')
        .get(participant, key) as { fingerprint: string; status: number | null; body: string | null } | undefined;
      // Released between our insert and this read: the caller may simply retry; report it as running.
      if (!row) return { status: 'exists', fingerprint } as const;
      return row.status === null || row.body === null
        ? { status: 'exists', fingerprint: row.fingerprint } as const
        : { status: 'exists', fingerprint: row.fingerprint, response: { status: row.status, body: row.body } } as const;
    });
  }

  async completeIdempotency(participant: string, key: string, response: StoredResponse): Promise<void> {
    guarded('recording an idempotent answer', () => {
      this.stmt('UPDATE trustone_idempotency SET status = ?, body = ? WHERE participant = ? AND idem_key = ?').run(response.status, response.body, participant, key);
    });
  }

  async releaseIdempotency(participant: string, key: string): Promise<void> {
    guarded('releasing an idempotency key', () => {
      this.stmt('DELETE FROM trustone_idempotency WHERE participant = ? AND idem_key = ? AND status IS NULL').run(participant, key);
    });
  }

  async prune(challengesBefore: number, idempotencyBefore: number): Promise<void> {
    guarded('pruning', () => {
      this.stmt('DELETE FROM trustone_challenges WHERE expires_at < ?').run(challengesBefore);
      this.stmt('DELETE FROM trustone_idempotency WHERE created_at < ?').run(idempotencyBefore);
    });
  }
}
