/** Aggregates over round trips on a hand-worked example, the edge cases that make a figure null, and the filters. */
import { describe, expect, it } from 'vitest';
import { isToolError } from '../../../src/errors.js';
import { aggregateTrips, filterTrips } from '../../../src/memory/aggregates.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import type { Regime, RoundTrip } from '../../../src/memory/trips.js';
import { at, fill, spy } from './fixtures.js';

type T = Parameters<typeof aggregateTrips>[0][number];
let n = 0;
function trip(pnl: number, extra: Partial<T> = {}): T {
  n += 1;
  return {
    id: `t${n}`,
    symbol: 'AAPL',
    underlying: 'AAPL',
    legs: ['AAPL'],
    strategy: 'momentum',
    regime: null,
    closed_at: at(n),
    realized_pnl: pnl,
    fees_complete: true,
    ...extra,
  };
}

describe('aggregateTrips', () => {
  it('a hand-worked example: +100, −50, +30, −120, +45.50, 0', () => {
    const a = aggregateTrips([trip(100), trip(-50), trip(30), trip(-120), trip(45.5), trip(0)]);
    expect(a).toEqual({
      count: 6,
      wins: 3,
      losses: 2,
      breakeven: 1,
      win_rate: 0.5,
      avg_win: 58.5, // 175.50 / 3
      avg_loss: -85, // −170 / 2
      expectancy: 0.916667, // 5.50 / 6, to the micro-dollar
      gross_win: 175.5,
      gross_loss: 170,
      profit_factor: 175.5 / 170,
      total_pnl: 5.5,
      max_drawdown: 140, // the curve 100, 50, 80, −40, 5.5, 5.5 falls from 100 to −40
      max_drawdown_fraction: 1.4,
      notes: [],
    });
  });

  it('orders the curve by close time, not by list order', () => {
    const late = trip(-30, { closed_at: at(500) });
    expect(aggregateTrips([late, trip(50), trip(-10)]).max_drawdown).toBe(40);
  });

  it('sums exactly: ten trips of 0.10 make 1.00', () => {
    const tenths = Array.from({ length: 10 }, () => trip(0.1));
    expect(tenths.reduce((s, t) => s + t.realized_pnl, 0)).not.toBe(1);
    expect(aggregateTrips(tenths).total_pnl).toBe(1);
  });

  it('says why a figure is null: no trips, no losses, a fall from a peak never above 0, missing fees', () => {
    expect(aggregateTrips([])).toMatchObject({
      count: 0,
      win_rate: null,
      avg_win: null,
      avg_loss: null,
      expectancy: null,
      profit_factor: null,
      max_drawdown_fraction: null,
    });
    const allWins = aggregateTrips([trip(10), trip(20)]);
    expect(allWins).toMatchObject({ profit_factor: null, max_drawdown: 0, max_drawdown_fraction: 0, avg_loss: null });
    expect(allWins.notes).toEqual(['profit_factor is null: no losing trips, so gross win over gross loss has no finite value']);
    const downFirst = aggregateTrips([trip(-10), trip(-5, { fees_complete: false })]);
    expect(downFirst).toMatchObject({ max_drawdown: 15, max_drawdown_fraction: null });
    expect(downFirst.notes).toEqual([
      'max_drawdown_fraction is null: cumulative P&L had not risen above 0 before its worst fall',
      '1 trip(s) had a fill with no fee reported: their P&L leaves that fee out',
    ]);
  });
});

describe('filterTrips', () => {
  const up: Regime = { trend: 'up', volatility: 'high' };
  const down: Regime = { trend: 'down', volatility: 'high' };
  const trips = [
    trip(1, { regime: up }),
    trip(2, { regime: down, strategy: 'iron_condor', symbol: 'SPY', underlying: 'SPY', legs: [spy('P', 490), spy('P', 495)] }),
    trip(3, { regime: null, symbol: spy('C', 500), underlying: 'SPY', legs: [spy('C', 500)] }),
    trip(4, { regime: { trend: 'up', volatility: 'low' }, closed_at: '2026-04-01T00:00:00.000Z' }),
  ];
  const pnls = (f: Parameters<typeof filterTrips>[1]) => filterTrips(trips, f).map((t) => t.realized_pnl);

  it('by symbol: the symbol, its underlying, or a leg', () => {
    expect(pnls({ symbol: 'SPY' })).toEqual([2, 3]);
    expect(pnls({ symbol: spy('P', 495) })).toEqual([2]);
    expect(pnls({ symbol: 'aapl' })).toEqual([1, 4]);
  });

  it('by strategy, regime (either part or both; a trip with no regime never matches) and since', () => {
    expect(pnls({ strategy: 'iron_condor' })).toEqual([2]);
    expect(pnls({ regime: { trend: 'up' } })).toEqual([1, 4]);
    expect(pnls({ regime: { volatility: 'high' } })).toEqual([1, 2]);
    expect(pnls({ regime: { trend: 'up', volatility: 'low' } })).toEqual([4]);
    expect(pnls({ regime: {} })).toEqual([1, 2, 3, 4]);
    expect(pnls({ since: '2026-03-15T00:00:00Z' })).toEqual([4]);
  });

  it('refuses a since that is not a time', () => {
    try {
      filterTrips(trips, { since: 'last week' });
      throw new Error('not refused');
    } catch (err) {
      expect(isToolError(err) && err.code === 'INVALID_INPUT' && err.details.field === 'since').toBe(true);
    }
  });

  it('end to end: fills → round trips → one strategy in one regime → aggregates', () => {
    const meta = (id: string) => (id === 'A' || id === 'C' ? { strategy: 'breakout', regime: up } : { strategy: 'fade', regime: down });
    const { trips: closed } = matchRoundTrips(
      [
        fill('buy', 10, 'AAPL', 100, 'A', 0),
        fill('sell', 10, 'AAPL', 103.1, 'B', 1), // +31.00
        fill('sell', 5, 'MSFT', 400, 'C', 2),
        fill('buy', 5, 'MSFT', 402.25, 'D', 3), // −11.25
        fill('buy', 1, 'KO', 60, 'E', 4),
        fill('sell', 1, 'KO', 61, 'F', 5), // fade: +1.00
      ],
      { metaOf: ({ order_id }) => meta(order_id) },
    );
    const picked: RoundTrip[] = filterTrips(closed, { strategy: 'breakout', regime: { trend: 'up' } });
    expect(aggregateTrips(picked)).toMatchObject({ count: 2, wins: 1, losses: 1, total_pnl: 19.75, profit_factor: 31 / 11.25, max_drawdown: 11.25 });
  });
});
