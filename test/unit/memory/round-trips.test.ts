/**
 * FIFO matching on hand-worked examples: every P&L below was worked out on paper, to the cent, and
 * is asserted with toBe (a float sum such as 3 × 33.34 − 3 × 33.33 would not be 0.03).
 */
import { describe, expect, it } from 'vitest';
import { markOpen } from '../../../src/memory/open-lots.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import { fill, spy } from './fixtures.js';

describe('matchRoundTrips: single symbol', () => {
  it('a long bought and sold: P&L, prices, holding time, orders', () => {
    const r = matchRoundTrips([fill('buy', 10, 'AAPL', 100, 'A', 0), fill('sell', 10, 'AAPL', 101.25, 'B', 90)]);
    expect(r.trips).toHaveLength(1);
    expect(r.trips[0]).toMatchObject({
      kind: 'single',
      symbol: 'AAPL',
      underlying: 'AAPL',
      direction: 'long',
      qty: 10,
      multiplier: 1,
      entry_price: 100,
      exit_price: 101.25,
      realized_pnl: 12.5,
      holding_seconds: 5400,
      opened_at: '2026-03-02T15:00:00.000Z',
      closed_at: '2026-03-02T16:30:00.000Z',
      opening_order_id: 'A',
      opening_client_order_id: 'c-A',
      closing_order_ids: ['B'],
      strategy: null,
      regime: null,
    });
    expect(r.open).toEqual([]);
    expect(r.lots).toEqual([]);
  });

  it('is exact to the cent where float arithmetic is not', () => {
    const r = matchRoundTrips([fill('buy', 3, 'KO', 33.33, 'A', 0), fill('sell', 3, 'KO', 33.34, 'B', 1)]);
    expect(3 * 33.34 - 3 * 33.33).not.toBe(0.03);
    expect(r.trips[0]!.realized_pnl).toBe(0.03);
  });

  it('partial closes split lots FIFO; each opening order is its own round trip', () => {
    const fills = [
      fill('buy', 10, 'AAPL', 100, 'A', 0),
      fill('buy', 5, 'AAPL', 102, 'B', 1),
      fill('sell', 12, 'AAPL', 105, 'C', 2), // closes A's 10 (+50) and 2 of B (+6)
    ];
    const mid = matchRoundTrips(fills);
    expect(mid.trips.map((t) => [t.opening_order_id, t.qty, t.realized_pnl])).toEqual([['A', 10, 50]]);
    expect(mid.open).toHaveLength(1);
    expect(mid.open[0]).toMatchObject({ opening_order_id: 'B', qty: 5, qty_open: 3, qty_closed: 2, realized_pnl: 6, entry_price: 102 });
    expect(mid.lots).toMatchObject([{ symbol: 'AAPL', direction: 'long', qty: 3, price: 102, cost: 306, opening_order_id: 'B' }]);

    const done = matchRoundTrips([...fills, fill('sell', 3, 'AAPL', 99, 'D', 3)]); // 3 × (99 − 102) = −9
    expect(done.trips.map((t) => [t.opening_order_id, t.realized_pnl])).toEqual([
      ['A', 50],
      ['B', -3],
    ]);
    expect(done.trips[1]).toMatchObject({ qty: 5, entry_price: 102, exit_price: 101.4, closing_order_ids: ['C', 'D'] });
    expect(done.open).toEqual([]);
  });

  it('a fill that crosses zero closes the long and opens a short; fees split pro rata', () => {
    const r = matchRoundTrips([
      fill('buy', 5, 'MSFT', 10, 'A', 0, { fee: 0.05 }),
      fill('sell', 8, 'MSFT', 12, 'B', 1, { fee: 0.8 }), // 5/8 of the fee (0.50) to the close, 0.30 to the new short
      fill('buy', 3, 'MSFT', 11, 'C', 2, { fee: 0.1 }),
    ]);
    expect(r.trips.map((t) => [t.opening_order_id, t.direction, t.qty, t.realized_pnl, t.fees])).toEqual([
      ['A', 'long', 5, 9.45, 0.55], // 5 × 2 − 0.05 − 0.50
      ['B', 'short', 3, 2.6, 0.4], // 3 × 1 − 0.30 − 0.10
    ]);
    expect(r.trips[1]).toMatchObject({ entry_price: 12, exit_price: 11, fees_complete: true });
  });

  it('a short sold and bought back in two pieces', () => {
    const r = matchRoundTrips([
      fill('sell', 100, 'F', 50.1, 'A', 0),
      fill('buy', 40, 'F', 49.9, 'B', 1), // +8.00
      fill('buy', 60, 'F', 50.35, 'C', 2), // −15.00
    ]);
    expect(r.trips).toHaveLength(1);
    expect(r.trips[0]).toMatchObject({ direction: 'short', qty: 100, entry_price: 50.1, exit_price: 50.17, realized_pnl: -7 });
  });

  it('a fill with no fee reported leaves the trip marked fees_complete: false', () => {
    const r = matchRoundTrips([fill('buy', 1, 'AAPL', 100, 'A', 0, { fee: 0.01 }), fill('sell', 1, 'AAPL', 100, 'B', 1, { fee: null })]);
    expect(r.trips[0]).toMatchObject({ realized_pnl: -0.01, fees: 0.01, fees_complete: false });
  });

  it('an option by its OCC symbol: P&L × 100, fees after', () => {
    const call = spy('C', 500);
    const r = matchRoundTrips([fill('buy', 2, call, 3.45, 'A', 0, { fee: 0.13 }), fill('sell', 2, call, 4.1, 'B', 60, { fee: 0.13 })]);
    expect(r.trips[0]).toMatchObject({
      symbol: call,
      underlying: 'SPY',
      multiplier: 100,
      entry_price: 3.45,
      exit_price: 4.1,
      realized_pnl: 129.74,
      fees: 0.26,
    });
  });

  it('fractional shares at nine decimals are exact to the micro-dollar', () => {
    const r = matchRoundTrips([fill('buy', 0.123456789, 'AAPL', 200, 'A', 0), fill('sell', 0.123456789, 'AAPL', 210, 'B', 1)]);
    expect(r.trips[0]!.realized_pnl).toBe(1.234568); // 0.123456789 × 10 = 1.23456789 → half up at 1e-6
  });

  it('attaches metadata by opening order, asking once per order', () => {
    const asked: string[] = [];
    const r = matchRoundTrips([fill('buy', 1, 'AAPL', 100, 'A', 0), fill('sell', 2, 'AAPL', 101, 'B', 1), fill('buy', 1, 'AAPL', 99, 'C', 2)], {
      metaOf: ({ order_id, client_order_id }) => {
        asked.push(`${order_id}/${client_order_id}`);
        return order_id === 'A' ? { strategy: 'momentum', tags: ['earnings'], rationale: 'breakout', regime: { trend: 'up', volatility: 'high' } } : null;
      },
    });
    expect(r.trips.map((t) => [t.opening_order_id, t.strategy, t.tags, t.rationale, t.regime])).toEqual([
      ['A', 'momentum', ['earnings'], 'breakout', { trend: 'up', volatility: 'high' }],
      ['B', null, [], null, null],
    ]);
    expect(asked).toEqual(['A/c-A', 'B/c-B']);
  });
});

