/**
 * The risk service: gathers the context the pure engine needs (account, positions, open orders,
 * quotes and clock from the broker; halt, starting equity and recent orders from the durable risk
 * state), evaluates, and trips the durable halt when the daily-loss check fails. `check_risk` and
 * `place_order` both call `assessOrder`, so they compute the same verdict.
 *
 * @example
 *   const verdict = await assessOrder(deps, parsedOrder);
 *   if (verdict.passed && (await claimOrderSlot(deps, normalizeOrder(parsedOrder), new Date())).ok) { ...submit... }
 */
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import type { Broker, OptionSnapshot, Quote, RiskView } from '../broker/types.js';
import { canonicalOrder, normalizeOrder, OCC_SYMBOL, orderHash, parseOcc, type NormalizedOrder, type ParsedOrder } from '../orders/order.js';
import { evaluateRisk, orderFingerprint, tradingDay, tripsHalt, type RiskInput } from './engine.js';
import type { LessonRules, RiskAction } from './input.js';
import { accountKey, getRiskState, type ClaimResult, type ClaimRules, type SubmittedOrder } from './state.js';

export { getRiskState } from './state.js';
import type { RiskVerdict } from './verdict.js';

// loaded on first use, then the same promise (a dynamic import() per call costs ~5 µs on the hot path)
let brokerLoaded: Promise<typeof import('../broker/index.js')> | undefined;
const brokerModule = () => (brokerLoaded ??= import('../broker/index.js'));

async function broker(deps: Deps): Promise<Broker> {
  const { getBroker } = await brokerModule();
  return getBroker(deps);
}

/** A quote the broker does not have is a missing quote (the verdict refuses), not a failed call. */
async function quoteOrNull(fetch: () => Promise<Quote>): Promise<Quote | null> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof ToolError && (err.code === 'NOT_FOUND' || err.code === 'BROKER_REJECTED')) return null;
    throw err;
  }
}

/** Quotes of the legs of a multi-leg order, from each underlying's chain snapshots over the legs' expiries. */
async function legQuotes(b: Broker, order: NormalizedOrder): Promise<Record<string, Quote | null>> {
  const quotes: Record<string, Quote | null> = {};
  const legs = (order.legs ?? []).map((l) => ({ symbol: l.symbol, occ: parseOcc(l.symbol) }));
  const byUnderlying = new Map<string, string[]>();
  for (const l of legs) {
    quotes[l.symbol] = null;
    if (!l.occ) continue;
    byUnderlying.set(l.occ.underlying, [...(byUnderlying.get(l.occ.underlying) ?? []), l.occ.expiration]);
  }
  await Promise.all(
    [...byUnderlying.entries()].map(async ([underlying, expiries]) => {
      const sorted = [...expiries].sort();
      const snapshots = await snapshotsOrNone(() => b.getOptionSnapshots({ underlying, expirationGte: sorted[0], expirationLte: sorted[sorted.length - 1] }));
      for (const s of snapshots) if (s.symbol in quotes && s.latestQuote) quotes[s.symbol] = s.latestQuote;
    }),
  );
  // A contract the chain does not list has no quote: the verdict refuses it (stale_quote).
  return quotes;
}

/** The quote of one OCC contract, from its own snapshot (null when the broker has no market data for it). */
async function contractQuote(b: Broker, symbol: string): Promise<Record<string, Quote | null>> {
  const snapshots = await snapshotsOrNone(() => b.getOptionSnapshotsFor([symbol]));
  return { [symbol]: snapshots.find((s) => s.symbol === symbol)?.latestQuote ?? null };
}

/** Option snapshots the broker cannot find are none (the verdict refuses on the missing quote), not a failed call. */
async function snapshotsOrNone(fetch: () => Promise<OptionSnapshot[]>): Promise<OptionSnapshot[]> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof ToolError && (err.code === 'NOT_FOUND' || err.code === 'BROKER_REJECTED')) return [];
    throw err;
  }
}

/** The quotes the order is priced on: its legs', its option contract's, or its equity symbol's. */
function quotesFor(b: Broker, order: NormalizedOrder): Promise<Record<string, Quote | null>> {
  if (order.order_class === 'mleg' || order.legs?.length) return legQuotes(b, order);
  const symbol = order.symbol;
  if (!symbol) return Promise.resolve({});
  if (OCC_SYMBOL.test(symbol)) return contractQuote(b, symbol);
  return quoteOrNull(() => b.getLatestQuote(symbol)).then((q) => ({ [symbol]: q }));
}

const OPEN_ORDERS = { status: 'open', limit: 500 } as const;

/** Account, positions, open orders and clock: in one read when the broker offers one (the sim), else four calls in parallel. */
async function accountView(b: Broker): Promise<RiskView> {
  if (b.riskView) return b.riskView(OPEN_ORDERS);
  const [account, positions, openOrders, clock] = await Promise.all([b.getAccount(), b.getPositions(), b.listOrders(OPEN_ORDERS), b.getClock()]);
  return { account, positions, openOrders, clock };
}

