/**
 * The shape of a risk verdict (SPEC §7) and the stable code of every check. Cheap to import
 * (zod only): tools use it for their output schema, the engine for its result.
 */
import { z } from 'zod';

/** Every check, in the order it is reported. The code names the denial; it never changes. */
export const RISK_CHECKS = [
  { name: 'trading_halted', code: 'RISK_HALTED' },
  { name: 'account_status', code: 'RISK_ACCOUNT_BLOCKED' },
  { name: 'symbol_allow_list', code: 'RISK_SYMBOL_NOT_ALLOWED' },
  { name: 'symbol_deny_list', code: 'RISK_SYMBOL_DENIED' },
  { name: 'max_order_notional', code: 'RISK_MAX_NOTIONAL' },
  { name: 'max_order_qty', code: 'RISK_MAX_QTY' },
  { name: 'price_collar', code: 'RISK_PRICE_COLLAR' },
  { name: 'quote_fresh', code: 'RISK_STALE_QUOTE' },
  { name: 'max_position', code: 'RISK_MAX_POSITION' },
  { name: 'buying_power', code: 'RISK_BUYING_POWER' },
  { name: 'max_open_orders', code: 'RISK_MAX_OPEN_ORDERS' },
  { name: 'order_rate_minute', code: 'RISK_RATE_MINUTE' },
  { name: 'order_rate_hour', code: 'RISK_RATE_HOUR' },
  { name: 'max_daily_loss', code: 'RISK_DAILY_LOSS' },
  { name: 'duplicate_order', code: 'RISK_DUPLICATE_ORDER' },
  { name: 'market_hours', code: 'RISK_MARKET_CLOSED' },
  { name: 'pattern_day_trader', code: 'RISK_PDT' },
  { name: 'options_legs', code: 'RISK_OPTIONS_LEGS' },
  { name: 'options_defined_risk', code: 'RISK_UNDEFINED_RISK' },
  { name: 'options_max_loss', code: 'RISK_OPTIONS_MAX_LOSS' },
  { name: 'options_days_to_expiry', code: 'RISK_DAYS_TO_EXPIRY' },
] as const;

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
  order_hash: z.string().regex(/^[0-9a-f]{64}$/).describe('SHA-256 of the canonical order plus mode (SPEC §4)'),
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
  return [`risk check REFUSED: ${failed.length} of ${verdict.checks.length} checks failed (order_hash ${verdict.order_hash})`, ...failed.map((c) => `- ${c.code} ${c.name}: ${c.message}`)].join('\n');
}
