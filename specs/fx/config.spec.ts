/** The FX file (YAML or JSON, sections fx: and fees:) and the same sections taken from a parsed hub configuration. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadFxFile, parseFeeSection, parseFxFile, parseFxSection } from '../../src/fx';
import { FX_FIXTURES, throwsCoded } from './support';

describe('fx: the FX file', () => {
  it('reads rates exactly, quoted or not: 0.1 stays one tenth (no binary floating point)', () => {
    // As a double, 0.1 + 0.2 is not 0.3; read as text, the rates multiply exactly:
    // A->B 0.1, B->C 3 through pivot B: A->C = 0.3 exactly.
    const f = parseFxFile('fx:\n  pivot: USD\n  rates:\n    - { from: KRW, to: USD, mid: 0.1 }\n    - { from: USD, to: VND, mid: 3 }\n', 'inline.yaml');
    assert.equal(f.fx!.rates.rate('KRW', 'VND').rate, '0.3');
    // a long decimal a double would round: 1380.123456789012 has 16 significant digits
    const long = parseFxFile('fx:\n  rates:\n    - { from: USD, to: KRW, mid: 1380.123456789012 }\n', 'inline.yaml');
    assert.equal(long.fx!.rates.rate('USD', 'KRW').rate, '1380.123456789012');
  });

  it('applies defaults and reads settings as integers', () => {
    const f = parseFxFile('fx:\n  rates: []\n', 'x.yaml');
    assert.deepEqual([f.fx!.quoteTtlMs, f.fx!.maxQuotes, f.fx!.rates.defaultSpreadBps, f.fx!.rates.pivot, f.fees], [60_000, 100_000, 0, undefined, undefined]);
    const c = loadFxFile(join(FX_FIXTURES, 'corridor.yaml'));
    assert.deepEqual([c.fx!.quoteTtlMs, c.fx!.rates.defaultSpreadBps, c.fx!.rates.pivot, c.fees!.cardRateBps], [60_000, 50, 'USD', 100]);
  });

  it('takes the sections of a hub configuration parsed with numbers: safe integers yes, fractions no', () => {
    const cfg = parse('fx:\n  defaultSpreadBps: 50\n  rates:\n    - { from: USD, to: KRW, mid: "1380.50", spreadBps: 20 }\n    - { from: USD, to: VND, mid: 25340 }\nfees:\n  cardRateBps: 100\n  partners:\n    P: { currency: KRW, percentBps: 10, fixed: 100 }\n') as Record<string, unknown>;
    const fx = parseFxSection(cfg['fx']);
    assert.equal(fx.rates.rate('USD', 'KRW').rate, '1377.739', '1380.50 x 0.998');
    assert.equal(fx.rates.rate('USD', 'VND').midRate, '25340');
    const fees = parseFeeSection(cfg['fees']);
    // 0.10% of 12975 = 12.975 -> 13, + 100 = 113 (a single rule may be written without the list)
    assert.equal(fees.compute({ participant: 'B', partner: 'P', currency: 'KRW', amount: 12_975n }).partnerFee, 113n);
    throwsCoded(() => parseFxSection({ rates: [{ from: 'IDR', to: 'KRW', mid: 0.0865 }] }), 'DARI_FX_CONFIG_INVALID', /^fx\.rates\[0\]\.mid: .*in quotes/);
    throwsCoded(() => parseFeeSection({ partners: { P: [{ currency: 'THB', fixed: 0.3 }] } }), 'DARI_FX_CONFIG_INVALID', /^fees\.partners\.P\[0\]\.fixed/);
  });

  it('errors name the file and the key', () => {
    const bad: Array<[string, RegExp]> = [
      ['fx: [1, 2]\n', /^f\.yaml: fx: must be a mapping/],
      ['fx:\n  rate: []\n', /^f\.yaml: fx\.rate: unknown key/],
      ['fx:\n  rates:\n    - { from: IDR, to: KRW, mid: "0.0865", spread: 3 }\n', /fx\.rates\[0\]\.spread: unknown key/],
      ['fx:\n  rates:\n    - { from: IDR, to: KRW }\n', /fx\.rates\[0\]\.mid: must be a decimal rate/],
      ['fx:\n  rates:\n    - { from: IDR, to: KRW, mid: "0.0865", spreadBps: 1.5 }\n', /fx\.rates\[0\]\.spreadBps: must be an integer/],
      ['fx:\n  quoteTtlSeconds: 0\n', /fx\.quoteTtlSeconds: must be an integer from 1 to 86400/],
      ['fx:\n  maxQuotes: 99999999\n', /fx\.maxQuotes/],
      ['fx:\n  rates:\n    - { from: IDR, to: KRW, mid: "0.0865" }\n    - { from: IDR, to: KRW, mid: "0.09" }\n', /fx\.rates\[1\]: the pair IDR->KRW is listed twice/],
      ['fees:\n  partners:\n    P: [{ currency: KRW, percentBps: abc }]\n', /fees\.partners\.P\[0\]\.percentBps: must be an integer/],
      ['fees:\n  extra: 1\n', /fees\.extra: unknown key/],
      ['rates: []\n', /^f\.yaml: rates: unknown key \(known: fx, fees\)/],
      ['fx: {\n', /^f\.yaml: not valid YAML or JSON/],
      ['fx:\n  pivot: USD\n  pivot: EUR\n', /^f\.yaml: not valid YAML or JSON/],
    ];
    for (const [text, message] of bad) throwsCoded(() => parseFxFile(text, 'f.yaml'), 'DARI_FX_CONFIG_INVALID', message);
  });

  it('a missing file is DARI_CONFIG_NOT_FOUND; a file is read as YAML or JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dari-fx-'));
    throwsCoded(() => loadFxFile(join(dir, 'none.yaml')), 'DARI_CONFIG_NOT_FOUND', /no such FX file/);
    const file = join(dir, 'rates.json');
    writeFileSync(file, JSON.stringify({ fx: { rates: [{ from: 'IDR', to: 'KRW', mid: '0.0865' }] } }));
    assert.equal(loadFxFile(file).fx!.rates.rate('KRW', 'IDR').rate, '11.560693641618');
  });
});
