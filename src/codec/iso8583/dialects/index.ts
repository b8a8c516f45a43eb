/**
 * Built-in dialects, and loading a user dialect from a JSON file. Each built-in is compiled once,
 * on first use, and shared.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DariError } from '../../../errors';
import { compileDialect, type CompiledDialect } from '../spec';

export const BUILTIN_DIALECTS = ['iso87ascii', 'iso87binary', 'iso87ebcdic', 'iso93ascii'] as const;
export type BuiltinDialect = (typeof BUILTIN_DIALECTS)[number];

const cache = new Map<string, CompiledDialect>();

/** The JSON files live beside the sources; `tsc` copies them through resolveJsonModule-free reads. */
function builtinPath(name: string): string {
  // dist/src/codec/iso8583/dialects -> src/codec/iso8583/dialects (the JSON is not compiled).
  const here = __dirname;
  const direct = join(here, `${name}.json`);
  if (existsSync(direct)) return direct;
  return join(here, '..', '..', '..', '..', '..', 'src', 'codec', 'iso8583', 'dialects', `${name}.json`);
}

export function isBuiltinDialect(name: string): name is BuiltinDialect {
  return (BUILTIN_DIALECTS as readonly string[]).includes(name);
}

export function builtinDialect(name: BuiltinDialect): CompiledDialect {
  let d = cache.get(name);
  if (!d) {
    d = compileDialect(JSON.parse(readFileSync(builtinPath(name), 'utf8')));
    cache.set(name, d);
  }
  return d;
}

/** Parse a dialect from JSON text; `origin` names the file in errors. */
export function dialectFromJson(text: string, origin: string): CompiledDialect {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new DariError('DARI_CODEC_SPEC_INVALID', `${origin}: not valid JSON (${(e as Error).message})`);
  }
  return compileDialect(raw);
}

/** A built-in name, or a path to a dialect JSON file. */
export function loadDialect(nameOrFile: string): CompiledDialect {
  if (isBuiltinDialect(nameOrFile)) return builtinDialect(nameOrFile);
  if (!existsSync(nameOrFile)) {
    throw new DariError('DARI_CODEC_SPEC_UNKNOWN', `no built-in dialect "${nameOrFile}" (built-ins: ${BUILTIN_DIALECTS.join(', ')}) and no such file`);
  }
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new DariError('DARI_CODEC_SPEC_UNKNOWN', `dialect file ${nameOrFile} cannot be read (${code === 'EISDIR' ? 'a folder, not a file' : code})`);
  }
  return dialectFromJson(text, nameOrFile);
}
