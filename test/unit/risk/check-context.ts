/**
 * A small context factory for testing one check alone: the baseline RiskInput of fixtures.ts
 * (10 AAPL limit 100, $100k account, market open), changed where a case says, derived by the
 * real buildContext; `facts` overrides derived facts directly when a case needs one the input
 * cannot easily produce.
 */
import type { CheckResult, RiskCheckDefinition } from '../../../src/risk/checks/index.js';
import { buildContext, type RiskContext } from '../../../src/risk/context.js';
import type { RiskInput } from '../../../src/risk/input.js';
import type { RiskLimits } from '../../../src/risk/limits.js';
import type { OrderLeg } from '../../../src/orders/order.js';
import { baseInput, isoBefore, limits as defaultLimits, occ, OPEN_AT, order, quote } from './fixtures.js';

export interface CheckCase {
  /** Changes to the baseline input. */
  input?: Partial<RiskInput>;
  /** Changes to the profile's limits (over those of `input`, else the schema defaults). */
  limits?: Partial<RiskLimits>;
  /** Derived facts to override after buildContext. */
  facts?: Partial<RiskContext>;
}

export function contextFor(c: CheckCase = {}): { ctx: RiskContext; limits: RiskLimits } {
  const limits = { ...(c.input?.limits ?? defaultLimits()), ...c.limits };
  const input = baseInput({ ...c.input, limits });
  return { ctx: { ...buildContext(input), ...c.facts }, limits };
}

/** Run one check on a case. */
export function runCheck(check: RiskCheckDefinition, c: CheckCase = {}): CheckResult {
  const { ctx, limits } = contextFor(c);
  return check.evaluate(ctx, limits);
}

/** One leg of a SPY (or `root`) option order expiring on `expiry`, opening unless `intent` says otherwise. */
export function leg(
  type: 'C' | 'P',
  strike: number,
  side: 'buy' | 'sell',
  o: { expiry?: string; root?: string; ratio?: number; intent?: OrderLeg['position_intent'] } = {},
): OrderLeg {
  return {
    symbol: occ(o.expiry ?? '2026-04-09', type, strike, o.root),
    side,
    ratio_qty: o.ratio ?? 1,
    position_intent: o.intent ?? (side === 'buy' ? 'buy_to_open' : 'sell_to_open'),
  };
}

/** A multi-leg limit order on `legs` with a fresh 1.00/1.20 quote on each leg. */
export function mlegInput(legs: OrderLeg[], o: { qty?: number; limit?: number | null } = {}): Partial<RiskInput> {
  const ts = isoBefore(OPEN_AT, 1);
  return {
    order: {
      ...order({ side: 'buy', qty: 1, type: 'limit', limit_price: 1, order_class: 'mleg', legs: [leg('P', 100, 'sell'), leg('P', 95, 'buy')] }),
      legs,
      qty: o.qty ?? 1,
      limit_price: o.limit === undefined ? 1 : o.limit,
    },
    quotes: Object.fromEntries(legs.map((l) => [l.symbol, quote(l.symbol, 1, 1.2, ts)])),
  };
}

/** A single-leg option order on `symbol` (default the SPY 2026-04-09 100 call) with a fresh 1.00/1.20 quote on it. */
export function optionInput(
  o: { side?: 'buy' | 'sell'; qty?: number; limit?: number | null; intent?: OrderLeg['position_intent']; symbol?: string } = {},
): Partial<RiskInput> {
  const symbol = o.symbol ?? occ('2026-04-09', 'C', 100);
  const limit = o.limit === undefined ? 1.1 : o.limit;
  return {
    order: order({
      symbol,
      side: o.side ?? 'buy',
      qty: o.qty ?? 2,
      ...(limit === null ? { type: 'market' as const } : { type: 'limit' as const, limit_price: limit }),
      ...(o.intent ? { position_intent: o.intent } : {}),
    }),
    quotes: { [symbol]: quote(symbol, 1, 1.2, isoBefore(OPEN_AT, 1)) },
  };
}
