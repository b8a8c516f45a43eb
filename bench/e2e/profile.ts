/**
 * Summary of a V8 .cpuprofile (as written by `node --cpu-prof`): self time and inclusive time by
 * function, and self time by source file, with dist/*.js positions mapped back to the TypeScript
 * sources through the compiled source maps.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  where: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  idleMs: number;
  gcMs: number;
  self: ProfileRow[];
  inclusive: ProfileRow[];
  files: ProfileRow[];
}

/** `file:line` of a call frame, TypeScript positions for compiled files with a source map. */
function positionResolver(root: string): (cf: CallFrame) => string {
  const maps = new Map<string, SourceMap | null>();
  const where = (cf: CallFrame): string => {
    if (!cf.url) return '';
    let path = cf.url;
    if (path.startsWith('file://')) path = fileURLToPath(path);
    if (path.startsWith('node:')) return path;
    let sm = maps.get(path);
    if (sm === undefined) {
      sm = null;
      const mapFile = `${path}.map`;
      if (existsSync(mapFile)) {
        try {
          sm = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
        } catch {
          sm = null;
        }
      }
      maps.set(path, sm);
    }
    if (sm) {
      const e = sm.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number };
      if (e && e.originalSource) {
        const src = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(dirname(path), e.originalSource);
        return `${relative(root, src)}:${(e.originalLine ?? 0) + 1}`;
      }
    }
    const rel = path.startsWith(root) ? relative(root, path) : path.replace(/^.*node_modules\//, 'node_modules/');
    return `${rel}:${cf.lineNumber + 1}`;
  };
  return where;
}

export function summarizeProfile(file: string, root: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const where = positionResolver(root);

  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i + 1] ?? 0; // time until the next sample is charged to this one
    const id = p.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + d);
    total += d;
  }

  const keyOf = new Map<number, { key: string; name: string; where: string; file: string }>();
  for (const n of p.nodes) {
    const name = n.callFrame.functionName || '(anonymous)';
    const w = where(n.callFrame);
    keyOf.set(n.id, { key: `${name}\u0000${w}`, name, where: w, file: w.replace(/:\d+$/, '') || name });
  }
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let idle = 0;
  let gc = 0;
  for (const [id, us] of selfUs) {
    const k = keyOf.get(id)!;
    self.set(k.key, (self.get(k.key) ?? 0) + us);
    files.set(k.file, (files.get(k.file) ?? 0) + us);
    if (k.name === '(idle)') idle += us;
    if (k.name === '(garbage collector)') gc += us;
  }
  // Inclusive: each sample's time goes to every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = keyOf.get(cur)!;
      if (k.name === '(root)' || seen.has(k.key)) continue;
      seen.add(k.key);
      inclusive.set(k.key, (inclusive.get(k.key) ?? 0) + us);
    }
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>, split: boolean): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => {
        const [name, w] = split ? (k.split('\u0000') as [string, string]) : [k, ''];
        return { name, where: w, ms: us / 1000, pct: busy > 0 ? (100 * us) / busy : 0 };
      });
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    gcMs: gc / 1000,
    self: rows(new Map([...self].filter(([k]) => !k.startsWith('(idle)'))), true),
    inclusive: rows(new Map([...inclusive].filter(([k]) => !k.startsWith('(idle)') && !k.startsWith('(program)'))), true),
    files: rows(new Map([...files].filter(([k]) => k !== '(idle)')), false),
  };
}

interface HeapSampleNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapSampleNode[];
}

export interface HeapSampleSummary {
  totalBytes: number;
  self: Array<{ name: string; where: string; bytes: number; pct: number }>;
}

/**
 * Summary of a sampling heap profile (HeapProfiler.stopSampling): bytes allocated by function
 * (self), largest first. With dead objects included, this is what was allocated over the sampled
 * period, not what is still held.
 */
export function summarizeHeapSample(file: string, root: string, top = 25): HeapSampleSummary {
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapSampleNode }).head;
  const where = positionResolver(root);
  const self = new Map<string, number>();
  let total = 0;
  const stack: HeapSampleNode[] = [head];
  while (stack.length > 0) {
    const n = stack.pop() as HeapSampleNode;
    if (n.selfSize > 0) {
      const key = `${n.callFrame.functionName || '(anonymous)'}\u0000${where(n.callFrame)}`;
      self.set(key, (self.get(key) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) stack.push(c);
  }
  return {
    totalBytes: total,
    self: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, bytes]) => {
      const [name, w] = k.split('\u0000') as [string, string];
      return { name, where: w, bytes, pct: total > 0 ? (100 * bytes) / total : 0 };
    }),
  };
}