/**
 * Everything evaluateRisk needs for this order, read from the broker and the risk state. `action`
 * says what the order does (absent: a new order); a replace carries the open order it replaces.
 * `lessons` are the lessons' block rules, gathered by the caller (risk never reads lessons).
 */
export async function gatherRiskInput(
  deps: Deps,
  order: NormalizedOrder,
  now: Date = new Date(),
  action?: RiskAction,
  lessons?: LessonRules,
): Promise<RiskInput> {
  const b = await broker(deps);
  const state = await getRiskState(deps);
  const limits = deps.profile.risk;
  const [{ account, positions, openOrders, clock }, quotes] = await Promise.all([accountView(b), quotesFor(b, order)]);
  const day = tradingDay(clock.timestamp || now);
  // The day's base is the equity at the previous close when the broker reports it, else the first equity seen today.
  const candidate = account.lastEquity > 0 ? account.lastEquity : account.equity;
  const [halt, startOfDayEquity, recentOrders] = await Promise.all([
    state.isHalted(),
    state.startOfDayEquity(accountKey(account), day, candidate, now),
    state.recentOrders(new Date(now.getTime() - Math.max(3_600_000, limits.duplicateWindowSec * 1000))),
  ]);
  return {
    order,
    ...(action ? { action } : {}),
    ...(lessons ? { lessons } : {}),
    mode: deps.mode,
    account,
    positions,
    openOrders,
    quotes,
    clock,
    state: { halted: halt.halted, haltReason: halt.reason, haltedAt: halt.at, startOfDayEquity, recentOrders },
    limits,
    now,
  };
}

/** Evaluate a normalized order (a new one unless `action` says close or replace); a failed daily-loss check trips the durable halt. */
export async function assessNormalizedOrder(
  deps: Deps,
  order: NormalizedOrder,
  now: Date = new Date(),
  action?: RiskAction,
  lessons?: LessonRules,
): Promise<RiskVerdict> {
  const input = await gatherRiskInput(deps, order, now, action, lessons);
  const verdict = evaluateRisk(input);
  if (tripsHalt(verdict) && !input.state.halted) {
    const check = verdict.checks.find((c) => c.code === 'RISK_DAILY_LOSS');
    const state = await getRiskState(deps);
    const result = await state.halt(`daily loss limit reached: ${check?.message ?? 'max_daily_loss failed'}`, 'risk-engine', now);
    deps.log.warn('daily loss limit reached: trading halted', {
      order_hash: verdict.order_hash,
      loss: check?.actual,
      limit: check?.limit,
      alreadyHalted: result.alreadyHalted,
    });
  }
  deps.log.debug('risk verdict', {
    order_hash: verdict.order_hash,
    passed: verdict.passed,
    failed: verdict.checks.filter((c) => !c.passed).map((c) => c.code),
  });
  return verdict;
}

/**
 * The verdict `check_risk` reports and the gate enforces (stage 3): `place_order` with no action,
 * `close_position` with `{ kind: 'close' }`, `replace_order` with `{ kind: 'replace', replaces }`
 * and the order as it would stand after the change. `lessons`: the lessons' block rules for the
 * lesson_block check (both callers gather them with lessons/for-order.ts lessonRulesFor).
 */
export async function assessOrder(deps: Deps, parsed: ParsedOrder, action?: RiskAction, lessons?: LessonRules): Promise<RiskVerdict> {
  return assessNormalizedOrder(deps, normalizeOrder(parsed), new Date(), action, lessons);
}

function submitted(deps: Deps, order: NormalizedOrder, at: Date): SubmittedOrder {
  return {
    at: at.toISOString(),
    hash: orderHash(order, deps.mode),
    fingerprint: orderFingerprint(order, deps.mode),
    canonical: canonicalOrder(order, deps.mode),
    symbol: order.symbol ?? (order.legs?.[0] ? (parseOcc(order.legs[0].symbol)?.underlying ?? null) : null),
  };
}

export interface OrderSlot {
  slot: SubmittedOrder;
  rules: ClaimRules;
}

/** The order as the rate and duplicate rules record it, with the profile's rules (the gate claims it in its INTENT transaction). */
export async function orderSlot(deps: Deps, order: NormalizedOrder, at: Date): Promise<OrderSlot> {
  const l = deps.profile.risk;
  return {
    slot: submitted(deps, order, at),
    rules: { maxPerMinute: l.maxOrdersPerMinute, maxPerHour: l.maxOrdersPerHour, duplicateWindowSec: l.duplicateWindowSec },
  };
}

/**
 * Record an order about to be sent, for the rate and duplicate checks of every later order:
 * re-checks those rules under the database's write lock and records the order only if they still
 * hold, so concurrent gates (in one or several processes) cannot all squeeze past the limit.
 */
export async function claimOrderSlot(deps: Deps, order: NormalizedOrder, at: Date): Promise<ClaimResult> {
  const state = await getRiskState(deps);
  const { slot, rules } = await orderSlot(deps, order, at);
  return state.claimOrder(slot, rules);
}
