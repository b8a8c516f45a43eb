/**
 * Software HSM benchmark: ARQC verifications per second (SoftwareHsm.verifyArqc on a Visa CVN 18
 * field 55, the pyemv test vector) and PIN translations per second (ISO 9564 format 0, ZPK1 ->
 * ZPK2, 3DES), each beside a baseline in the same run: the same number of raw node:crypto 3DES
 * block encryptions (createCipheriv('des-ede-ecb') + update + final per call), the cheapest
 * thing a call into OpenSSL costs. The ratio is how many raw block operations one HSM call is
 * worth. An ARQC verification opens five cipher contexts (ICC master key, session key, the MAC's
 * CBC chain, the two steps of its final transform) and parses field 55; a PIN translation opens
 * two (decrypt, encrypt) and builds and checks the PIN fields.
 *
 * Method: warm-up, then RUNS runs; in each run every candidate does one timed batch of N calls,
 * in rotating order, so drift on a shared machine falls on all alike. The figure is the median
 * rate over runs (min..max beside it). Run: `npm run bench -- hsm` or `node dist/bench/hsm.bench.js
 * [--quick]`.
 */
import { createCipheriv } from 'node:crypto';
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { encodeTlv } from '../src/codec/iso8583/tlv';
import { SoftwareHsm } from '../src/security/hsm/hsm';
import { encodePinBlock } from '../src/security/hsm/pin-block';

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 9;
const N = QUICK ? 2_000 : 10_000;

const H = (s: string): Buffer => Buffer.from(s, 'hex');

// pyemv tests/test_cvn_hsm.py test_visa_cvn18: IMK, PAN 1234567890123456, PSN 00, ARQC 7A788EA6B8A3E733.
const IMK = H('0123456789ABCDEFFEDCBA9876543210');
const TAGS: Record<string, string> = {
  '9F26': '7A788EA6B8A3E733', '9F27': '80', '9F02': '000000004000', '9F03': '000000000000', '9F1A': '0124', '95': '8000048000',
  '5F2A': '0124', '9A': '191105', '9C': '01', '9F37': '52BF4585', '82': '1800', '9F36': '001C', '9F10': '06011203A0B800',
};
const ICC = H(encodeTlv(Object.entries(TAGS).map(([tag, value]) => ({ tag, value }))));
const PAN = '1234567890123456';

interface Candidate { name: string; run: (n: number) => void; rates: number[] }

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function main(): void {
  const hsm = new SoftwareHsm({ masterKey: Buffer.alloc(32, 0x42) });
  const imkId = hsm.importClearKey({ type: 'imk-ac', algorithm: 'tdes', key: IMK }).id;
  const zpk1 = H('0123456789ABCDEFFEDCBA9876543210');
  const from = hsm.importClearKey({ type: 'zpk', algorithm: 'tdes', key: zpk1, id: 'zpk-1' }).id;
  const to = hsm.generateKey({ type: 'zpk', algorithm: 'tdes', id: 'zpk-2' }).id;
  const pinBlock = encodePinBlock(zpk1, 0, '1234', PAN);
  const req = { imkId, pan: PAN, psn: '00', cvn: 'visa18' as const, icc: ICC };
  if (!hsm.verifyArqc(req).ok) throw new Error('bench: the CVN 18 vector does not verify');

  let sink = 0;
  const block = Buffer.alloc(8);
  const cands: Candidate[] = [
    { name: 'ARQC verify (SoftwareHsm.verifyArqc, Visa CVN 18)', rates: [], run: (n) => { for (let i = 0; i < n; i++) sink += hsm.verifyArqc(req).atc; } },
    { name: 'PIN translate (format 0, ZPK1 -> ZPK2)', rates: [], run: (n) => { for (let i = 0; i < n; i++) sink += hsm.translatePin({ fromKeyId: from, toKeyId: to, pinBlock, pan: PAN })[0] as number; } },
    {
      name: 'baseline: one raw 3DES block encryption', rates: [], run: (n) => {
        for (let i = 0; i < n; i++) {
          const c = createCipheriv('des-ede-ecb', IMK, null);
          c.setAutoPadding(false);
          sink += (c.update(block)[0] as number) + c.final().length;
        }
      },
    },
  ];
  for (const c of cands) c.run(Math.max(200, N / 10)); // warm-up
  for (let r = 0; r < RUNS; r++) {
    for (let k = 0; k < cands.length; k++) {
      const c = cands[(r + k) % cands.length] as Candidate;
      const t0 = performance.now();
      c.run(N);
      c.rates.push(N / ((performance.now() - t0) / 1000));
    }
  }

  const cpus = os.cpus();
  console.log(`machine: ${cpus[0]?.model ?? '?'} x ${cpus.length} (os.cpus), ${os.type()} ${os.release()} ${os.arch()}, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`${RUNS} runs x ${N} calls per candidate${QUICK ? ' (--quick)' : ''}; median rate (min..max)\n`);
  const base = median((cands[2] as Candidate).rates);
  for (const c of cands) {
    const m = median(c.rates);
    const ratio = c === cands[2] ? '' : `   = ${(base / m).toFixed(1)} raw 3DES block ops per call`;
    console.log(`${c.name.padEnd(52)} ${Math.round(m).toLocaleString('en-US').padStart(10)} /s  (${Math.round(Math.min(...c.rates)).toLocaleString('en-US')}..${Math.round(Math.max(...c.rates)).toLocaleString('en-US')})${ratio}`);
  }
  if (sink === -1) console.log('');
}

main();
