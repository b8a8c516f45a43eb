/**
 * Iso20022PartnerSimulator over real loopback TCP: what it remembers stays bounded, so that the
 * built-in simulator of a long-running `dari start` does not grow without end (the ISO 8583
 * partner simulator's recordLimit, the same idea).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMessage, parseMessage } from '../../src/codec/iso20022';
import type { Pacs008 } from '../../src/codec/iso20022/types';
import { MessageLink } from '../../src/link/message-link';
import { Iso20022PartnerSimulator } from '../../src/sim/iso20022-partner';
import { waitFor } from '../integration/harness';
import { SHARED } from '../support/paths';

const SAMPLE = readFileSync(join(SHARED, 'iso20022', 'samples', 'pacs008_credit_transfer_sample.xml'));

/** The public sample pacs.008 with its own UETR, EndToEndId and MsgId. */
function payment(n: number): string {
  const m = parseMessage(SAMPLE);
  assert.equal(m.type, 'pacs.008.001.08');
  const doc = structuredClone(m.document) as Pacs008;
  doc.GrpHdr.MsgId = `MSG-${n}`;
  const tx = doc.CdtTrfTxInf[0]!;
  tx.PmtId.EndToEndId = `E2E-${n}`;
  tx.PmtId.UETR = `a1b2c3d4-e5f6-4890-abcd-${String(n).padStart(12, '0')}`;
  return buildMessage('pacs.008.001.08', doc);
}

describe('sim: Iso20022PartnerSimulator memory', () => {
  let sim: Iso20022PartnerSimulator | undefined;
  let link: MessageLink | undefined;

  afterEach(async () => {
    await link?.close();
    await sim?.stop();
    link = undefined;
    sim = undefined;
  });

  async function connect(s: Iso20022PartnerSimulator): Promise<MessageLink> {
    const l = new MessageLink({ id: 'test', role: 'client', host: '127.0.0.1', port: s.port });
    l.start();
    await waitFor(() => l.ready, 2000, () => 'the client link never came up');
    return l;
  }

  it('keeps at most recordLimit messages, rawLimit XML texts and paymentMemory payments, and counts them all', async () => {
    sim = await new Iso20022PartnerSimulator({ recordLimit: 3, rawLimit: 2, paymentMemory: 4 }).start();
    link = await connect(sim);
    const answers: string[] = [];
    link.on('message', (body) => answers.push(parseMessage(body).type));
    for (let n = 1; n <= 6; n++) link.send(payment(n));
    // Every payment is answered (pacs.002), remembered or not.
    await waitFor(() => answers.length === 6, 3000, () => `${answers.length} of 6 payments answered`);
    assert.deepEqual([...new Set(answers)], ['pacs.002.001.10']);
    assert.equal(sim.receivedCount, 6);
    assert.equal(sim.count('pacs.008'), 6);
    assert.equal(sim.received.length, 3, 'the first recordLimit messages are kept');
    assert.equal(sim.raw.length, 2, 'the first rawLimit XML texts are kept');
    assert.match(sim.raw[0]!.xml, /MSG-1/);
    // The most recent payments stay answerable; the oldest are forgotten first.
    assert.equal(sim.payments.size, 4);
    assert.deepEqual([...sim.payments.keys()].map((k) => k.slice(-2)), ['03', '04', '05', '06']);
  });

  it('defaults: 100,000 messages, 1,000 XML texts, 10,000 payments', () => {
    const s = new Iso20022PartnerSimulator();
    assert.deepEqual(s.limits, { recordLimit: 100_000, rawLimit: 1_000, paymentMemory: 10_000 });
  });
});
