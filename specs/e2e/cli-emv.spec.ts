/**
 * `dari emv`, `dari pin` and `dari keys` driven as a user would (spawned process), on public
 * vectors (fixtures/emv/vectors.json and the sources named inline). Every output line of every run
 * is kept and searched for the clear keys at the end.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DARI_BIN, FIXTURES } from '../support/paths';

const IMK = '0123456789ABCDEFFEDCBA9876543210';
const ZPK_AES = 'C1D0F8FB4958670DBA40AB1F3752EF0D';
const ZMK_AES = '000102030405060708090A0B0C0D0E0F';
const MASTER = '5A'.repeat(32);
const transcript: string[] = [];

function dari(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [DARI_BIN, ...args], { encoding: 'utf8', timeout: 20000, env: { ...process.env, DARI_HSM_MASTER_KEY: '', ...env } });
  transcript.push(r.stdout, r.stderr);
  return { code: r.status ?? -1, out: r.stdout.trim(), err: r.stderr.trim() };
}

const ok = (args: string[], env?: NodeJS.ProcessEnv): string => {
  const r = dari(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  return r.out;
};

const V = JSON.parse(readFileSync(join(FIXTURES, 'emv', 'vectors.json'), 'utf8'));
const tlv = (tags: Record<string, string>): string =>
  Object.entries(tags).map(([t, v]) => t + (v.length / 2).toString(16).toUpperCase().padStart(2, '0') + v).join('');

describe('dari emv | pin | keys (CLI)', function () {
  // Each run spawns node; on a shared 2-core machine some tests take well over the default 20 s.
  this.timeout(90000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'dari-cli-hsm-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('emv mk: options A and B (pyemv kd.py)', () => {
    assert.equal(ok(['emv', 'mk', '--imk', IMK, '--pan', '12345678901234567', '--psn', '01', '--option', 'a']), '73AD54688CEF2934B0979857E3C719F1');
    assert.equal(ok(['emv', 'mk', '--imk', IMK, '--pan', '12345678901234567', '--psn', '01', '--option', 'b']), 'AD406D7F6D7570916D75E5DCAB8CF737');
  });

  it('emv sk: common (pyemv kd.py), and Mastercard with --un (KCV 2FD5, pyemv test_cvn_hsm), read back with keys kcv', () => {
    assert.equal(ok(['emv', 'sk', '--mk', IMK, '--atc', '001C']), 'E9FB384AF807B940FEDCEA613461B0C4');
    const mk = ok(['emv', 'mk', '--imk', IMK, '--pan', '1234567890123456', '--psn', '00', '--option', 'a']);
    const sk = ok(['emv', 'sk', '--mk', mk, '--atc', '001C', '--un', 'ABCDEF12']);
    assert.match(ok(['keys', 'kcv', '--key', sk, '--alg', 'tdes']), /^2FD5/);
  });

  it('emv arqc over data, EMV and Visa padding (pyemv ac.py, test_ac_hsm), and AES-CMAC (RFC 4493 example 2, leftmost 8 bytes)', () => {
    assert.equal(ok(['emv', 'arqc', '--sk', '29B33180E567CE38EA4CBC9D753B0E61', '--data', '0123456789ABCDEF0123456789ABCDEF']), 'FA624250B008B59A');
    assert.equal(ok(['emv', 'arqc', '--sk', 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB', '--data', '000000002000000000000000012400000080000124110309003804823E58000001', '--padding', 'emv']), '3B76CF10FECD8789');
    const mk = ok(['emv', 'mk', '--imk', IMK, '--pan', '9901234567890123', '--psn', '45', '--option', 'a']);
    const sk = ok(['emv', 'sk', '--mk', mk, '--atc', '1234567890123456']);
    assert.equal(ok(['emv', 'arqc', '--sk', sk, '--data', '0123456789ABCDEF0123456789ABCDEF01', '--padding', 'visa']), '2E141C6BC4A20DA8');
    assert.equal(ok(['emv', 'arqc', '--aes', '--sk', '2B7E151628AED2A6ABF7158809CF4F3C', '--data', '6BC1BEE22E409F96E93D7E117393172A']), '070A16B46B4D4144');
  });

  it('emv arqc from field 55 for every CVN, --verify exits 0 on the published ARQC and 1 on a tampered one', () => {
    for (const v of V.cvn) {
      const cvn = v.cvn.replace(/^\D+/, '');
      const args = ['emv', 'arqc', '--imk', v.imk, '--pan', v.pan, '--psn', v.psn, '--cvn', cvn, '--icc', tlv(v.tags)];
      assert.equal(ok([...args, '--verify', v.arqc]), v.arqc, v.source);
      if (v.cvn !== 'visa18' && v.cvn !== 'mc17') continue;
      const bad = dari([...args.slice(0, -1), tlv({ ...v.tags, '9F36': '0FFE' }), '--verify', v.arqc]);
      assert.equal(bad.code, 1, v.source);
      assert.match(bad.err, /does not match/);
    }
  });

  it('emv arpc methods 1 and 2 (pyemv ac.py)', () => {
    assert.equal(ok(['emv', 'arpc', '--key', '29B33180E567CE38EA4CBC9D753B0E61', '--arqc', 'FA624250B008B59A', '--arc', '0000']), '45D4255EEF10C920');
    assert.equal(ok(['emv', 'arpc', '--key', '29B33180E567CE38EA4CBC9D753B0E61', '--arqc', 'FA624250B008B59A', '--csu', '00000000']), 'CB56FA40');
  });

  it('bad input exits 2 with one coded line', () => {
    const cases: [string[], RegExp][] = [
      [['emv', 'mk', '--imk', 'XYZ', '--pan', '1234567890123456'], /^DARI_HSM_BAD_DATA: /],
      [['emv', 'mk', '--imk', '0011', '--pan', '1234567890123456'], /^DARI_HSM_KEY_INVALID: /],
      [['emv', 'mk', '--imk', IMK, '--pan', '12AB'], /^DARI_HSM_BAD_DATA: /],
      [['emv', 'arqc', '--imk', IMK, '--pan', '1234567890123456', '--cvn', '99', '--icc', '00'], /^DARI_CLI_USAGE: /],
      [['emv', 'arqc', '--imk', IMK, '--pan', '1234567890123456', '--cvn', '18', '--icc', '9F0206'], /^DARI_HSM_BAD_DATA: /],
      [['emv', 'arqc', '--imk', IMK, '--pan', '1234567890123456', '--cvn', '18', '--icc', '9F360200FF'], /^DARI_HSM_MISSING_TAG: /],
      [['emv', 'arpc', '--key', IMK, '--arqc', '00'], /^DARI_CLI_USAGE: /],
      [['pin', 'encode', '--key', IMK, '--pin', '12', '--pan', '5555555551234567'], /^DARI_HSM_PIN_INVALID: /],
      [['pin', 'decode', '--key', IMK, '--block', '0000000000000000', '--pan', '5555555551234567'], /^DARI_HSM_PIN_INVALID: /],
      [['pin', 'encode', '--key', IMK, '--format', '7', '--pin', '1234', '--pan', '5555555551234567'], /^DARI_CLI_USAGE: /],
      [['keys', 'list', '--store', join(tmpdir(), 'none.json')], /^DARI_HSM_MASTER_KEY: /],
      [['keys', 'kcv', '--key', '00', '--alg', 'tdes'], /^DARI_HSM_BAD_DATA: /],
      [['keys', 'generate', '--type', 'bogus', '--alg', 'aes'], /^DARI_CLI_USAGE: /],
    ];
    for (const [args, re] of cases) {
      const r = dari(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.equal(r.err.split('\n').length, 1, args.join(' '));
      assert.match(r.err, re, args.join(' '));
    }
  });

  it('pin encode/decode/translate with clear test keys; decode masks the PIN unless --unmasked', () => {
    const pan = '432198765432109870';
    // ep2 eft/pos 2000 Security Specification 8.0.0, 8.4 (format 4 under AES): PIN 1234.
    const ep2 = 'CC17F65586BFD0953010226C4FC5B3CA';
    assert.equal(ok(['pin', 'decode', '--key', ZPK_AES, '--format', '4', '--block', ep2, '--pan', pan]), '****');
    assert.equal(ok(['pin', 'decode', '--key', ZPK_AES, '--format', '4', '--block', ep2, '--pan', pan, '--unmasked']), '1234');
    const b0 = ok(['pin', 'translate', '--from-key', ZPK_AES, '--from-format', '4', '--to-key', IMK, '--to-format', '0', '--block', ep2, '--pan', pan]);
    assert.match(b0, /^[0-9A-F]{16}$/);
    assert.equal(ok(['pin', 'encode', '--key', IMK, '--pin', '1234', '--pan', pan]), b0, 'format 0 is deterministic');
    assert.equal(ok(['pin', 'decode', '--key', IMK, '--block', b0, '--pan', pan, '--unmasked']), '1234');
  });

  it('keys: import --clear (with KCV), generate, export under a ZMK (RFC 3394 vector), kcv, list; PINs by stored ZPK', () => {
    const store = join(dir, 'keys.json');
    const env = { DARI_HSM_MASTER_KEY: MASTER };
    const s = ['--store', store];
    assert.equal(ok(['keys', 'import', ...s, '--type', 'zmk', '--alg', 'aes', '--clear', ZMK_AES, '--id', 'zmk-1'], env).split(' ')[0], 'zmk-1');
    // RFC 3394 4.1: 00112233445566778899AABBCCDDEEFF under 000102030405060708090A0B0C0D0E0F.
    ok(['keys', 'import', ...s, '--type', 'zpk', '--alg', 'aes', '--wrapped', '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5', '--zmk', 'zmk-1', '--id', 'zpk-in'], env);
    assert.equal(ok(['keys', 'export', ...s, '--id', 'zpk-in', '--zmk', 'zmk-1'], env).split(' ')[0], '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
    // A 3DES ZPK loaded from two components (XOR), declared with its KCV (pyemv: 08D7).
    ok(['keys', 'import', ...s, '--type', 'zpk', '--alg', 'tdes', '--component', 'FFFFFFFFFFFFFFFF0000000000000000', '--component', 'FEDCBA9876543210FEDCBA9876543210', '--kcv', '08D7', '--id', 'zpk-3des'], env);
    assert.match(ok(['keys', 'kcv', ...s, '--id', 'zpk-3des'], env), /^08D7/);
    const gen = ok(['keys', 'generate', ...s, '--type', 'imk-ac', '--alg', 'tdes'], env).split(' ');
    assert.equal(gen.length, 5);
    assert.equal(gen[0], `imk-ac-tdes-${gen[4]}`);
    const listed = ok(['keys', 'list', ...s], env).split('\n');
    assert.deepEqual(listed.map((l) => l.split(' ')[0]), ['zmk-1', 'zpk-in', 'zpk-3des', gen[0]]);
    assert.ok(!readFileSync(store, 'utf8').toUpperCase().includes(ZMK_AES));
    const block = ok(['pin', 'encode', '--zpk', 'zpk-3des', ...s, '--pin', '1234', '--pan', '5555555551234567'], env);
    assert.equal(ok(['pin', 'decode', '--key', IMK, '--block', block, '--pan', '5555555551234567', '--unmasked']), '1234');
    const moved = ok(['pin', 'translate', '--from-zpk', 'zpk-3des', '--to-zpk', 'zpk-in', ...s, '--block', block, '--pan', '5555555551234567'], env);
    assert.equal(ok(['pin', 'decode', '--key', '00112233445566778899AABBCCDDEEFF', '--format', '4', '--block', moved, '--pan', '5555555551234567', '--unmasked']), '1234');
    assert.equal(dari(['keys', 'kcv', ...s, '--id', 'zpk-3des'], { DARI_HSM_MASTER_KEY: 'A5'.repeat(32) }).code, 2, 'another master key does not open the store');
  });

  it('--master-key-file is created once with a warning when DARI_HSM_MASTER_KEY is unset', () => {
    const s = ['--store', join(dir, 'dev.json'), '--master-key-file', join(dir, 'dev.key')];
    const first = dari(['keys', 'generate', ...s, '--type', 'zmk', '--alg', 'aes']);
    assert.equal(first.code, 0, first.err);
    assert.match(first.err, /production must set DARI_HSM_MASTER_KEY/);
    const second = dari(['keys', 'list', ...s]);
    assert.equal(second.code, 0, second.err);
    assert.equal(second.err, '');
    assert.equal(second.out.split('\n').length, 1);
  });

  it('no output of any run above contains a clear key that was given to the store or to the HSM side', () => {
    const all = transcript.join('\n').toUpperCase();
    // The IMK and the AES ZPK/ZMK were passed on command lines and imported; no command echoes them.
    for (const k of [IMK, ZPK_AES, ZMK_AES, '00112233445566778899AABBCCDDEEFF', MASTER]) assert.ok(!all.includes(k), `${k.slice(0, 4)}... leaked`);
  });
});
