import { existsSync, readFileSync } from 'node:fs';
import { DariError } from '../errors';

/**
 * The text of a configuration file (`what`: "configuration file", "FX file"): a missing or
 * unreadable file is DARI_CONFIG_NOT_FOUND naming it.
 */
export function readConfigText(file: string, what: string): string {
  if (!existsSync(file)) throw new DariError('DARI_CONFIG_NOT_FOUND', `${file}: no such ${what}`);
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new DariError('DARI_CONFIG_NOT_FOUND', `${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
