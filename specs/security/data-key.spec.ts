import { strict as assert } from 'node:assert';
import { createDecipheriv, hkdfSync } from 'node:crypto';
import { inspect } from 'node:util';
import { DariError } from '../../src/errors';
import { DataKey } from '../../src/security/data-key';

const MASTER = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const PLAIN = Buffer.from(JSON.stringify({ mti: '0200', fields: { '2': '4761739001010119', '4': '000000012550' } }));

describe('data key: sealing and the PAN hash', () => {
  it('seals as IV (12) | tag (16) | ciphertext under AES-256-GCM with the HKDF subkey, and opens it back', () => {
    const k = new DataKey(MASTER);
    const sealed = k.seal(PLAIN);
    assert.equal(sealed.length, 28 + PLAIN.length);
    assert.deepEqual(k.open(sealed), PLAIN);
    // Independently: the documented layout and key derivation (HKDF-SHA-256, info 'dari saf seal v1').
    const key = Buffer.from(hkdfSync('sha256', MASTER, Buffer.alloc(0), 'dari saf seal v1', 32));
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
    d.setAuthTag(sealed.subarray(12, 28));
    assert.deepEqual(Buffer.concat([d.update(sealed.subarray(28)), d.final()]), PLAIN);
    assert.equal(sealed.indexOf(Buffer.from('4761739001010119')), -1, 'the PAN is not in the sealed bytes');
  });

  it('never repeats an IV: a random 64-bit field per instance, then a 32-bit seal counter (NIST SP 800-38D 8.2.1)', () => {
    const a = new DataKey(MASTER);
    const b = new DataKey(MASTER);
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      for (const k of [a, b]) {
        const iv = k.seal(PLAIN).subarray(0, 12);
        assert.ok(!seen.has(iv.toString('hex')), `IV repeated at seal ${i}`);
        seen.add(iv.toString('hex'));
        assert.equal(iv.readUInt32BE(8), i, 'the counter part counts the seals');
      }
    }
    assert.notDeepEqual(a.seal(PLAIN).subarray(0, 8), b.seal(PLAIN).subarray(0, 8), 'two instances draw different fields');
  });

  it('refuses a tampered payload, a short one and another key with DARI_JOURNAL_UNAVAILABLE', () => {
    const k = new DataKey(MASTER);
    const sealed = k.seal(PLAIN);
    for (const at of [0, 12, 28, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] = (bad[at] as number) ^ 1;
      assert.throws(() => k.open(bad), (e: unknown) => e instanceof DariError && e.code === 'DARI_JOURNAL_UNAVAILABLE');
    }
    assert.throws(() => k.open(sealed.subarray(0, 27)), (e: unknown) => e instanceof DariError && e.code === 'DARI_JOURNAL_UNAVAILABLE');
    const other = new DataKey(Buffer.alloc(32, 7));
    assert.throws(() => other.open(sealed), (e: unknown) => e instanceof DariError && e.code === 'DARI_JOURNAL_UNAVAILABLE');
  });

  it('hashes a PAN with HMAC-SHA-256 under its own subkey; the key never shows', () => {
    const k = new DataKey(MASTER);
    assert.equal(k.panHash('4761739001010119'), k.panHash('4761739001010119'));
    assert.notEqual(k.panHash('4761739001010119'), new DataKey(Buffer.alloc(32, 7)).panHash('4761739001010119'));
    assert.match(k.panHash('4761739001010119'), /^[0-9a-f]{64}$/);
    assert.equal(JSON.stringify({ k }), '{"k":"[DataKey]"}');
    assert.equal(inspect(k), '[DataKey]');
  });
});
