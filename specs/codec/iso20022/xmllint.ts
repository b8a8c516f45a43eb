/**
 * Debian's xmllint (libxml2-utils) as an independent oracle: `xmllint --noout --nonet --schema X.xsd`.
 * The specs that use it fail, not skip, when it is missing (CI installs it: see .ci/run).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED } from '../../support/paths';

export const XSD_DIR = join(SHARED, 'iso20022', 'xsd');
export const SAMPLES_DIR = join(SHARED, 'iso20022', 'samples');

let dir: string | undefined;

export function requireXmllint(): void {
  const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, 'xmllint is not installed (Debian package libxml2-utils): the ISO 20022 schema specs need it');
}

/** Validate one XML text against ../shared/iso20022/xsd/<schema>.xsd; returns xmllint's verdict and messages. */
export function xmllint(xml: string, schema: string): { ok: boolean; output: string } {
  dir ??= mkdtempSync(join(tmpdir(), 'dari-xmllint-'));
  const file = join(dir, `${schema}-${process.pid}.xml`);
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', join(XSD_DIR, `${schema}.xsd`), file], { encoding: 'utf8' });
  assert.ok(!r.error, `xmllint could not run: ${r.error?.message}`);
  return { ok: r.status === 0, output: r.stderr };
}

/**
 * The AppHdr and Document elements of a built message, cut out as they are (Dari writes each with
 * its own default namespace declaration, so each piece is a document by itself).
 */
export function splitParts(xml: string): { header?: string; document: string } {
  const header = /<AppHdr\b[\s\S]*<\/AppHdr>/.exec(xml)?.[0];
  const document = /<Document\b[\s\S]*<\/Document>/.exec(xml)?.[0];
  assert.ok(document !== undefined, 'no Document in the built message');
  return header === undefined ? { document } : { header, document };
}
