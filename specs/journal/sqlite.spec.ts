import { strict as assert } from 'node:assert';
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openJournal, SqliteJournal, MIGRATIONS, type Migration } from '../../src/journal';
import { migrateSqlite } from '../../src/journal/migrations';
import { journalContract, rejectsCoded, uid, writeThenKill } from './journal-contract';

const dir = mkdtempSync(join(tmpdir(), 'dari-journal-'));
const fileOf = (store: string): string => join(dir, store, 'journal.db');

describe('SQLite journal', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  journalContract(
    'SQLite (worker thread)',
    (store = 'main') => new SqliteJournal({ path: fileOf(store) }),
    async () => undefined,
  );

  journalContract(
    'SQLite (inline)',
    (store = 'main') => new SqliteJournal({ path: fileOf(`inline-${store}`), thread: 'inline' }),
    async () => undefined,
  );

  describe('adapter', () => {
    it('creates the folder and uses WAL mode', async () => {
      const path = join(dir, 'nested', 'deeper', 'j.db');
      const j = new SqliteJournal({ path });
      await j.init();
      await j.record({ id: 't1', state: 'received', at: 1, participant: 'P', mti: '0200' });
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
        assert.deepEqual(raw.prepare('SELECT txn_id, state, state_at FROM txn_events').all(), [{ txn_id: 't1', state: 'received', state_at: 1 }]);
      } finally {
        raw.close();
        await j.close();
      }
    });

    it('a write whose promise resolved survives SIGKILL of the writing process', async function () {
      this.timeout(20000);
      const path = fileOf('killed');
      const ids = await writeThenKill(`new J.SqliteJournal({ path: ${JSON.stringify(path)} })`, 300);
      const j = new SqliteJournal({ path });
      await j.init();
      try {
        const got = await Promise.all(ids.map((id) => j.get(id)));
        assert.equal(got.filter((r) => r?.state === 'answered').length, 300);
      } finally {
        await j.close();
      }
    });

    it('a file that cannot be opened is DARI_JOURNAL_UNAVAILABLE (worker and inline)', async () => {
      const blocker = join(dir, 'a-file');
      writeFileSync(blocker, 'not a folder');
      const garbage = join(dir, 'garbage.db');
      writeFileSync(garbage, Buffer.alloc(4096, 0x5a));
      for (const thread of ['worker', 'inline'] as const) {
        await rejectsCoded(new SqliteJournal({ path: join(blocker, 'j.db'), thread }).init(), 'DARI_JOURNAL_UNAVAILABLE', /cannot open/);
        await rejectsCoded(new SqliteJournal({ path: garbage, thread }).init(), 'DARI_JOURNAL_UNAVAILABLE', /not a database/);
      }
    });

    it('a failing migration is DARI_JOURNAL_MIGRATION_FAILED naming its version, and is not recorded', async () => {
      const path = fileOf('bad-migration');
      const broken: Migration[] = [...MIGRATIONS, { version: 99, name: 'broken', sqlite: ['CREATE TABLE ok4 (a INTEGER)', 'CREATE TABLE nonsense ('], postgres: [] }];
      await rejectsCoded(new SqliteJournal({ path, migrations: broken }).init(), 'DARI_JOURNAL_MIGRATION_FAILED', /migration 99 \(broken\)/);
      const j = new SqliteJournal({ path });
      await j.init();
      try {
        assert.deepEqual(
          (await j.appliedMigrations()).map((m) => m.version),
          MIGRATIONS.map((m) => m.version),
        );
      } finally {
        await j.close();
      }
      const raw = new Database(path, { readonly: true });
      try {
        assert.equal((raw.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'ok4'").get() as { n: number }).n, 0, 'the migration rolled back whole');
      } finally {
        raw.close();
      }
    });

    it('a journal of schema version 3 is upgraded in place: old rows kept, sealed requests stored and cleared', async () => {
      const path = fileOf('upgrade3');
      const t = { id: uid('old'), state: 'received' as const, at: 10, participant: 'P', mti: '0200', originalKey: 'ok-old' };
      mkdirSync(dirname(path), { recursive: true });
      const old = new Database(path);
      old.pragma('journal_mode = WAL');
      migrateSqlite(old, MIGRATIONS.filter((m) => m.version <= 3));
      old
        .prepare('INSERT INTO transactions (id, state, state_at, created_at, participant, mti, original_key) VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(t.id, t.state, t.at, t.at, t.participant, t.mti, t.originalKey);
      old.close();
      const j = new SqliteJournal({ path });
      await j.init();
      try {
        assert.deepEqual(
          (await j.appliedMigrations()).map((m) => m.version),
          MIGRATIONS.map((m) => m.version),
        );
        assert.deepEqual(await j.get(t.id), t);
        assert.deepEqual(await j.inFlightBefore(11, 10), [{ record: t, sealedRequest: undefined }]);
        await j.begin({ ...t, state: 'forwarded', at: 12 }, { sealedRequest: Buffer.from('sealed') });
        const column = (): unknown => {
          const raw = new Database(path, { readonly: true });
          try {
            return (raw.prepare('SELECT request_sealed FROM transactions WHERE id = ?').get(t.id) as { request_sealed: unknown }).request_sealed;
          } finally {
            raw.close();
          }
        };
        assert.deepEqual(column(), Buffer.from('sealed'));
        await j.complete({ ...t, state: 'answered', at: 13, responseCode: '00' }, {});
        assert.equal(column(), null, 'complete set request_sealed to NULL');
        assert.deepEqual(await j.inFlightBefore(100, 10), []);
      } finally {
        await j.close();
      }
    });

    it('openJournal without a database URL opens SQLite (in a worker thread unless told otherwise)', () => {
      const j = openJournal({ sqlitePath: join(dir, 'open.db') });
      assert.ok(j instanceof SqliteJournal);
      assert.equal(j.thread, 'worker');
      assert.ok(openJournal({ databaseUrl: '', sqlitePath: join(dir, 'open.db') }) instanceof SqliteJournal);
      assert.equal((openJournal({ sqlitePath: join(dir, 'open.db'), sqliteThread: 'inline' }) as SqliteJournal).thread, 'inline');
    });
  });

  describe('background checkpointer', () => {
    const walPages = (path: string): number => {
      try {
        return Math.round((statSync(`${path}-wal`).size - 32) / (4096 + 24));
      } catch {
        return 0;
      }
    };
    /** The WAL header's checkpoint sequence number: how many times the WAL started over. */
    const walRestarts = (path: string): number => {
      const header = Buffer.alloc(32);
      const fd = openSync(`${path}-wal`, 'r');
      try {
        readSync(fd, header, 0, 32, 0);
      } finally {
        closeSync(fd);
      }
      return header.readUInt32BE(12);
    };
    const fill = async (j: SqliteJournal, n: number): Promise<string[]> => {
      const ids = Array.from({ length: n }, () => uid('ck'));
      for (let i = 0; i < ids.length; i += 50) {
        await Promise.all(
          ids.slice(i, i + 50).map((id) => j.begin({ id, state: 'forwarded', at: 1, participant: 'P', mti: '0200', detail: { pad: 'x'.repeat(300) } }, { sealedRequest: Buffer.alloc(400, 7) })),
        );
      }
      return ids;
    };

    /** WAL-index header (the -shm file): frames in the WAL, and how many are in the database file. */
    const walIndex = (path: string): { frames: number; copied: number } => {
      const b = readFileSync(`${path}-shm`).subarray(0, 136);
      return { frames: b.readUInt32LE(16), copied: b.readUInt32LE(96) };
    };
    const waitFor = async (what: string, check: () => boolean): Promise<void> => {
      const until = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    for (const thread of ['worker', 'inline'] as const) {
      it(`runs beside the ${thread} writer: copies the WAL, has it start over, stops with the journal`, async function () {
        this.timeout(30000);
        const path = fileOf(`checkpointer-${thread}`);
        const j = new SqliteJournal({ path, thread, tuning: { walAutocheckpointPages: 256, checkpointIntervalMs: 2 } });
        await j.init();
        const checkpointer = j.checkpointerWorker;
        assert.ok(checkpointer, 'a checkpointer thread runs');
        const exited = new Promise<number>((res) => checkpointer.once('exit', res));
        // Below the target: the writer leaves the WAL alone, the checkpointer copies all of it.
        await fill(j, 60);
        assert.ok(walIndex(path).frames > 0 && walIndex(path).frames < 256, JSON.stringify(walIndex(path)));
        await waitFor('the checkpointer to copy the WAL', () => walIndex(path).copied === walIndex(path).frames);
        // Past it: the WAL starts over again and again (the writer alone would wait for 4 x 256 pages).
        const ids = await fill(j, 3000);
        assert.ok(walRestarts(path) >= 2, `the WAL started over ${walRestarts(path)} times`);
        const got = await Promise.all([ids[0]!, ids[1500]!, ids[2999]!].map((id) => j.get(id)));
        assert.ok(got.every((r) => r?.state === 'forwarded'));
        await j.close();
        await exited;
        const raw = new Database(path, { readonly: true });
        try {
          assert.equal((raw.prepare('SELECT COUNT(*) AS n FROM transactions WHERE id LIKE ?').get('ck-%') as { n: number }).n, 3060);
          assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
        } finally {
          raw.close();
        }
      });
    }

    it('checkpointIntervalMs: 0 runs none (the writer checkpoints alone)', async () => {
      const path = fileOf('no-checkpointer');
      const j = new SqliteJournal({ path, tuning: { walAutocheckpointPages: 256, checkpointIntervalMs: 0 } });
      await j.init();
      try {
        assert.equal(j.checkpointerWorker, null);
        await fill(j, 1000);
        assert.ok(walPages(path) < 400, `WAL of ${walPages(path)} pages`);
      } finally {
        await j.close();
      }
    });
  });

  describe('worker thread', () => {
    const t = (id = uid('w')): { id: string; state: 'received'; at: number; participant: string; mti: string } => ({ id, state: 'received', at: 1, participant: 'P', mti: '0200' });

    it('better-sqlite3 runs in a worker thread by default; close terminates it', async () => {
      const j = new SqliteJournal({ path: fileOf('worker-close') });
      assert.equal(j.thread, 'worker');
      await j.init();
      const worker = j.worker;
      assert.ok(worker, 'a worker thread is running');
      assert.notEqual(worker.threadId, 0);
      const exited = new Promise<number>((res) => worker.once('exit', res));
      await j.record(t());
      await j.close();
      await exited;
      assert.equal(j.worker, null);
    });

    it('the inline mode commits without fsync (synchronous=NORMAL) and reports a write only after the log is synced', async () => {
      const path = fileOf('inline-sync');
      const j = new SqliteJournal({ path, thread: 'inline' });
      await j.init();
      const raw = new Database(path, { readonly: true });
      try {
        await j.record(t());
        // The writer connection's own setting, read through the journal's backend.
        const backend = (j as unknown as { backend: { core: { db: Database.Database }; wal: number | null } }).backend;
        assert.equal(backend.core.db.pragma('synchronous', { simple: true }), 1, 'NORMAL: COMMIT does not fsync');
        assert.equal(typeof backend.wal, 'number', 'the log is open for fdatasync');
        // The log can no longer be synced: the next write must fail, not be reported written.
        closeSync(backend.wal as number);
        const lost = t();
        await rejectsCoded(j.record(lost), 'DARI_JOURNAL_UNAVAILABLE');
        // (SQLite did commit it: only its durability is unknown, and the caller was told so.)
        assert.equal((raw.prepare('SELECT count(*) AS n FROM transactions WHERE id = ?').get(lost.id) as { n: number }).n, 1);
        // And the journal stops there: no later write or read is served until a restart.
        await rejectsCoded(j.record(t()), 'DARI_JOURNAL_UNAVAILABLE');
        await rejectsCoded(j.get(lost.id), 'DARI_JOURNAL_UNAVAILABLE');
      } finally {
        raw.close();
        const backend = (j as unknown as { backend: { wal: number | null } }).backend;
        backend.wal = null; // already closed above
        await j.close();
      }
    });

    it('the inline mode never lets a read see a write whose log sync has not finished', async () => {
      const j = new SqliteJournal({ path: fileOf('inline-visibility'), thread: 'inline' });
      await j.init();
      try {
        for (let round = 0; round < 20; round++) {
          const first = j.record(t());
          await new Promise((r) => setImmediate(r)); // the first batch has committed; its sync runs
          const later = t();
          const read = j.get(later.id); // waits for the first batch
          let durable = false;
          const written = j.record(later).then(() => { durable = true; });
          const seen = await read;
          assert.ok(seen === undefined || durable, `round ${round}: the read saw ${later.id} before it was reported durable`);
          await Promise.all([first, written]);
        }
      } finally {
        await j.close();
      }
    });

    it('the inline mode syncs the log of the real file when the database path is a symbolic link', async () => {
      const real = fileOf('inline-real');
      const linkDir = join(dir, 'inline-link');
      mkdirSync(dirname(real), { recursive: true });
      mkdirSync(linkDir, { recursive: true });
      const link = join(linkDir, 'journal.db');
      symlinkSync(real, link);
      writeFileSync(`${link}-wal`, ''); // a stray log beside the link must not be the one synced
      const j = new SqliteJournal({ path: link, thread: 'inline' });
      await j.init();
      try {
        await j.record(t());
        const fd = (j as unknown as { backend: { wal: number } }).backend.wal;
        assert.equal(fstatSync(fd).ino, statSync(`${real}-wal`).ino, 'the synced log is the real file\'s');
        assert.ok(statSync(`${real}-wal`).size > 0);
      } finally {
        await j.close();
      }
    });

    it('the inline mode has no worker thread', async () => {
      const j = new SqliteJournal({ path: fileOf('inline-mode'), thread: 'inline' });
      await j.init();
      try {
        assert.equal(j.worker, null);
        await j.record(t());
      } finally {
        await j.close();
      }
    });

    it('an idle worker does not keep the process alive', async function () {
      this.timeout(20000);
      const { spawnSync } = await import('node:child_process');
      const mod = join(__dirname, '..', '..', 'src', 'journal', 'index.js');
      const source = `
        const J = require(${JSON.stringify(mod)});
        const j = new J.SqliteJournal({ path: ${JSON.stringify(fileOf('idle-exit'))} });
        j.init().then(() => j.record({ id: 'x', state: 'received', at: 1, participant: 'P', mti: '0200' })).then(() => console.log('written'));
      `;
      const r = spawnSync(process.execPath, ['-e', source], { encoding: 'utf8', timeout: 15000 });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'written\n', 'the write completed (a pending request keeps the process alive) and the process then exited');
    });

    it('a crashed worker rejects what it had with DARI_JOURNAL_UNAVAILABLE; the next request starts a new one', async () => {
      const j = new SqliteJournal({ path: fileOf('worker-crash') });
      await j.init();
      try {
        const before = t();
        await j.record(before);
        const first = j.worker!;
        j.crashWorkerForTest(150);
        // Posted to the worker while it is stuck, so never served.
        const lost = j.record(t());
        const claim = j.claimDedupe(uid('k'), 'T', 1000, 1);
        await rejectsCoded(lost, 'DARI_JOURNAL_UNAVAILABLE', /worker thread crashed: simulated .* while committing a batch: it may or may not be durable/);
        await rejectsCoded(claim, 'DARI_JOURNAL_UNAVAILABLE', /worker thread crashed/);
        const after = t();
        await j.record(after);
        assert.ok(j.worker && j.worker !== first, 'a new worker thread');
        assert.deepEqual(await j.get(before.id), before);
        assert.deepEqual(await j.get(after.id), after);
      } finally {
        await j.close();
      }
    });

    it('a terminated worker rejects a pending read coded; the journal carries on', async () => {
      const j = new SqliteJournal({ path: fileOf('worker-terminated') });
      await j.init();
      try {
        const rec = t();
        await j.record(rec);
        // Stuck for 10 s, then terminated after 20 ms (termination interrupts the wait).
        j.crashWorkerForTest(10_000);
        const read = j.get(rec.id);
        await new Promise((r) => setTimeout(r, 20));
        const started = Date.now();
        await j.worker!.terminate();
        assert.ok(Date.now() - started < 5000, 'terminated at once');
        await rejectsCoded(read, 'DARI_JOURNAL_UNAVAILABLE', /worker thread exited \(code 1\) before answering a read/);
        assert.deepEqual(await j.get(rec.id), rec);
      } finally {
        await j.close();
      }
    });

    it('error codes and messages cross the thread boundary; one bad write does not fail its batch', async () => {
      const j = new SqliteJournal({ path: fileOf('worker-errors') });
      await j.init();
      try {
        const good = t();
        const [nan, uncloneable, ok] = await Promise.allSettled([
          j.record({ ...t(), at: Number.NaN }),
          j.record({ ...t(), detail: { f: () => 1 } as unknown as Record<string, unknown> }),
          j.record(good),
        ]);
        assert.equal(nan.status, 'rejected');
        await rejectsCoded(Promise.reject((nan as PromiseRejectedResult).reason), 'DARI_INTERNAL_ERROR', /timestamp is not a finite number/);
        await rejectsCoded(Promise.reject((uncloneable as PromiseRejectedResult).reason), 'DARI_INTERNAL_ERROR', /cannot pass a batch to its worker thread/);
        assert.equal(ok.status, 'fulfilled');
        assert.deepEqual(await j.get(good.id), good);
      } finally {
        await j.close();
      }
    });
  });
});
