/**
 * The operator's view after a scripted scenario: counters, SAF depth and link gauges on the HTTP
 * /metrics endpoint, and the exposition format itself (promtool when installed, else a small
 * parser: every sample in a declared family, counters named _total, no duplicate series).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { financial, PARTNER, parseLabels, sample, TestHub, waitFor } from './harness';

interface Family {
  type: string;
  help: boolean;
}

/** Check a Prometheus text exposition (format 0.0.4); returns the problems found. */
function lintExposition(text: string): string[] {
  const problems: string[] = [];
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const buckets = new Map<string, Array<{ le: number; v: number }>>();
  const counts = new Map<string, number>();
  const familyOf = (name: string): string | undefined => {
    if (families.has(name)) return name;
    for (const suffix of ['_bucket', '_sum', '_count']) {
      if (!name.endsWith(suffix)) continue;
      const base = name.slice(0, -suffix.length);
      const f = families.get(base);
      if (f && (f.type === 'histogram' || (f.type === 'summary' && suffix !== '_bucket'))) return base;
    }
    return undefined;
  };
  if (!text.endsWith('\n')) problems.push('the exposition does not end with a newline');
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    let m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (m) {
      const [, what, name, rest] = m as unknown as [string, string, string, string];
      const f = families.get(name) ?? { type: '', help: false };
      if (what === 'TYPE') {
        if (f.type !== '') problems.push(`line ${i + 1}: second TYPE for ${name}`);
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) problems.push(`line ${i + 1}: bad type ${rest}`);
        if (rest === 'counter' && !name.endsWith('_total')) problems.push(`counter ${name} does not end in _total`);
        f.type = rest;
      } else {
        if (rest.trim() === '') problems.push(`line ${i + 1}: empty HELP for ${name}`);
        f.help = true;
      }
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) continue;
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: (-?[0-9]+))?$/.exec(line);
    if (!m) {
      problems.push(`line ${i + 1}: not a sample: ${line}`);
      continue;
    }
    const [, name, labelText, value] = m as unknown as [string, string, string | undefined, string];
    const fam = familyOf(name);
    if (fam === undefined) {
      problems.push(`line ${i + 1}: sample ${name} belongs to no declared # TYPE family`);
      continue;
    }
    // Go's strconv.ParseFloat, which Prometheus parses values with, takes Inf and NaN in any case (prom-client writes "Nan").
    if (!/^([-+]?([0-9]*\.)?[0-9]+([eE][-+]?[0-9]+)?|[-+]?inf(inity)?|nan)$/i.test(value)) problems.push(`line ${i + 1}: bad value ${value}`);
    let labels: Record<string, string> = {};
    try {
      labels = parseLabels(labelText ?? '');
    } catch (e) {
      problems.push(`line ${i + 1}: ${(e as Error).message}`);
    }
    const keyLabels = Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1));
    const key = `${name}{${keyLabels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (series.has(key)) problems.push(`duplicate series ${key}`);
    series.add(key);
    const type = families.get(fam)?.type;
    if (type === 'counter' && Number(value) < 0) problems.push(`counter ${key} is negative`);
    if (type === 'histogram') {
      const rest = keyLabels.filter(([k]) => k !== 'le').map(([k, v]) => `${k}=${v}`).join(',');
      const id = `${fam}{${rest}}`;
      if (name.endsWith('_bucket')) {
        if (labels['le'] === undefined) problems.push(`${key}: bucket without le`);
        const list = buckets.get(id) ?? [];
        list.push({ le: labels['le'] === '+Inf' ? Infinity : Number(labels['le']), v: Number(value) });
        buckets.set(id, list);
      } else if (name.endsWith('_count')) counts.set(id, Number(value));
    }
  }
  for (const [name, f] of families) {
    if (!f.help) problems.push(`${name} has no HELP`);
    if (f.type === '') problems.push(`${name} has HELP but no TYPE`);
  }
  for (const [id, list] of buckets) {
    for (let k = 1; k < list.length; k++) {
      const a = list[k - 1] as { le: number; v: number };
      const b = list[k] as { le: number; v: number };
      if (!(b.le > a.le) || b.v < a.v) problems.push(`${id}: buckets not cumulative in ascending le`);
    }
    const last = list[list.length - 1];
    if (!last || last.le !== Infinity) problems.push(`${id}: no +Inf bucket`);
    else if (counts.get(id) !== last.v) problems.push(`${id}: _count ${counts.get(id)} != +Inf bucket ${last.v}`);
  }
  return problems;
}

describe('integration: metrics', function () {
  this.timeout(15000);
  let t: TestHub | undefined;

  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('after N approvals, M declines and one timeout: transaction counters, timeouts, SAF depth, link gauges; a valid exposition', async () => {
    const N = 5;
    const M = 3;
    t = await TestHub.start({ links: 2, requestTimeoutMs: 400, metricsServer: true });
    assert.ok(t.hub.ports.metrics > 0);
    const scrape = async (): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${t?.hub.ports.metrics}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      return res.text();
    };
    const link = await t.participant();
    for (let i = 0; i < N; i++) assert.equal((await link.request(financial(10000 + i * 100))).response.fields['39'], '00');
    for (let i = 0; i < M; i++) assert.equal((await link.request(financial(20051 + i * 100))).response.fields['39'], '51');
    t.partner.drop(true);
    const lost = financial(30000);
    assert.equal((await link.request(lost)).response.fields['39'], '68');

    let text = await scrape();
    const tx = (code: string, outcome: string): number => sample(text, 'dari_transactions_total', { type: '0200', partner: PARTNER, response_code: code, outcome });
    assert.equal(tx('00', 'approved'), N);
    assert.equal(tx('51', 'declined'), M);
    assert.equal(tx('68', 'timeout'), 1);
    assert.equal(sample(text, 'dari_transactions_total'), N + M + 1, 'nothing else was counted');
    assert.equal(sample(text, 'dari_timeouts_total', { partner: PARTNER }), 1);
    assert.equal(sample(text, 'dari_saf_depth'), 1, 'the reversal waits while the partner is silent');
    assert.equal(sample(text, 'dari_saf_scrape_ok'), 1);
    assert.equal(sample(text, 'dari_stand_in_total', { partner: PARTNER }), 0);
    assert.equal(sample(text, 'dari_hub_latency_seconds_count', { partner: PARTNER }), N + M + 1);
    for (const l of [`${PARTNER}#1`, `${PARTNER}#2`]) assert.equal(sample(text, 'dari_link_up', { link: l, partner: PARTNER, role: 'client' }), 1, l);
    assert.equal(sample(text, 'dari_link_up', { partner: '', role: 'server' }), 1, 'the participant connection');
    assert.ok(sample(text, 'dari_journal_batch_size_count') > 0);

    t.partner.drop(false);
    const row = await t.txn(lost.fields['11'] as string);
    await t.waitSaf(String(row['id']), 'done');
    await waitFor(async () => sample(await scrape(), 'dari_saf_depth') === 0, 3000, () => 'SAF depth back to 0');
    text = await scrape();
    assert.equal(sample(text, 'dari_saf_attempts_total', { partner: PARTNER, outcome: 'acknowledged' }), 1);
    assert.equal(sample(text, 'dari_saf_oldest_age_seconds'), 0);

    // Partner gone: its link gauges drop to 0.
    await t.partner.stop();
    await t.linksDown();
    text = await scrape();
    for (const l of [`${PARTNER}#1`, `${PARTNER}#2`]) assert.equal(sample(text, 'dari_link_up', { link: l, partner: PARTNER, role: 'client' }), 0, `${l} down`);

    const problems = lintExposition(text);
    assert.deepEqual(problems, []);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    if (promtool.error === undefined) {
      // promtool is installed: it must accept the exposition (lint warnings go to stdout, errors set the status).
      assert.equal(promtool.status, 0, promtool.stderr);
    }
  });

  it('the linter itself catches bad expositions', () => {
    assert.deepEqual(lintExposition('# HELP a_total x\n# TYPE a_total counter\na_total 1\n'), []);
    assert.ok(lintExposition('# HELP a x\n# TYPE a counter\na 1\n').some((p) => p.includes('_total')));
    assert.ok(lintExposition('# HELP a_total x\n# TYPE a_total counter\na_total{x="1"} 1\na_total{x="1"} 2\n').some((p) => p.includes('duplicate')));
    assert.ok(lintExposition('b 1\n').some((p) => p.includes('no declared')));
    assert.ok(lintExposition('# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n').some((p) => p.includes('cumulative')));
  });
});
