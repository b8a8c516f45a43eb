/** `dari iso8583` driven as a user would: a spawned process, stdin in, stdout/stderr and exit code out. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DARI_BIN, FIXTURES } from '../support/paths';
import { readHexDump } from '../support/hex';

function dari(args: string[], input = ''): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [DARI_BIN, ...args], { input, encoding: 'utf8', timeout: 20000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const golden = (name: string): { hex: string; json: { dialect: string; message: { mti: string; fields: Record<string, string> } } } => ({
  hex: readHexDump(join(FIXTURES, 'iso8583', 'golden', `${name}.hex`)).toString('hex').toUpperCase(),
  json: JSON.parse(readFileSync(join(FIXTURES, 'iso8583', 'golden', `${name}.json`), 'utf8')),
});

describe('dari iso8583 (CLI)', () => {
  it('decode prints one JSON object per line, card data masked by default', () => {
    const g = golden('iso87ascii-0200');
    const r = dari(['iso8583', 'decode', '--spec', 'iso87ascii'], `${g.hex}\n${golden('iso87ascii-0210').hex}\n`);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.equal(lines[0].mti, '0200');
    assert.equal(lines[0].fields['2'], '476173******0119');
    assert.equal(lines[0].fields['35'], '476173******0119=*****************');
    assert.equal(lines[0].fields['52'], '****************');
    assert.equal(lines[0].fields['4'], '000000500000', 'numeric fields keep their leading zeros');
    assert.equal(lines[0].fields['1'], undefined, 'bitmaps are never listed');
    assert.ok(!r.out.includes('4761739001010119'), 'no clear PAN anywhere in the output');
    assert.equal(lines[1].fields['39'], '00');
  });

  it('decode --unmasked gives exactly the JSON twin; spaces in the dump are allowed', () => {
    for (const name of ['iso87ascii-0200', 'iso87binary-0200', 'iso87ebcdic-0200', 'iso93ascii-1100']) {
      const g = golden(name);
      const spaced = g.hex.replace(/(..)/g, '$1 ');
      const r = dari(['iso8583', 'decode', '--spec', g.json.dialect, '--unmasked'], `${spaced}\n`);
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out), g.json.message, name);
    }
  });

  it('encode turns the JSON twin back into the hex dump', () => {
    for (const name of ['iso87ascii-0200', 'iso87binary-0800', 'iso87ebcdic-0200', 'iso93ascii-1100']) {
      const g = golden(name);
      const r = dari(['iso8583', 'encode', '--spec', g.json.dialect], `${JSON.stringify(g.json.message)}\n`);
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out.trim(), g.hex, name);
    }
  });

  it('decode --tlv adds the tag list of field 55', () => {
    const r = dari(['iso8583', 'decode', '--spec', 'iso87ascii', '--tlv'], `${golden('iso87ascii-0200').hex}\n`);
    assert.equal(r.code, 0, r.err);
    const m = JSON.parse(r.out);
    assert.deepEqual(m.tlv['55'][0], { tag: '9F26', value: 'C1A2B3C4D5E6F708' });
    assert.deepEqual(m.tlv['55'][1], { tag: '9F27', value: '80' });
  });

  it('a user dialect from a JSON file (--spec FILE)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dari-spec-'));
    const file = join(dir, 'mini.json');
    writeFileSync(file, JSON.stringify({
      name: 'mini', mtiEncoding: 'ascii', bitmapEncoding: 'hex', prefixEncoding: 'ascii',
      encodings: { numeric: 'ascii', text: 'ascii', binary: 'hex', track: 'ascii' },
      fields: {
        '11': { name: 'STAN', class: 'n', length: 6 },
        '48': { name: 'Private', class: 'ans', length: 20, prefix: 3, subfields: [{ id: '1', name: 'Kind', class: 'an', length: 2 }, { id: '2', name: 'Ref', class: 'ans', length: 18, rest: true }] },
      },
    }));
    const enc = dari(['iso8583', 'encode', '--spec', file], '{"mti":"0100","fields":{"11":"000042","48":"QRREF-123"}}\n');
    assert.equal(enc.code, 0, enc.err);
    assert.equal(Buffer.from(enc.out.trim(), 'hex').toString('latin1'), '01000020000000010000000042009QRREF-123');
    const dec = dari(['iso8583', 'decode', '--spec', file, '--tlv'], enc.out);
    assert.deepEqual(JSON.parse(dec.out).subfields, { '48': { '1': 'QR', '2': 'REF-123' } });
  });

  it('specs lists the built-in dialects; --show prints one as a dialect file', () => {
    const r = dari(['iso8583', 'specs']);
    assert.equal(r.code, 0);
    for (const d of ['iso87ascii', 'iso87binary', 'iso87ebcdic', 'iso93ascii']) assert.match(r.out, new RegExp(`^${d} `, 'm'));
    const show = dari(['iso8583', 'specs', '--show', 'iso87binary']);
    assert.equal(JSON.parse(show.out).name, 'iso87binary');
  });

  describe('bad input: one coded line on stderr, exit 2, no stack trace', () => {
    const cases: Array<[string, string[], string, RegExp]> = [
      ['not hex', ['iso8583', 'decode', '--spec', 'iso87ascii'], 'hello\n', /^DARI_CLI_INPUT: line 1: not a hex dump/],
      ['truncated', ['iso8583', 'decode', '--spec', 'iso87ascii'], '30323030\n', /^DARI_CODEC_TRUNCATED: line 1: .*bitmap/],
      ['not JSON', ['iso8583', 'encode', '--spec', 'iso87ascii'], '{mti\n', /^DARI_CLI_INPUT: line 1: not JSON/],
      ['bad field', ['iso8583', 'encode', '--spec', 'iso87ascii'], '{"mti":"0200","fields":{"4":"12"}}\n', /^DARI_CODEC_FIXED_LENGTH: line 1: field 4/],
      ['unknown dialect', ['iso8583', 'decode', '--spec', 'nope'], '', /^DARI_CODEC_SPEC_UNKNOWN: /],
      ['a folder as the dialect file', ['iso8583', 'decode', '--spec', tmpdir()], '00', /^DARI_CODEC_SPEC_UNKNOWN: dialect file .* cannot be read \(a folder, not a file\)$/],
      ['no --spec', ['iso8583', 'decode'], '', /^DARI_CLI_USAGE: decode needs --spec/],
      ['unknown option', ['iso8583', 'decode', '--spec', 'iso87ascii', '--colour'], '', /^DARI_CLI_USAGE: Unknown option '--colour'/],
      ['unknown command', ['frobnicate'], '', /^DARI_CLI_USAGE: unknown command "frobnicate"/],
    ];
    for (const [what, args, input, re] of cases) {
      it(what, () => {
        const r = dari(args, input);
        assert.equal(r.code, 2, `exit code for ${what}: ${r.err}`);
        const lines = r.err.trim().split('\n');
        assert.equal(lines.length, 1, `one line on stderr: ${r.err}`);
        assert.match(lines[0] ?? '', re);
        assert.ok(!/\n\s+at /.test(r.err), 'no stack trace');
      });
    }

    it('a bad PAN never appears on stderr', () => {
      const r = dari(['iso8583', 'encode', '--spec', 'iso87ascii'], '{"mti":"0200","fields":{"2":"47617390X1010119"}}\n');
      assert.equal(r.code, 2);
      assert.ok(!r.err.includes('4761739') && !r.err.includes('X1010119'), r.err);
    });

    it('good lines still print when another line is bad', () => {
      const g = golden('iso87ascii-0210');
      const r = dari(['iso8583', 'decode', '--spec', 'iso87ascii'], `${g.hex}\nZZ\n${g.hex}\n`);
      assert.equal(r.code, 2);
      assert.equal(r.out.trim().split('\n').length, 2);
      assert.match(r.err, /^DARI_CLI_INPUT: line 2:/);
    });
  });
});
