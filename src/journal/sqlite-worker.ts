/**
 * The SQLite journal's worker thread: it owns the better-sqlite3 connection (SqliteCore) and
 * serves the requests of `SqliteJournal` (sqlite.ts) one at a time, in arrival order: open, a write
 * batch (one transaction, one fsync), a read, close. Every failure is answered as a code and a
 * message (see WireError); the thread itself only dies of a bug or when it is terminated.
 *
 * Started by sqlite.ts from the compiled file next to it (`dist/src/journal/sqlite-worker.js`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DariError } from '../errors';
import { SqliteCheckpointer, SqliteCore, toWire, WORKER_MARK, type WorkerReply, type WorkerRequest, type WireResult, type OpResult } from './sqlite-core';

function wireResults(results: OpResult[]): WireResult[] {
  return results.map((r) => (r.ok ? r : { ok: false, error: toWire(r.error) }));
}

function serve(port: NonNullable<typeof parentPort>): void {
  let core: SqliteCore | null = null;
  let checkpointer: SqliteCheckpointer | null = null;
  let timer: NodeJS.Timeout | null = null;
  const stopCheckpoints = (): void => {
    if (timer) {
      clearTimeout(timer);
      clearImmediate(timer as unknown as NodeJS.Immediate);
    }
    timer = null;
    checkpointer?.close();
    checkpointer = null;
  };
  const notOpen = (): DariError => new DariError('DARI_JOURNAL_UNAVAILABLE', 'SQLite journal is closed');

  port.on('message', (m: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      switch (m.t) {
        case 'open':
          core?.close();
          core = SqliteCore.open(m.options);
          reply = { id: m.id, ok: true, value: undefined };
          break;
        case 'batch':
          if (!core) throw notOpen();
          reply = { id: m.id, ok: true, value: wireResults(core.batch(m.ops)) };
          break;
        case 'read':
          if (!core) throw notOpen();
          reply = { id: m.id, ok: true, value: core.read(m.req) };
          break;
        case 'checkpoint': {
          stopCheckpoints();
          const c = new SqliteCheckpointer(m.path, m.targetFrames, m.signal, m.busyTimeoutMs);
          checkpointer = c;
          const tick = (): void => {
            const delay = c.step(m.intervalMs);
            if (checkpointer !== c) return;
            timer = delay > 0 ? setTimeout(tick, delay) : (setImmediate(tick) as unknown as NodeJS.Timeout);
          };
          timer = setTimeout(tick, m.intervalMs);
          reply = { id: m.id, ok: true, value: undefined };
          break;
        }
        case 'close':
          stopCheckpoints();
          core?.close();
          core = null;
          reply = { id: m.id, ok: true, value: undefined };
          break;
        case 'crash':
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, m.afterMs));
          throw Object.assign(new Error('simulated SQLite journal worker crash'), { crash: true });
      }
    } catch (e) {
      if ((e as { crash?: boolean }).crash) throw e;
      reply = { id: m.id, ok: false, error: toWire(e) };
    }
    port.postMessage(reply);
    if (m.t === 'close') port.close();
    // After the reply: the batch's writes are answered before the WAL's last frames are copied.
    else if (m.t === 'batch') core?.finishCheckpoint();
  });
}

// Only when started by sqlite.ts (a hub embedded in some other worker thread must keep its port).
if (parentPort && (workerData as { mark?: unknown } | null)?.mark === WORKER_MARK) serve(parentPort);
