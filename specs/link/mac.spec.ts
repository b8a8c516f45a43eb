/**
 * Message authentication on ISO 8583 links (field 64/128, src/security/hsm/iso8583-mac.ts): both
 * sides sign and verify with an HSM MAC key; the MAC is checked against an independent computation
 * (the retail MAC of the packed bytes before field 64, as ISO 9797-1 algorithm 3 defines it, done
 * here with node:crypto); a request without a valid MAC is refused (formatError, answerable), a
 * response without one is dropped so its request times out; sign-on (0800) goes without a MAC.
 */
import { strict as assert } from 'node:assert';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { Iso8583Codec, loadDialect, type Iso8583Message } from '../../src/codec/iso8583';
import { DariError } from '../../src/errors';
import { Link, acceptLink, type LinkOptions } from '../../src/link';
import { SoftwareHsm } from '../../src/security/hsm/hsm';

const FRAMING = { lengthHeader: 'binary2' as const };
/** The double-length test key of ISO 9797-1 examples and pyemv's tests (not a real key). */
const KEY = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');

/**
 * ISO 9797-1 MAC algorithm 3, padding method 1, written directly on node:crypto: single DES CBC
 * with K1 over the blocks, then D(K2) and E(K1) on the result. Single DES is DES-EDE3 with the key
 * repeated three times (OpenSSL 3 keeps plain DES in its legacy provider only).
 */
function des(key: Buffer, block: Buffer, decrypt = false): Buffer {
  const k = Buffer.concat([key, key, key]);
  const c = decrypt ? createDecipheriv('des-ede3-ecb', k, null) : createCipheriv('des-ede3-ecb', k, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function retailMacReference(key: Buffer, data: Buffer): Buffer {
  const k1 = key.subarray(0, 8);
  const k2 = key.subarray(8, 16);
  const padded = Buffer.concat([data, Buffer.alloc((8 - (data.length % 8)) % 8)]);
  let h: Buffer = Buffer.alloc(8);
  for (let i = 0; i < padded.length; i += 8) h = des(k1, Buffer.from(padded.subarray(i, i + 8).map((b, j) => b ^ (h[j] as number))));
  return des(k1, des(k2, h, true));
}

function hsmWithKey(): SoftwareHsm {
  const hsm = new SoftwareHsm({ masterKey: randomBytes(32) });
  hsm.importClearKey({ type: 'mac', algorithm: 'tdes', key: KEY, id: 'link-mac' });
  return hsm;
}

const request = (stan: string): Iso8583Message => ({
  mti: '0200', fields: { '3': '000000', '4': '000000010000', '7': '1126120000', '11': stan, '41': 'TERM0001', '49': '410' },
});

describe('link: message authentication (field 64)', function () {
  this.timeout(10000);
  const codec = new Iso8583Codec(loadDialect('iso87ascii'));
  let server: net.Server;
  let port = 0;
  let serverOptions: { mac?: (d: Buffer) => Buffer; answerWithoutMac?: boolean } = {};
  const seen: { mti: string; fields: Record<string, string> }[] = [];
  const formatErrors: DariError[] = [];
  const links: Link[] = [];

  before(async () => {
    server = net.createServer((socket) => {
      const l = acceptLink(socket, {
        codec, framing: FRAMING, ...(serverOptions.mac ? { mac: serverOptions.mac } : {}),
        onRequest: (msg, reply) => {
          seen.push(msg);
          const fields: Record<string, string> = { ...msg.fields, '39': '00' };
          delete fields['64'];
          reply({ mti: '0210', fields });
        },
      });
      l.on('formatError', (e, info) => {
        formatErrors.push(e);
        if (info.reply && info.mti) info.reply({ mti: '0210', fields: { ...info.fields, '39': e.code === 'DARI_LINK_MAC_INVALID' ? '63' : '30' } });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    await Promise.all(links.map((l) => l.close()));
    await new Promise<void>((r) => server.close(() => r()));
  });

  beforeEach(() => {
    seen.length = 0;
    formatErrors.length = 0;
  });

  async function client(o: Partial<LinkOptions> = {}): Promise<Link> {
    const l = new Link({ role: 'client', host: '127.0.0.1', port, codec, framing: FRAMING, signOn: true, requestTimeoutMs: 600, ...o }).start();
    links.push(l);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`link ${l.state}`)), 3000);
      l.once('ready', () => { clearTimeout(t); resolve(); });
    });
    return l;
  }

  it('both sides MAC: the request carries field 64 = the retail MAC of its bytes before it; the answer is verified and delivered', async () => {
    const hsm = hsmWithKey();
    const mac = (d: Buffer): Buffer => hsm.generateMac({ keyId: 'link-mac', data: d });
    serverOptions = { mac };
    const l = await client({ mac });
    const { response } = await l.request(request('000101'));
    assert.equal(response.fields['39'], '00');
    assert.match(response.fields['64'] ?? '', /^[0-9A-F]{16}$/, 'the answer was signed');
    const got = seen[0];
    assert.ok(got);
    const f64 = got.fields['64'] as string;
    // Independent check: pack the request as received, drop field 64 (8 bytes, carried as 16 hex
    // digits in iso87ascii), MAC the rest with node:crypto.
    const packed = codec.pack(got);
    assert.equal(f64, retailMacReference(KEY, packed.subarray(0, packed.length - 16)).toString('hex').toUpperCase());
    await l.close();
  });

  it('a request without a MAC is refused before it reaches the handler (DARI_LINK_MAC_INVALID, answered 63)', async () => {
    const hsm = hsmWithKey();
    serverOptions = { mac: (d) => hsm.generateMac({ keyId: 'link-mac', data: d }) };
    const l = await client();
    const { response } = await l.request(request('000102'));
    assert.equal(response.fields['39'], '63');
    assert.equal(seen.length, 0);
    assert.equal(formatErrors[0]?.code, 'DARI_LINK_MAC_INVALID');
    await l.close();
  });

  it('a request signed with another key is refused the same way', async () => {
    const hsm = hsmWithKey();
    serverOptions = { mac: (d) => hsm.generateMac({ keyId: 'link-mac', data: d }) };
    const other = new SoftwareHsm({ masterKey: randomBytes(32) });
    other.importClearKey({ type: 'mac', algorithm: 'tdes', key: randomBytes(16), id: 'k' });
    const l = await client({ mac: (d) => other.generateMac({ keyId: 'k', data: d }) });
    const { response } = await l.request(request('000103')).catch((e: unknown) => ({ response: { mti: '', fields: { '39': (e as DariError).code } } }));
    // The server's 0210 carries no MAC the client accepts (the server signs with its own key): the client drops it.
    assert.equal(response.fields['39'], 'DARI_LINK_TIMEOUT');
    assert.equal(formatErrors[0]?.code, 'DARI_LINK_MAC_INVALID');
    assert.equal(seen.length, 0);
    await l.close();
  });

  it('an answer without a MAC is dropped: the request times out (to be reversed), never applied', async () => {
    serverOptions = {};
    const hsm = hsmWithKey();
    const l = await client({ mac: (d) => hsm.generateMac({ keyId: 'link-mac', data: d }) });
    const errors: string[] = [];
    l.on('formatError', (e) => errors.push(e.code));
    await assert.rejects(l.request(request('000104')), (e: DariError) => e.code === 'DARI_LINK_TIMEOUT');
    assert.deepEqual(errors, ['DARI_LINK_MAC_INVALID']);
    assert.equal(seen.length, 1, 'the unsigned server did get the request');
    await l.close();
  });
});
