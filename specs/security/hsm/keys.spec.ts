/** Key check values, key wrapping under a ZMK, and the key store file. */
import { strict as assert } from 'node:assert';
import { createDecipheriv } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DariError } from '../../../src/errors';
import { combineComponents, openSoftwareHsm, SoftwareHsm } from '../../../src/security/hsm/hsm';
import { kcvMatches, keyCheckValue, unwrapUnderZmk, wrapUnderZmk } from '../../../src/security/hsm/keys';

const H = (s: string): Buffer => Buffer.from(s, 'hex');
const X = (b: Buffer): string => b.toString('hex').toUpperCase();
const code = (c: string) => (e: unknown): boolean => e instanceof DariError && e.code === c;
const MASTER = H('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');

describe('keys: KCV, wrapping, key store', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'dari-hsm-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('3DES KCV: first 3 bytes of E(K, 0 x 8) (TR-31:2018 A.7.2.1 / A.7.2.2 and a payShield example key, as in openemv/tr31 tests; pyemv prints 08D7 for its IMK)', () => {
    assert.equal(keyCheckValue('tdes', H('F039121BEC83D26B169BDCD5B22AAF8F')), 'CB9DEA');
    assert.equal(keyCheckValue('tdes', H('3F419E1CB7079442AA37474C2EFBF8B8')), '57C409');
    assert.equal(keyCheckValue('tdes', H('5DB50B454F8389ADCE573BE50861F2BF')), '5C9405');
    assert.ok(keyCheckValue('tdes', H('0123456789ABCDEFFEDCBA9876543210')).startsWith('08D7'));
  });

  it('AES KCV: first 5 bytes of AES-CMAC(K, 0 x 16) (ANSI X9.143:2021 8.6 example KBPK, KP optional block 2331550BC9, as in openemv/tr31 tests)', () => {
    assert.equal(keyCheckValue('aes', H('88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6')), '2331550BC9');
  });

  it('a declared KCV of 2 to 5 bytes is compared as a prefix', () => {
    assert.equal(kcvMatches('2331550BC9', '233155'), true);
    assert.equal(kcvMatches('2331550BC9', '233156'), false);
    assert.throws(() => kcvMatches('2331550BC9', 'ZZ'), code('DARI_HSM_BAD_DATA'));
  });

  it('AES key wrap under an AES ZMK: RFC 3394 section 4.1 and 4.6 vectors', () => {
    assert.equal(X(wrapUnderZmk(H('000102030405060708090A0B0C0D0E0F'), 'aes', H('00112233445566778899AABBCCDDEEFF'), 'aes')), '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
    const kek = H('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');
    const wrapped = H('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21');
    assert.equal(X(unwrapUnderZmk(kek, 'aes', wrapped, 'aes')), '00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F');
    const bad = Buffer.from(wrapped);
    bad[3] = (bad[3] as number) ^ 1;
    assert.throws(() => unwrapUnderZmk(kek, 'aes', bad, 'aes'), code('DARI_HSM_KCV_MISMATCH'));
  });

  it('3DES key under a 3DES ZMK is 3DES-ECB (checked with node:crypto); AES under 3DES is refused', () => {
    const zmk = H('0123456789ABCDEFFEDCBA9876543210');
    const key = H('1111111111111111222222222222222233333333');
    const w = wrapUnderZmk(zmk, 'tdes', H('11111111111111112222222222222222'), 'tdes');
    const d = createDecipheriv('des-ede-ecb', zmk, null);
    d.setAutoPadding(false);
    assert.equal(X(Buffer.concat([d.update(w), d.final()])), '11111111111111112222222222222222');
    assert.throws(() => wrapUnderZmk(zmk, 'tdes', key.subarray(0, 16), 'aes'), code('DARI_HSM_KEY_USAGE'));
  });

  it('components XOR into one key', () => {
    assert.equal(X(combineComponents([H('0F0F'), H('F0F0'), H('0101')])), 'FEFE');
    assert.throws(() => combineComponents([H('0F0F')]), code('DARI_HSM_BAD_DATA'));
  });

  it('the store file keeps keys sealed, reopens under the same master key, and has mode 0600', () => {
    const file = join(dir, 'keys.json');
    const a = new SoftwareHsm({ masterKey: MASTER, storeFile: file });
    const imk = a.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: H('0123456789ABCDEFFEDCBA9876543210'), id: 'imk-1', kcv: '08D7B4' });
    const zpk = a.generateKey({ type: 'zpk', algorithm: 'aes', length: 32 });
    assert.equal(zpk.id, `zpk-aes-${zpk.kcv}`, 'default ids are stable: type, algorithm, KCV');
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.toUpperCase().includes('0123456789ABCDEFFEDCBA9876543210'));
    assert.ok(!text.includes(Buffer.from(H('0123456789ABCDEFFEDCBA9876543210')).toString('base64')));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const b = new SoftwareHsm({ masterKey: MASTER, storeFile: file });
    assert.deepEqual(b.listKeys(), [imk, zpk]);
  });

  it('a wrong master key is DARI_HSM_MASTER_KEY; an edited entry or file is DARI_HSM_STORE_INVALID', () => {
    const file = join(dir, 'keys.json');
    new SoftwareHsm({ masterKey: MASTER, storeFile: file }).importClearKey({ type: 'zpk', algorithm: 'tdes', key: H('0123456789ABCDEFFEDCBA9876543210'), id: 'zpk-1' });
    assert.throws(() => new SoftwareHsm({ masterKey: Buffer.alloc(32, 1), storeFile: file }), code('DARI_HSM_MASTER_KEY'));
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.keys[0].type = 'imk-ac'; // relabel a ZPK as an IMK: the sealed entry's associated data no longer matches
    writeFileSync(file, JSON.stringify(doc));
    assert.throws(() => new SoftwareHsm({ masterKey: MASTER, storeFile: file }), (e: unknown) => code('DARI_HSM_STORE_INVALID')(e) && /zpk-1/.test((e as Error).message));
    writeFileSync(file, '{"format": "something else"}');
    assert.throws(() => new SoftwareHsm({ masterKey: MASTER, storeFile: file }), code('DARI_HSM_STORE_INVALID'));
    writeFileSync(file, 'not json');
    assert.throws(() => new SoftwareHsm({ masterKey: MASTER, storeFile: file }), code('DARI_HSM_STORE_INVALID'));
    assert.throws(() => new SoftwareHsm({ masterKey: Buffer.alloc(16), storeFile: file }), code('DARI_HSM_MASTER_KEY'));
  });

  it('openSoftwareHsm: DARI_HSM_MASTER_KEY from the environment, else a key file generated once with a warning', () => {
    const warnings: string[] = [];
    const opts = { storeFile: join(dir, 'keys.json'), masterKeyFile: join(dir, 'hsm-master.key'), create: true, env: {}, warn: (m: string) => warnings.push(m) };
    openSoftwareHsm(opts).generateKey({ type: 'zmk', algorithm: 'aes' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] as string, /production must set DARI_HSM_MASTER_KEY/);
    assert.equal(statSync(opts.masterKeyFile).mode & 0o777, 0o600);
    assert.equal(openSoftwareHsm(opts).listKeys().length, 1, 'the second start reuses the generated key');
    assert.equal(warnings.length, 1);
    assert.throws(() => openSoftwareHsm({ ...opts, env: { DARI_HSM_MASTER_KEY: 'AB'.repeat(32) } }), code('DARI_HSM_MASTER_KEY'), 'another master key does not open the store');
    assert.throws(() => openSoftwareHsm({ ...opts, env: { DARI_HSM_MASTER_KEY: 'xyz' } }), code('DARI_HSM_MASTER_KEY'));
    assert.throws(() => openSoftwareHsm({ ...opts, masterKeyFile: join(dir, 'none.key'), create: false }), code('DARI_HSM_MASTER_KEY'));
  });

  it('import under a ZMK, export back, declared KCVs and duplicate ids', () => {
    const hsm = new SoftwareHsm({ masterKey: MASTER });
    const zmk = hsm.importClearKey({ type: 'zmk', algorithm: 'aes', key: H('000102030405060708090A0B0C0D0E0F'), id: 'zmk-aes' });
    const imported = hsm.importKey({ type: 'zpk', algorithm: 'aes', wrapped: H('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5'), zmkId: zmk.id, id: 'zpk-aes' });
    assert.equal(imported.kcv, keyCheckValue('aes', H('00112233445566778899AABBCCDDEEFF')));
    assert.equal(X(hsm.exportKey('zpk-aes', 'zmk-aes').wrapped), '1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
    assert.throws(() => hsm.importClearKey({ type: 'zpk', algorithm: 'tdes', key: H('0123456789ABCDEFFEDCBA9876543210'), kcv: '08D7B5' }), code('DARI_HSM_KCV_MISMATCH'));
    assert.throws(() => hsm.importClearKey({ type: 'zmk', algorithm: 'aes', key: H('000102030405060708090A0B0C0D0E0F'), id: 'zmk-aes' }), code('DARI_HSM_BAD_DATA'));
    assert.throws(() => hsm.importKey({ type: 'zpk', algorithm: 'aes', wrapped: H('00'.repeat(24)), zmkId: 'zpk-aes' }), code('DARI_HSM_KEY_USAGE'), 'a ZPK cannot act as a ZMK');
    assert.throws(() => hsm.exportKey('zpk-aes', 'nope'), code('DARI_HSM_KEY_UNKNOWN'));
    assert.throws(() => hsm.generateKey({ type: 'imk-ac', algorithm: 'tdes', length: 24 }), code('DARI_HSM_KEY_INVALID'));
    assert.throws(() => hsm.importClearKey({ type: 'mac', algorithm: 'aes', key: Buffer.alloc(16, 1), id: 'bad id!' }), code('DARI_HSM_BAD_DATA'));
  });
});
