/**
 * An acquirer written with another ISO 8583 library: the npm package `iso8583` (reekoheek's
 * node-iso8583, the "node-iso8583" of the design card) packs and parses iso87ascii messages
 * (ASCII MTI, hex bitmap, ASCII LL lengths); the socket code here only adds the 2-byte binary
 * length header. It pipelines many requests on one connection to a running hub and parses the
 * answers with the same library. (The library loses bitmap bits past the 53rd, so the messages
 * here stay below field 53.)
 */
import { strict as assert } from 'node:assert';
import net from 'node:net';
import { TestHub, nextStan } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ISO8583 } = require('iso8583') as { ISO8583: new (packager: Record<string, { length: number; name: string; type: string }>) => { pack(d: Record<string, string>): string; unpack(s: string): Record<string, string>; fields: unknown } };

const PACKAGER: Record<string, { length: number; name: string; type: string }> = {
  '0': { length: 4, name: 'MTI', type: 'n' },
  '1': { length: 16, name: 'Bitmap', type: 'b' },
  '2': { length: 19, name: 'PAN', type: 'lln' },
  '3': { length: 6, name: 'Processing code', type: 'n' },
  '4': { length: 12, name: 'Amount', type: 'n' },
  '7': { length: 10, name: 'Transmission date and time', type: 'n' },
  '11': { length: 6, name: 'STAN', type: 'n' },
  '12': { length: 6, name: 'Local time', type: 'n' },
  '13': { length: 4, name: 'Local date', type: 'n' },
  '18': { length: 4, name: 'MCC', type: 'n' },
  '22': { length: 3, name: 'POS entry mode', type: 'n' },
  '25': { length: 2, name: 'POS condition code', type: 'n' },
  '32': { length: 11, name: 'Acquirer id', type: 'lln' },
  '37': { length: 12, name: 'RRN', type: 'an' },
  '38': { length: 6, name: 'Auth id response', type: 'an' },
  '39': { length: 2, name: 'Response code', type: 'an' },
  '41': { length: 8, name: 'Terminal id', type: 'ans' },
  '42': { length: 15, name: 'Card acceptor id', type: 'ans' },
  '49': { length: 3, name: 'Currency', type: 'an' },
};

describe('integration: an acquirer built on another ISO 8583 library', function () {
  this.timeout(15000);
  let t: TestHub | undefined;
  after(async () => t?.close());

  it('pipelines 50 requests on one connection and parses every answer with its own library', async () => {
    t = await TestHub.start();
    const port = t.hub.ports.listener;
    const lib = new ISO8583(PACKAGER);
    const sent = new Map<string, string>(); // STAN -> expected field 39
    const frames: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const stan = nextStan();
      const amount = i % 5 === 0 ? '000000010051' : '000000010000';
      sent.set(stan, amount.endsWith('51') ? '51' : '00');
      const text = lib.pack({
        '0': '0200', '1': '', '2': '4761739001010119', '3': '000000', '4': amount, '7': '1126120000', '11': stan,
        '12': '120000', '13': '1126', '37': `6330${stan}00`, '41': 'FOREIGN1', '42': 'MERCHANT0000001', '49': '410',
      });
      const body = Buffer.from(text, 'latin1');
      const frame = Buffer.alloc(2 + body.length);
      frame.writeUInt16BE(body.length, 0);
      body.copy(frame, 2);
      frames.push(frame);
    }
    const answers = await new Promise<Array<Record<string, string>>>((resolve, reject) => {
      const out: Array<Record<string, string>> = [];
      let held = Buffer.alloc(0);
      const sock = net.connect(port, '127.0.0.1', () => sock.write(Buffer.concat(frames)));
      const timer = setTimeout(() => { sock.destroy(); reject(new Error(`only ${out.length} answers`)); }, 10000);
      sock.on('data', (chunk: Buffer) => {
        held = Buffer.concat([held, chunk]);
        while (held.length >= 2 && held.length >= 2 + held.readUInt16BE(0)) {
          const n = held.readUInt16BE(0);
          const parser = new ISO8583(PACKAGER);
          out.push(parser.unpack(held.subarray(2, 2 + n).toString('latin1')));
          held = held.subarray(2 + n);
        }
        if (out.length === frames.length) {
          clearTimeout(timer);
          sock.end();
          resolve(out);
        }
      });
      sock.on('error', reject);
    });
    assert.equal(answers.length, 50);
    for (const a of answers) {
      assert.equal(a['0'], '0210');
      const stan = a['11'] as string;
      assert.ok(sent.has(stan), `answer for a STAN we sent: ${stan}`);
      assert.equal(a['39'], sent.get(stan), `field 39 for STAN ${stan}`);
      assert.equal(a['41'], 'FOREIGN1');
      sent.delete(stan);
    }
    assert.equal(sent.size, 0, 'every request answered exactly once');
  });
});
