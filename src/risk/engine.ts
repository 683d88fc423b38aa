/**
 * The deterministic pre-trade risk engine (SPEC §7), after nautilus_trader's RiskEngine: every
 * check is a pure function of the order and a context the caller gathered (account, positions,
 * open orders, quotes, the broker's clock, the durable risk state, the profile's limits, now).
 * No I/O, no clock reads, no randomness: the same input always gives the same verdict. Every
 * check always reports (no early exit), so a refusal names every reason at once.
 *
 * Time: market checks (quote age, market hours, days to expiry, the trading day) use the
 * broker's clock (`clock.timestamp`), the source of truth for the market; the local rate and
 * duplicate windows use `now`, the time recorded with each submitted order.
 *
 * Every order kind goes through the same table (SPEC §12): brackets, OTO and OCO (exit_orders,
 * close_only), trailing stops (trailing_stop), single-leg options (options_level and the
 * options_* checks) and the input's action — place, close (close_only; no buying power for what
 * only reduces) or replace (the replaced order's reservation released before every check).
 *
 * The shared facts are derived once (context.ts); each check is one file in checks/, listed in
 * the one table checks/index.ts; this module maps the table to a verdict.
 *
 * @example
 *   const verdict = evaluateRisk({ order, mode: 'paper', account, positions, openOrders, quotes, clock, state, limits, now });
 *   if (!verdict.passed) throw new ToolError('RISK_REJECTED', describeVerdict(verdict), { verdict });
 */
import { RISK_CHECK_TABLE, type CheckResult, type CheckValue, type RiskCheckDefinition } from './checks/index.js';
import { fail } from './checks/result.js';
import { buildContext, type RiskContext } from './context.js';
import type { RiskInput } from './input.js';
import type { RiskLimits } from './limits.js';
import type { RiskCheck, RiskVerdict } from './verdict.js';

export type { RiskVerdict, RiskCheck } from './verdict.js';
export type { RecentOrder, RiskAction, RiskInput, RiskStateSnapshot } from './input.js';
export { normalizeSymbol } from './symbols.js';
export { daysBetween, nyTime, tradingDay } from './ny-time.js';
export { orderFingerprint } from './fingerprint.js';
export { executionPrice, quoteMid, trailFacts, type TrailFacts } from './prices.js';
export { exposureOf, projectedPosition, remainingQty, reservedBuyingPower, workingOrders, type Exposure } from './exposure.js';
export { exitFacts, type ExitFacts } from './exits.js';
export { estimatedNetPremium, legsPayoff, optionsMaxLoss, type MaxLoss, type ParsedLeg } from './payoff.js';
export { PDT_EQUITY_THRESHOLD } from './checks/pattern-day-trader.js';

/** Evaluate every SPEC §7 check. Pure: no I/O, no clock, no randomness. */
export function evaluateRisk(input: RiskInput): RiskVerdict {
  const ctx = buildContext(input);
  const checks = RISK_CHECK_TABLE.map((check) => runCheck(check, ctx, input.limits));
  return { passed: checks.every((c) => c.passed), order_hash: ctx.orderHash(), checks };
}

function runCheck({ name, code, evaluate }: RiskCheckDefinition<RiskCheck['name'], RiskCheck['code']>, ctx: RiskContext, limits: RiskLimits): RiskCheck {
  let result: CheckResult;
  try {
    result = evaluate(ctx, limits);
  } catch (err) {
    // A check that cannot decide refuses: a bug must never let an order through.
    result = fail(`check could not be evaluated: ${(err as Error).message}`);
  }
  return { name, code, passed: result.passed, limit: safe(result.limit), actual: safe(result.actual), message: result.message };
}

/** An infinite limit or actual is reported as null (JSON has no Infinity). */
const safe = (v: CheckValue): CheckValue => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

/** True when the verdict's daily-loss check failed: the caller must trip the durable halt. */
export function tripsHalt(verdict: RiskVerdict): boolean {
  return verdict.checks.some((c) => c.code === 'RISK_DAILY_LOSS' && !c.passed);
}
