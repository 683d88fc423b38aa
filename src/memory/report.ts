/**
 * What get_trade_memory and select_strategy answer: trade memory synced from the broker, filtered,
 * aggregated, the open trips marked to market at the broker's latest quotes (mid of bid and ask),
 * and the Thompson draw over the profile's strategies for a symbol's current regime.
 */
import type { z } from 'zod';
import type { Broker } from '../broker/types.js';
import type { Deps } from '../deps.js';
import { OCC_SYMBOL } from '../orders/order.js';
import type { ToolOutput } from '../tool.js';
import { aggregateRows, filterRows, type TripFilter } from './aggregates.js';
import { loadTradeMemory } from './ingest.js';
import { markOpen } from './open-lots.js';
import { regimeAt } from './regime.js';
import { selectStrategy } from './sampler.js';
import type { SelectStrategyInputSchema, SelectStrategyOutputSchema, TradeMemoryInputSchema, TradeMemoryOutputSchema } from './schema.js';
import type { OpenTrip } from './trips.js';

type MemoryIn = z.output<typeof TradeMemoryInputSchema>;
type MemoryOut = z.output<typeof TradeMemoryOutputSchema>;
type SelectIn = z.output<typeof SelectStrategyInputSchema>;
type SelectOut = z.output<typeof SelectStrategyOutputSchema>;

const mid = (bid: number, ask: number): number | null => (bid > 0 && ask > 0 && ask >= bid ? Math.round(((bid + ask) / 2) * 1e6) / 1e6 : null);

/** The latest mid per symbol; a symbol without a usable two-sided quote is left out (unpriced). */
async function marksFor(broker: Broker, symbols: readonly string[], log: Deps['log']): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const options = symbols.filter((s) => OCC_SYMBOL.test(s));
  try {
    if (options.length)
      for (const snap of await broker.getOptionSnapshotsFor(options))
        if (snap.latestQuote) out.set(snap.symbol, mid(snap.latestQuote.bidPrice, snap.latestQuote.askPrice) ?? Number.NaN);
  } catch (err) {
    log.warn('trade memory: option quotes unavailable', { err: (err as Error).message });
  }
  for (const s of symbols.filter((x) => !OCC_SYMBOL.test(x))) {
    try {
      const q = await broker.getLatestQuote(s);
      out.set(s, mid(q.bidPrice, q.askPrice) ?? Number.NaN);
    } catch (err) {
      log.warn('trade memory: quote unavailable', { symbol: s, err: (err as Error).message });
    }
  }
  for (const [k, v] of out) if (!Number.isFinite(v)) out.delete(k);
  return out;
}

function openMatches(t: OpenTrip, f: TripFilter): boolean {
  const symbol = f.symbol?.toUpperCase();
  return (
    (symbol === undefined || t.symbol === symbol || t.underlying === symbol || t.legs.includes(symbol)) &&
    (f.strategy === undefined || t.strategy === f.strategy)
  );
}

async function markTrips(broker: Broker, open: readonly OpenTrip[], log: Deps['log']) {
  const symbols = [...new Set(open.flatMap((t) => t.lots.map((l) => l.symbol)))].sort();
  const marks = await marksFor(broker, symbols, log);
  const unpriced = new Set<string>();
  let total: number | null = 0;
  const trips = open.map((t) => {
    const m = markOpen(t.lots, (s) => marks.get(s));
    for (const s of m.unpriced) unpriced.add(s);
    total = total === null || m.unrealized_pnl === null ? null : Math.round((total + m.unrealized_pnl) * 1e6) / 1e6;
    const lots = t.lots.map((l, i) => ({
      symbol: l.symbol,
      qty: l.qty,
      price: l.price,
      opened_at: l.opened_at,
      fill_id: l.fill_id,
      mark: m.lots[i]!.mark,
      unrealized_pnl: m.lots[i]!.unrealized_pnl,
    }));
    return { ...t, lots, unrealized_pnl: m.unrealized_pnl };
  });
  return { trips, unrealized: total as number | null, unpriced: [...unpriced].sort() };
}

const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;

