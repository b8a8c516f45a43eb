/**
 * The e2e bench's processes talk over the Node IPC channel (fork/spawn with 'ipc', 'advanced'
 * serialization so that Float64Arrays of latency samples cross as they are).
 *
 *   child -> parent  { type: 'ready', info }            once, when the role is up
 *   parent -> child  { type: 'call', id, cmd, args }
 *   child -> parent  { type: 'result', id, ok, value | error }
 *   child -> parent  { type: 'log', line }              optional log lines (hub, link state, ...)
 *
 * Every child exits by itself when the channel closes (the parent died or let it go), so no
 * process outlives the bench even when the parent is killed.
 */
import type { ChildProcess } from 'node:child_process';

export type Role = 'partner' | 'partner20022' | 'hub' | 'relay' | 'acquirer';

export interface CallMessage {
  type: 'call';
  id: number;
  cmd: string;
  args: unknown;
}

export type ChildMessage =
  | { type: 'ready'; info: Record<string, unknown> }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'log'; line: string };

/** Child side: serve calls with `handlers`, then say ready with `info`. */
export function serve(handlers: Record<string, (args: any) => unknown>, info: Record<string, unknown>): void {
  const send = (m: ChildMessage): void => {
    if (process.connected && process.send) process.send(m);
  };
  process.on('message', (raw: unknown) => {
    const m = raw as CallMessage;
    if (m?.type !== 'call') return;
    const h = handlers[m.cmd];
    if (!h) {
      send({ type: 'result', id: m.id, ok: false, error: `unknown command ${m.cmd}` });
      return;
    }
    Promise.resolve()
      .then(() => h(m.args))
      .then(
        (value) => send({ type: 'result', id: m.id, ok: true, value }),
        (e: unknown) => send({ type: 'result', id: m.id, ok: false, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
      );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', info });
}

export function childLog(line: string): void {
  if (process.connected && process.send) process.send({ type: 'log', line } satisfies ChildMessage);
}

/** Parent side: one child process and its pending calls. */
export class ChildHandle {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  readonly ready: Promise<Record<string, unknown>>;
  exited = false;
  exitInfo = '';
  readonly logs: string[] = [];

  constructor(readonly role: string, readonly proc: ChildProcess, onLog?: (role: string, line: string) => void) {
    let readyResolve!: (v: Record<string, unknown>) => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    proc.on('message', (raw: unknown) => {
      const m = raw as ChildMessage;
      if (m.type === 'ready') readyResolve(m.info);
      else if (m.type === 'log') {
        this.logs.push(m.line);
        if (this.logs.length > 200) this.logs.shift();
        onLog?.(role, m.line);
      } else if (m.type === 'result') {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(`${role}: ${m.error}`));
      }
    });
    proc.on('exit', (code, signal) => {
      this.exited = true;
      this.exitInfo = signal ? `killed by ${signal}` : `exit status ${code}`;
      const err = new Error(`${role} process ended (${this.exitInfo})`);
      readyReject(err);
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(err);
      }
      this.pending.clear();
    });
    proc.on('error', (e) => readyReject(e));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  call<T>(cmd: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.role} process has ended (${this.exitInfo})`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.role}: ${cmd} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.proc.send({ type: 'call', id, cmd, args } satisfies CallMessage);
    });
  }

  /** Ask the child to stop (cmd 'stop'), wait up to `graceMs` for it to exit, then SIGKILL it. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((res) => this.proc.once('exit', () => res()));
    this.call('stop', {}, graceMs).catch(() => undefined);
    const t = setTimeout(() => this.kill(), graceMs);
    await exited;
    clearTimeout(t);
  }

  kill(): void {
    if (!this.exited && this.proc.pid !== undefined) {
      try {
        process.kill(this.proc.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}
