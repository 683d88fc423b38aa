/**
 * The shape of a risk verdict (SPEC §7) and the stable code of every check. Cheap to import
 * (zod and the pure checks: no state, no I/O): tools use it for their output schema, the engine for its result.
 */
import { z } from 'zod';
import { RISK_CHECK_TABLE } from './checks/index.js';

/** Every check's name and code, in the order it is reported (from the one table in checks/index.ts). The code names the denial; it never changes. */
export const RISK_CHECKS = Object.freeze(RISK_CHECK_TABLE.map(({ name, code }) => ({ name, code })));

export type RiskCheckName = (typeof RISK_CHECKS)[number]['name'];
export type RiskCode = (typeof RISK_CHECKS)[number]['code'];
export const RISK_CODES = RISK_CHECKS.map((c) => c.code) as RiskCode[];

const checkValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const RiskCheckSchema = z.strictObject({
  name: z.enum(RISK_CHECKS.map((c) => c.name) as [RiskCheckName, ...RiskCheckName[]]),
  code: z.enum(RISK_CODES as [RiskCode, ...RiskCode[]]),
  passed: z.boolean(),
  limit: checkValue.describe('the limit applied (null when the check does not apply)'),
  actual: checkValue.describe('what the order would make of it (null when unknown or not applicable)'),
  message: z.string(),
});

export const RiskVerdictSchema = z.strictObject({
  passed: z.boolean().describe('true only when every check passed'),
  order_hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .describe('SHA-256 of the canonical order plus mode (SPEC §4)'),
  checks: z.array(RiskCheckSchema).describe('every check, always all of them, in a fixed order'),
});

export type RiskCheck = z.output<typeof RiskCheckSchema>;
export type RiskVerdict = z.output<typeof RiskVerdictSchema>;

/** The failed checks of a verdict, e.g. for an error message. */
export function failedChecks(verdict: RiskVerdict): RiskCheck[] {
  return verdict.checks.filter((c) => !c.passed);
}

/** One line per failed check, or a line saying all passed. */
export function describeVerdict(verdict: RiskVerdict): string {
  const failed = failedChecks(verdict);
  if (!failed.length) return `risk check passed (${verdict.checks.length} checks), order_hash ${verdict.order_hash}`;
  return [
    `risk check REFUSED: ${failed.length} of ${verdict.checks.length} checks failed (order_hash ${verdict.order_hash})`,
    ...failed.map((c) => `- ${c.code} ${c.name}: ${c.message}`),
  ].join('\n');
}
