/**
 * The shape of one check: a stable name and denial code, and a pure function of the shared
 * context and the profile's limits. Every check always reports; a refusal names its reason.
 * @example export const myCheck = defineCheck({ name: 'my_check', code: 'RISK_MY_CHECK', evaluate: (ctx, limits) => pass('fine') });
 */
import type { RiskContext } from '../context.js';
import type { RiskLimits } from '../limits.js';

/** A check's limit or actual value as reported (null when unknown or not applicable). */
export type CheckValue = number | string | boolean | null;

export interface CheckResult {
  passed: boolean;
  limit: CheckValue;
  actual: CheckValue;
  message: string;
}

export interface RiskCheckDefinition<Name extends string = string, Code extends string = string> {
  name: Name;
  /** The code that names the denial; it never changes. */
  code: Code;
  evaluate: (ctx: RiskContext, limits: RiskLimits) => CheckResult;
}

/** Declare a check, keeping its name and code as literal types for the verdict schema. */
export function defineCheck<Name extends string, Code extends string>(check: RiskCheckDefinition<Name, Code>): RiskCheckDefinition<Name, Code> {
  return check;
}

export const pass = (message: string, limit: CheckValue = null, actual: CheckValue = null): CheckResult => ({ passed: true, limit, actual, message });
export const fail = (message: string, limit: CheckValue = null, actual: CheckValue = null): CheckResult => ({ passed: false, limit, actual, message });
export const na = (why: string): CheckResult => pass(`not applicable: ${why}`);
