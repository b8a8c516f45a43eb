/**
 * Runtime XSD validation for an ISO 20022 partner: one SchemaValidator (libxml2 in WebAssembly,
 * each schema compiled once) over the operator's XSD folder, as a function the gateway calls on
 * every message in and out. Returns the first errors as text ("Document line 3: ..."), [] when valid.
 * The schemas the partner exchanges are compiled at start: a missing XSD stops the hub there.
 */
import { SchemaValidator } from '../codec/iso20022';

const validators = new Map<string, Promise<SchemaValidator>>();

export async function loadRuntimeValidator(dir: string, schemas: readonly string[] = []): Promise<(xml: string, type: string) => string[]> {
  let v = validators.get(dir);
  if (!v) {
    v = SchemaValidator.open(dir);
    validators.set(dir, v);
    v.catch(() => validators.delete(dir));
  }
  const validator = await v;
  validator.preload(schemas);
  return (xml) => {
    const r = validator.validate(xml);
    return r.valid ? [] : r.errors.map((e) => `${e.part} line ${e.line}: ${e.message}`);
  };
}
