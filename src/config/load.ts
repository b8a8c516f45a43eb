/** Load the hub configuration from a YAML file (or the bundled default) and validate it. */
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { DariError } from '../errors';
import { readConfigText } from './read';
import { validateConfig, type HubConfig } from './schema';

/** The bundled configuration `npm start` uses: config/default.yaml in the repository. */
export const DEFAULT_CONFIG_FILE = join(__dirname, '..', '..', '..', 'config', 'default.yaml');

export function parseConfig(text: string, origin: string): HubConfig {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new DariError('DARI_CONFIG_INVALID', `${origin}: not valid YAML: ${(e?.message ?? '').split('\n')[0]}`);
  }
  try {
    return validateConfig(doc.toJS());
  } catch (e) {
    if (e instanceof DariError) throw new DariError(e.code, `${origin}: ${e.message}`);
    throw e;
  }
}

export function loadConfig(file: string = DEFAULT_CONFIG_FILE): HubConfig {
  return parseConfig(readConfigText(file, 'configuration file'), file);
}
