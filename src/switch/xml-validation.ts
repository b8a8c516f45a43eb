/**
 * Runtime XSD validation for an ISO 20022 partner: one SchemaValidator (libxml2 in WebAssembly,
 * each schema compiled once) over the operator's XSD folder, shared by the partners that name the
 * same folder. The gateway validates every message in and out; the first errors come back as text
 * ("Document line 3: ..."), [] when valid. The schemas the partner exchanges are compiled at start:
 * a missing XSD stops the hub there.
 */
import { SchemaValidator, type CheckedXml, type ValidationResult } from '../codec/iso20022';

export interface RuntimeValidator {
  /** A message this hub built (buildMessage): the gate is cut to what built text can need (SchemaValidator.validateBuilt). */
  outbound(xml: string): string[];
  /** A message from the partner, as checkMessage left it (the gate run once, for reading and validation). */
  inbound(checked: CheckedXml): string[];
}

const validators = new Map<string, Promise<SchemaValidator>>();

const errorsOf = (r: ValidationResult): string[] => (r.valid ? [] : r.errors.map((e) => `${e.part} line ${e.line}: ${e.message}`));

export async function loadRuntimeValidator(dir: string, schemas: readonly string[] = []): Promise<RuntimeValidator> {
  let v = validators.get(dir);
  if (!v) {
    v = SchemaValidator.open(dir);
    validators.set(dir, v);
    v.catch(() => validators.delete(dir));
  }
  const validator = await v;
  validator.preload(schemas);
  return {
    outbound: (xml) => errorsOf(validator.validateBuilt(xml)),
    inbound: (checked) => errorsOf(validator.validate(checked)),
  };
}
