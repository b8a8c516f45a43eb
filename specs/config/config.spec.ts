import { strict as assert } from 'node:assert';
import { DariError } from '../../src/errors';
import { loadConfig, parseConfig } from '../../src/config/load';

function rejects(yaml: string, re: RegExp): void {
  assert.throws(() => parseConfig(yaml, 'test.yaml'), (e: unknown) => e instanceof DariError && e.code === 'DARI_CONFIG_INVALID' && re.test(e.message));
}

describe('configuration', () => {
  it('the bundled default loads and names one participant, one simulated partner and a default route', () => {
    const c = loadConfig();
    assert.equal(c.listener.port, 8583);
    assert.equal(c.metrics.port, 9583);
    assert.equal(c.participants[0]?.dialect, 'iso87ascii');
    assert.equal(c.participants[0]?.framing.lengthHeader, 'binary2');
    assert.equal(c.partners[0]?.simulator, true);
    assert.ok((c.partners[0]?.requestTimeoutMs ?? 99999) <= 5000);
    assert.equal(c.defaultRoute, 'SIM-SWITCH');
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.partners[0]));
  });

  it('errors name the key', () => {
    rejects('listener: { port: 70000 }', /test\.yaml: listener\.port: must be an integer from 0 to 65535/);
    rejects('colour: red', /colour: unknown key/);
    rejects('participants: [{ id: A, allow: [not-an-ip] }]', /participants\[0\]\.allow\[0\]: must be an IP address/);
    rejects('participants: [{ id: A, allow: [127.0.0.1], framing: { lengthHeader: binary3 } }]', /participants\[0\]\.framing: framing option lengthHeader/);
    rejects('partners: [{ id: P, endpoints: [{ host: 127.0.0.1, port: 1 }], requestTimeoutMs: 5 }]', /partners\[0\]\.requestTimeoutMs/);
    rejects('partners: [{ id: P, endpoints: [{ host: 127.0.0.1, port: 1 }] }]\nroutes: [{ partner: Q }]', /routes\[0\]\.partner: no partner has id "Q"/);
    rejects('partners: [{ id: P, simulator: true, standInResponseCode: 91 }]', /standInResponseCode: must be a 2-character response code in quotes/);
    rejects('partners: [{ id: P, simulator: true }]\nroutes: [{ partner: P, pan: ["5599-51"] }]', /routes\[0\]\.pan\[0\]: range bounds/);
    rejects('listener: [', /not valid YAML/);
  });

  it('a missing file is DARI_CONFIG_NOT_FOUND', () => {
    assert.throws(() => loadConfig('/nonexistent/dari.yaml'), (e: unknown) => e instanceof DariError && e.code === 'DARI_CONFIG_NOT_FOUND');
  });
});