describe('matchRoundTrips: an iron condor opened as one mleg order', () => {
  const legs = { p490: spy('P', 490), p495: spy('P', 495), c520: spy('C', 520), c525: spy('C', 525) };
  const leg = (side: 'buy' | 'sell', symbol: string, price: number, n: number, min: number) =>
    fill(side, 2, symbol, price, `M1-${n}`, min, { parent_order_id: 'M1', client_order_id: 'condor-1', fee: 0.1 });
  // Net credit 1.60 + 1.55 − 1.05 − 1.00 = 1.10 per spread, 2 spreads.
  const opening = [leg('buy', legs.p490, 1.05, 1, 0), leg('sell', legs.p495, 1.6, 2, 0), leg('sell', legs.c520, 1.55, 3, 0), leg('buy', legs.c525, 1.0, 4, 0)];
  // Closed leg by leg with ordinary orders: net debit 0.40 − 0.10 + 0.30 − 0.05 = 0.55.
  const closing = [
    fill('buy', 2, legs.c520, 0.4, 'X1', 60, { fee: 0.1 }),
    fill('sell', 2, legs.c525, 0.1, 'X2', 61, { fee: 0.1 }),
    fill('buy', 2, legs.p495, 0.3, 'X3', 62, { fee: 0.1 }),
    fill('sell', 2, legs.p490, 0.05, 'X4', 63, { fee: 0.1 }),
  ];
  const meta = { metaOf: ({ order_id }: { order_id: string }) => (order_id === 'M1' ? { strategy: 'iron_condor' } : null) };

  it('one position round trip: (1.10 − 0.55) × 2 × 100 − 8 × 0.10 = 109.20, closed when the last leg is flat', () => {
    const r = matchRoundTrips([...opening, ...closing], meta);
    expect(r.trips).toHaveLength(1);
    expect(r.trips[0]).toMatchObject({
      id: `position:${opening[0]!.id}`,
      kind: 'position',
      symbol: 'SPY',
      underlying: 'SPY',
      legs: [legs.c520, legs.c525, legs.p490, legs.p495].sort(),
      direction: 'short',
      qty: 2,
      multiplier: 100,
      entry_price: 1.1,
      exit_price: 0.55,
      realized_pnl: 109.2,
      fees: 0.8,
      opening_order_id: 'M1',
      opening_client_order_id: 'condor-1',
      closing_order_ids: ['X1', 'X2', 'X3', 'X4'],
      closed_at: closing[3]!.at,
      holding_seconds: 63 * 60,
      strategy: 'iron_condor',
    });
    expect(r.trips[0]!.fill_ids).toHaveLength(8);
  });

  it('each leg is also matched on its own symbol, and the legs add up to the position', () => {
    const r = matchRoundTrips([...opening, ...closing], meta);
    const bySymbol = Object.fromEntries(r.legTrips.map((t) => [t.symbol, [t.direction, t.realized_pnl]]));
    expect(bySymbol).toEqual({
      [legs.p490]: ['long', -200.2],
      [legs.p495]: ['short', 259.8],
      [legs.c520]: ['short', 229.8],
      [legs.c525]: ['long', -180.2],
    });
    expect(r.legTrips.every((t) => t.kind === 'leg' && t.opening_order_id === 'M1' && t.strategy === 'iron_condor')).toBe(true);
  });

  it('while a leg is still open the position is open, with what has closed realized', () => {
    const r = matchRoundTrips([...opening, ...closing.slice(0, 3)], meta);
    expect(r.trips).toEqual([]);
    expect(r.open).toHaveLength(1);
    // Realized so far: C520 +229.80, C525 −180.20, P495 +259.80; the P490 lot is open.
    expect(r.open[0]).toMatchObject({ kind: 'position', qty: 2, qty_open: 0.5, qty_closed: 1.5, realized_pnl: 309.4, entry_price: 1.1 });
    expect(r.open[0]!.lots).toMatchObject([{ symbol: legs.p490, direction: 'long', qty: 2, cost: 210, fees: 0.1, opening_order_id: 'M1' }]);
    // Marked at 0.05 less the 0.10 fee still to come: the P490 lot is worth 2 × 0.05 × 100 = 10.
    expect(markOpen(r.lots, () => 0.05).unrealized_pnl).toBe(10 - 210 - 0.1);
  });

  it('closed by one mleg order too: the same position P&L', () => {
    const together = closing.map((f, i) => ({ ...f, order_id: `M2-${i}`, parent_order_id: 'M2', at: closing[0]!.at }));
    const r = matchRoundTrips([...opening, ...together], meta);
    expect(r.trips.map((t) => [t.kind, t.realized_pnl, t.closing_order_ids])).toEqual([['position', 109.2, ['M2']]]);
    expect(r.open).toEqual([]);
  });
});

describe('markOpen', () => {
  it('marks longs and shorts and never prices an unknown mark as 0', () => {
    const { lots } = matchRoundTrips([fill('buy', 10, 'AAPL', 100, 'A', 0, { fee: 1 }), fill('sell', 4, 'MSFT', 50, 'B', 1)]);
    expect(markOpen(lots, (s) => ({ AAPL: 101.5, MSFT: 49 })[s])).toMatchObject({ unrealized_pnl: 14 + 4, unpriced: [] });
    const partial = markOpen(lots, (s) => (s === 'AAPL' ? 101.5 : Number.NaN));
    expect(partial.unrealized_pnl).toBeNull();
    expect(partial.unpriced).toEqual(['MSFT']);
    expect(partial.lots.map((l) => l.unrealized_pnl)).toEqual([14, null]);
  });
});
