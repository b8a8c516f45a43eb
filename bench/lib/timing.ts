/**
 * The timing method shared by the micro-benchmarks (codec, xml): calibrated slices, run
 * round-robin in rotating order so that every candidate sees the same machine conditions, and a
 * rate per run; plus the median and the rate format they print.
 */
import { performance } from 'node:perf_hooks';

/** A timed candidate: `loop(n)` does n operations; `perSlice` and `rates` are filled in here. */
export interface Timed {
  loop: (n: number) => void;
  perSlice: number;
  rates: number[];
}

function timeSlice(c: Timed, n: number): number {
  const t0 = performance.now();
  c.loop(n);
  return performance.now() - t0;
}

/**
 * Interleaved warm-up: starting at `firstSlice` operations, grow each candidate's batch until one
 * slice takes about `sliceMs`, for `warmupMs` per candidate in all.
 */
export function calibrate(cands: Timed[], sliceMs: number, warmupMs: number, firstSlice: number): void {
  const deadline = performance.now() + warmupMs * cands.length;
  for (const c of cands) c.perSlice = firstSlice;
  while (performance.now() < deadline) {
    for (const c of cands) {
      const perOp = timeSlice(c, c.perSlice) / c.perSlice;
      c.perSlice = Math.max(1, Math.round(sliceMs / Math.max(perOp, 1e-6)));
    }
  }
}

/**
 * `runs` runs of `rounds` rounds; each round times one slice of every candidate, starting from a
 * candidate that moves on by one each round. Each run adds one rate (operations/s) per candidate.
 */
export function interleavedRuns(cands: Timed[], runs: number, rounds: number): void {
  for (let run = 0; run < runs; run++) {
    const ops = new Array<number>(cands.length).fill(0);
    const ms = new Array<number>(cands.length).fill(0);
    for (let round = 0; round < rounds; round++) {
      const shift = (run * rounds + round) % cands.length;
      for (let k = 0; k < cands.length; k++) {
        const i = (k + shift) % cands.length;
        const c = cands[i] as Timed;
        ms[i] = (ms[i] as number) + timeSlice(c, c.perSlice);
        ops[i] = (ops[i] as number) + c.perSlice;
      }
    }
    cands.forEach((c, i) => c.rates.push(((ops[i] as number) / (ms[i] as number)) * 1000));
    process.stderr.write(`  run ${run + 1}/${runs} done\n`);
  }
}

/** The median (the mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** 1.24M, 353.0k, 980. */
export function fmtRate(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(0);
}
