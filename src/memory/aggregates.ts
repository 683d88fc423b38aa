/**
 * What a list of round trips says about a way of trading: count, wins and losses, win rate, the
 * average win and loss, expectancy per trade, profit factor, total P&L and the worst drawdown of the
 * cumulative realized P&L curve; and the filters get_trade_memory offers (symbol, strategy, regime,
 * since). Sums run in integer micro-dollars, so totals are exact to the cent whatever the count.
 *
 * @example aggregateTrips(filterTrips(trips, { strategy: 'iron_condor', regime: { volatility: 'high' } }))
 */
import { ToolError } from '../errors.js';
import { isoMs } from './fills.js';
import { dollars, safe } from './money.js';
import { arrayRows, type TripRows, type Tripish } from './trip-rows.js';
import type { Regime } from './trips.js';

export interface RegimeFilter {
  trend?: string | null;
  volatility?: string | null;
}

export interface TripFilter {
  /** An equity, an OCC symbol, or an underlying: matches the trip's symbol, underlying or any leg. */
  symbol?: string;
  strategy?: string;
  /** Each field given must equal the trip's regime at entry; a trip with no regime never matches. */
  regime?: RegimeFilter | null;
  /** ISO time: trips closed at or after it. */
  since?: string;
}

export interface TradeAggregates {
  count: number;
  /** P&L > 0, < 0 and exactly 0 (after known fees). */
  wins: number;
  losses: number;
  breakeven: number;
  /** wins / count; null with no trips. */
  win_rate: number | null;
  /** Mean P&L of the winners (positive) and of the losers (negative); null when there are none. */
  avg_win: number | null;
  avg_loss: number | null;
  /** Mean P&L per trip (= total / count); null with no trips. */
  expectancy: number | null;
  gross_win: number;
  /** Sum of the losers' P&L as a positive amount. */
  gross_loss: number;
  /** gross_win / gross_loss; null when there are no losses (the ratio has no finite value). */
  profit_factor: number | null;
  total_pnl: number;
  /** Largest fall of cumulative realized P&L (in close order) from a prior peak, dollars (>= 0). */
  max_drawdown: number;
  /**
   * That fall over the peak it fell from (0 with no fall); null with no trips or when that peak was
   * not above 0. A fraction of cumulative P&L, not of equity, so it can exceed 1.
   */
  max_drawdown_fraction: number | null;
  /** Plain-language caveats an agent should read with the numbers. */
  notes: string[];
}

function sinceMs(since: string | undefined): number | null {
  if (since === undefined) return null;
  const ms = isoMs(since);
  if (!Number.isFinite(ms)) throw new ToolError('INVALID_INPUT', `since must be an ISO 8601 time, got ${JSON.stringify(since)}`, { field: 'since' });
  return ms;
}

function regimeMatches(regime: Regime | null, want: RegimeFilter | null | undefined): boolean {
  if (!want) return true;
  const hasTrend = want.trend != null;
  const hasVol = want.volatility != null;
  if (!hasTrend && !hasVol) return true;
  if (!regime) return false;
  return (!hasTrend || regime.trend === want.trend) && (!hasVol || regime.volatility === want.volatility);
}

/** The rows (indices, in order) that pass every filter given. */
export function filterRows(rows: TripRows<unknown>, filter: TripFilter = {}): number[] {
  const after = sinceMs(filter.since);
  const symbol = filter.symbol?.toUpperCase();
  const out: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    if (symbol !== undefined && rows.symbol(k) !== symbol && rows.underlying(k) !== symbol && !rows.hasLeg(k, symbol)) continue;
    if (filter.strategy !== undefined && rows.strategy(k) !== filter.strategy) continue;
    if (!regimeMatches(rows.regime(k), filter.regime)) continue;
    if (after !== null && !(rows.closedAtMs(k) >= after)) continue;
    out.push(k);
  }
  return out;
}

/** The trips that pass every filter given. */
export function filterTrips<T extends Tripish>(trips: readonly T[], filter: TripFilter = {}): T[] {
  return filterRows(arrayRows(trips), filter).map((k) => trips[k]!);
}

/** Max drawdown of the cumulative P&L curve (starting at 0), in micro-dollars, with its peak. */
function drawdown(pnls: readonly number[]): { dd: number; peak: number } {
  let cum = 0;
  let peak = 0;
  let worst = { dd: 0, peak: 0 };
  for (const p of pnls) {
    cum += p;
    if (cum > peak) peak = cum;
    if (peak - cum > worst.dd) worst = { dd: peak - cum, peak };
  }
  return worst;
}

/** Mean in dollars, rounded half away from zero to the micro-dollar. */
const mean = (sum: number, n: number): number | null => (n ? dollars(Math.sign(sum) * Math.round(Math.abs(sum) / n)) : null);

function ddFraction(dd: number, peak: number, count: number): number | null {
  if (!count) return null;
  if (dd === 0) return 0;
  return peak > 0 ? dd / peak : null;
}

export function aggregateTrips(trips: readonly Tripish[]): TradeAggregates {
  const rows = arrayRows(trips);
  return aggregateRows(
    rows,
    trips.map((_, k) => k),
  );
}

/** The aggregates of the rows `picked` (indices into `rows`). */
export function aggregateRows(rows: TripRows<unknown>, picked: readonly number[]): TradeAggregates {
  const closedAt = picked.map((k) => rows.closedAtMs(k));
  const order = picked.map((_, i) => i).sort((i, j) => closedAt[i]! - closedAt[j]! || rows.compareIds(picked[i]!, picked[j]!));
  const pnls = order.map((i) => rows.pnlMicros(picked[i]!));
  let gw = 0;
  let gl = 0;
  let wins = 0;
  let losses = 0;
  for (const p of pnls) {
    if (p > 0) {
      wins++;
      gw = safe(gw + p, 'gross win');
    } else if (p < 0) {
      losses++;
      gl = safe(gl - p, 'gross loss');
    }
  }
  const count = picked.length;
  const total = gw - gl;
  const { dd, peak } = drawdown(pnls);
  const notes: string[] = [];
  if (!count) notes.push('no round trips match: every rate and average is null');
  if (count && !losses) notes.push('profit_factor is null: no losing trips, so gross win over gross loss has no finite value');
  if (dd > 0 && peak <= 0) notes.push('max_drawdown_fraction is null: cumulative P&L had not risen above 0 before its worst fall');
  const unfeed = picked.filter((k) => !rows.feesComplete(k)).length;
  if (unfeed) notes.push(`${unfeed} trip(s) had a fill with no fee reported: their P&L leaves that fee out`);
  return {
    count,
    wins,
    losses,
    breakeven: count - wins - losses,
    win_rate: count ? wins / count : null,
    avg_win: mean(gw, wins),
    avg_loss: mean(-gl, losses),
    expectancy: mean(total, count),
    gross_win: dollars(gw),
    gross_loss: dollars(gl),
    profit_factor: losses ? gw / gl : null,
    total_pnl: dollars(total),
    max_drawdown: dollars(dd),
    max_drawdown_fraction: ddFraction(dd, peak, count),
    notes,
  };
}