export async function tradeMemoryReport(deps: Deps, broker: Broker, input: MemoryIn): Promise<ToolOutput<MemoryOut>> {
  const { match, sync } = await loadTradeMemory(deps, broker);
  const filter: TripFilter = { symbol: input.symbol, strategy: input.strategy, regime: input.regime ?? null, since: input.since };
  // the closed trips as rows: filtered and aggregated without an object each, only the listed ones built
  const picked = filterRows(match.closed, filter);
  const aggregates = aggregateRows(match.closed, picked);
  const open = await markTrips(
    broker,
    match.open.filter((t) => openMatches(t, filter)),
    deps.log,
  );
  const listed = input.limit ? picked.slice(-input.limit).map((k) => match.closed.at(k)) : [];
  const lines = [
    `${aggregates.count} round trip(s)${aggregates.count ? `: win rate ${((aggregates.win_rate ?? 0) * 100).toFixed(0)}%, total P&L ${signed(aggregates.total_pnl)}, expectancy ${signed(aggregates.expectancy ?? 0)}, max drawdown ${aggregates.max_drawdown.toFixed(2)}` : ''}.`,
    ...listed
      .slice(-10)
      .map(
        (t) =>
          `${t.closed_at} ${t.symbol} ${t.direction} ${t.qty} ${t.entry_price} → ${t.exit_price}: ${signed(t.realized_pnl)}${t.strategy ? ` [${t.strategy}]` : ''}`,
      ),
    `${open.trips.length} open trip(s)${open.trips.length ? `, unrealized ${open.unrealized === null ? `unknown (no quote for ${open.unpriced.join(', ')})` : signed(open.unrealized)}` : ''}.`,
    ...aggregates.notes,
  ];
  return {
    structured: {
      mode: deps.mode,
      broker: broker.name,
      sync,
      aggregates,
      trips: listed,
      trips_listed: listed.length,
      open: open.trips,
      unrealized_pnl: open.unrealized,
      unpriced: open.unpriced,
    },
    text: lines.join('\n'),
  };
}

/** How long a symbol's current regime is reused: it moves with daily bars, and reading them is most of a draw's cost. */
export const CURRENT_REGIME_TTL_MS = 60_000;

type RegimeCache = Map<string, { at: number; regime: Awaited<ReturnType<typeof regimeAt>> }>;
const regimeCaches = new WeakMap<Deps, RegimeCache>();

/** The symbol's current regime (daily bars up to now), read at most once a minute per server and symbol. */
async function currentRegime(deps: Deps, broker: Broker, symbol: string): Promise<Awaited<ReturnType<typeof regimeAt>>> {
  let cache = regimeCaches.get(deps);
  if (!cache) {
    cache = new Map();
    regimeCaches.set(deps, cache);
  }
  const hit = cache.get(symbol);
  const now = Date.now();
  if (hit && now - hit.at < CURRENT_REGIME_TTL_MS) return hit.regime;
  const regime = await regimeAt(broker, symbol, null, (msg, meta) => deps.log.warn(msg, meta));
  // an unreadable regime is not kept: the next call tries the bars again
  if (regime) cache.set(symbol, { at: now, regime });
  return regime;
}

export async function selectStrategyReport(deps: Deps, broker: Broker, input: SelectIn): Promise<ToolOutput<SelectOut>> {
  const regime = await currentRegime(deps, broker, input.symbol);
  const { match } = await loadTradeMemory(deps, broker);
  const strategies = deps.profile.strategies;
  const selection = selectStrategy({ arms: strategies, trips: match.closed, regime, ...(input.seed !== undefined ? { seed: input.seed } : {}) });
  const notes = regime
    ? []
    : [`the current regime of ${input.symbol} could not be read (too few daily bars or no data): every trip in memory counts, whatever its regime`];
  const description = new Map(strategies.map((s) => [s.id, s.description ?? null]));
  const arms = selection.arms.map((a) => ({ ...a, description: description.get(a.id) ?? null }));
  const text = [
    `pick: ${selection.pick} (seed ${selection.seed}) — ${selection.meaning}`,
    `regime of ${input.symbol}: ${regime ? `trend ${regime.trend ?? '?'}, volatility ${regime.volatility ?? '?'}` : 'unknown'}`,
    ...arms.map(
      (a) =>
        `${a.id}: ${a.trades} trade(s), posterior mean ${a.posterior_mean.toFixed(2)}, 90% [${a.interval_90[0].toFixed(2)}, ${a.interval_90[1].toFixed(2)}], drew ${a.sample.toFixed(3)}`,
    ),
    ...notes,
  ].join('\n');
  return { structured: { symbol: input.symbol, regime, pick: selection.pick, seed: selection.seed, arms, meaning: selection.meaning, notes }, text };
}
