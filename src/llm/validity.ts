/**
 * Was a reply valid against the JSON schema its call asked for? The adaptive policy's first quality signal
 * (SPEC §15). Ajv (already in the tree as the MCP SDK's validator; a maintained, standard JSON Schema
 * implementation) compiles each schema once; a schema it cannot compile gives no signal rather than a
 * wrong one. Loaded with the router, never at start-up.
 *
 * @example replyValidity('{"vote":"APPROVE"}', { name: 'v', schema }) // true | false; null without a schema
 */
import { Ajv } from 'ajv';
import type { JsonSchemaFormat } from './types.js';

const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });

type Check = (value: unknown) => boolean;
const compiled = new WeakMap<object, Check | null>();

function checkFor(schema: Record<string, unknown>): Check | null {
  if (compiled.has(schema)) return compiled.get(schema)!;
  let check: Check | null;
  try {
    const validate = ajv.compile(schema);
    check = (v) => validate(v) === true;
  } catch {
    check = null;
  }
  compiled.set(schema, check);
  return check;
}

/** true: JSON matching the schema; false: not JSON, or not matching; null: no schema asked (or none usable). */
export function replyValidity(content: string, format: JsonSchemaFormat | undefined): boolean | null {
  if (!format) return null;
  const check = checkFor(format.schema);
  if (!check) return null;
  let value: unknown;
  try {
    value = JSON.parse(content);
  } catch {
    return false;
  }
  return check(value);
}
