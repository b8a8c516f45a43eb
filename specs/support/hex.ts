/** Read an annotated hex dump (fixtures): '#' starts a comment, whitespace is ignored. */
import { readFileSync } from 'node:fs';

export function readHexDump(path: string): Buffer {
  const text = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('')
    .replace(/\s+/g, '');
  if (!/^([0-9A-Fa-f]{2})*$/.test(text)) throw new Error(`${path}: not a hex dump`);
  return Buffer.from(text, 'hex');
}
