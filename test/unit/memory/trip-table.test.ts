/**
 * Closed trips as columns (trip-table.ts): every field the rows give equals the trip object's, the
 * object is built once and shared (the one result.trips lists), metadata set later reaches both,
 * and filtering and aggregating the rows gives what the object functions give, on real-shaped
 * fills (equities, whole and fractional, and 4-leg iron condors opened as one mleg order).
 */
import { describe, expect, it } from 'vitest';
import { syntheticFills } from '../../../bench/memory.js';
import { aggregateRows, aggregateTrips, filterRows, filterTrips, type TripFilter } from '../../../src/memory/aggregates.js';
import { toMicros } from '../../../src/memory/money.js';
import { matchRoundTrips, RoundTripMatcher } from '../../../src/memory/round-trips.js';
import { arrayRows, type TripRows } from '../../../src/memory/trip-rows.js';
import type { RoundTrip } from '../../../src/memory/trips.js';

const STRATEGIES = ['iron_condor', 'momentum', 'breakout'];
const metaOf = ({ order_id }: { order_id: string }) => {
  const h = Number.parseInt(order_id.slice(1), 10) || 0;
  return { strategy: STRATEGIES[h % 3]!, tags: h % 2 ? ['odd'] : [], regime: { trend: h % 3 ? 'up' : 'down', volatility: h % 5 ? 'high' : null } };
};

/** What the rows say about trip k, as the object's fields. */
function fieldsOf(rows: TripRows<unknown>, k: number, trip: RoundTrip) {
  return {
    id: rows.id(k),
    symbol: rows.symbol(k),
    underlying: rows.underlying(k),
    legs: trip.legs.every((s) => rows.hasLeg(k, s)) && !rows.hasLeg(k, 'NOPE'),
    strategy: rows.strategy(k),
    regime: rows.regime(k),
    realized_pnl: rows.pnlMicros(k),
    closed_at: rows.closedAtMs(k),
    fees_complete: rows.feesComplete(k),
    opening_client_order_id: rows.openingClientOrderId(k),
  };
}

const objectFields = (t: RoundTrip) => ({
  id: t.id,
  symbol: t.symbol,
  underlying: t.underlying,
  legs: true,
  strategy: t.strategy,
  regime: t.regime,
  realized_pnl: toMicros(t.realized_pnl),
  closed_at: Date.parse(t.closed_at),
  fees_complete: t.fees_complete,
  opening_client_order_id: t.opening_client_order_id,
});

describe('closed trips as rows', () => {
  const fills = syntheticFills(6000);

  it('give every field the trip object has, for singles, legs and positions; ids order as their text does', () => {
    const r = matchRoundTrips(fills, { metaOf });
    expect(r.closed.length).toBeGreaterThan(2000);
    for (const [rows, trips] of [
      [r.closed, r.trips],
      [r.closedLegs, r.legTrips],
    ] as const) {
      expect(rows.length).toBe(trips.length);
      expect(new Set(trips.map((t) => t.kind))).toEqual(rows === r.closed ? new Set(['single', 'position']) : new Set(['leg']));
      trips.forEach((t, k) => {
        expect(fieldsOf(rows, k, t)).toEqual(objectFields(t));
        if (k > 0) expect(Math.sign(rows.compareIds(k - 1, k))).toBe(trips[k - 1]!.id < t.id ? -1 : trips[k - 1]!.id > t.id ? 1 : 0);
      });
      const plain = arrayRows(trips);
      trips.forEach((t, k) => {
        expect(fieldsOf(plain, k, t)).toEqual(objectFields(t));
      });
    }
  });

  it('build a trip once, the one result.trips lists, and metadata set afterwards reaches it', () => {
    const m = new RoundTripMatcher();
    m.add(fills);
    const rows = m.closed;
    const first = rows.at(3);
    expect(rows.at(3)).toBe(first);
    expect(m.result().trips[3]).toBe(first);
    expect(first.strategy).toBeNull();
    rows.setMeta(3, { strategy: 'momentum', tags: ['x'], regime: { trend: 'up', volatility: null } });
    expect(first).toMatchObject({ strategy: 'momentum', tags: ['x'], regime: { trend: 'up', volatility: null }, rationale: null });
    expect(m.closed.strategy(3)).toBe('momentum');
    // a result taken before more fills close more trips keeps its own count
    const before = m.result();
    m.add(syntheticFills(7000).slice(6000));
    expect(m.closed.length).toBeGreaterThan(before.closed.length);
    expect(before.trips).toHaveLength(before.closed.length);
  });

  it('filter and aggregate as the functions over trip objects do', () => {
    const r = matchRoundTrips(fills, { metaOf });
    const filters: TripFilter[] = [
      {},
      { symbol: 'SPY' },
      { symbol: 'saa' },
      { symbol: 'SAA' },
      { strategy: 'momentum' },
      { regime: { trend: 'up' } },
      { regime: { trend: 'down', volatility: 'high' } },
      { since: r.trips[Math.floor(r.trips.length / 2)]!.closed_at, strategy: 'iron_condor' },
    ];
    for (const f of filters) {
      const picked = filterRows(r.closed, f);
      const trips = filterTrips(r.trips, f);
      expect(picked.map((k) => r.trips[k])).toEqual(trips);
      expect(aggregateRows(r.closed, picked)).toEqual(aggregateTrips(trips));
    }
  });
});
