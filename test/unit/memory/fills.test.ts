/** Fill checks (refused by name, never coerced), dedupe by id, sort by (at, id). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isToolError } from '../../../src/errors.js';
import { dedupeFills, type Fill, isoMs, isoSubMs, prepareFills, readFill, sortFills } from '../../../src/memory/fills.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import { fill, spy } from './fixtures.js';

function refusal(f: unknown): { code: string; field: unknown; message: string } {
  try {
    readFill(f as Fill);
  } catch (err) {
    if (isToolError(err)) return { code: err.code, field: err.details.field, message: err.message };
    throw err;
  }
  throw new Error('not refused');
}

describe('readFill', () => {
  const good = fill('buy', 1, 'AAPL', 100, 'A', 0);

  it.each([
    ['qty', { qty: 0 }],
    ['qty', { qty: -1 }],
    ['qty', { qty: 1.0000000001 }],
    ['qty', { qty: Number.NaN }],
    ['price', { price: -0.01 }],
    ['price', { price: Number.POSITIVE_INFINITY }],
    ['price', { price: '100' }],
    ['fee', { fee: -0.01 }],
    ['fee', { fee: undefined }],
    ['side', { side: 'short' }],
    ['symbol', { symbol: 'aapl' }],
    ['symbol', { symbol: 'SPY 260417C500' }],
    ['at', { at: '2026-03-02' }],
    ['at', { at: '2026-03-02T15:00:00' }],
    ['at', { at: '2026-02-30T15:00:00Z' }],
    ['id', { id: '' }],
    ['order_id', { order_id: undefined }],
    ['asset_class', { asset_class: 'us_option' }],
    ['multiplier', { multiplier: 100 }],
    ['parent_order_id', { parent_order_id: '' }],
  ])('refuses a bad %s (%j) with INVALID_INPUT naming it', (field, patch) => {
    expect(refusal({ ...good, ...patch })).toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('derives asset class and multiplier from the symbol; an option may carry its own multiplier', () => {
    expect(readFill(good)).toMatchObject({ asset_class: 'us_equity', multiplier: 1, parent_order_id: null, decisionId: 'A' });
    expect(readFill({ ...good, symbol: spy('C', 500) })).toMatchObject({ asset_class: 'us_option', multiplier: 100 });
    expect(readFill({ ...good, symbol: spy('C', 500), multiplier: 10 })).toMatchObject({ multiplier: 10 });
    expect(readFill({ ...good, symbol: spy('C', 500), parent_order_id: 'M' })).toMatchObject({ decisionId: 'M' });
    expect(refusal({ ...good, symbol: spy('C', 500), multiplier: 0 })).toMatchObject({ field: 'multiplier' });
  });

  it('reads times as Date.parse does, and refuses dates that do not exist', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(isoMs(iso)).toBe(d.getTime());
        expect(isoMs(iso.replace('Z', '+00:00'))).toBe(d.getTime());
      }),
      { numRuns: 300 },
    );
    expect(isoMs('2024-02-29T12:00:00.000Z')).toBe(Date.parse('2024-02-29T12:00:00.000Z'));
    expect(isoMs('2026-03-10T10:00:00-04:00')).toBe(Date.parse('2026-03-10T14:00:00Z'));
    for (const bad of [
      '2026-02-29T12:00:00.000Z',
      '2026-04-31T12:00:00.000Z',
      '2026-03-02T24:00:00.000Z',
      '2026-03-02T12:60:00.000Z',
      '2026-13-02T12:00:00.000Z',
      '2026-03-02T12:00:00.0x0Z',
      '2100-02-29T00:00:00Z',
    ]) {
      expect(isoMs(bad)).toBeNaN();
    }
  });

  it('refuses one order id with fills in two symbols (an order trades one symbol)', () => {
    expect(() => matchRoundTrips([fill('buy', 1, 'AAPL', 100, 'A', 0), fill('buy', 1, 'MSFT', 100, 'A', 1)])).toThrow(/order A also has fills in AAPL/);
  });

  it('a refused fill stops matching (nothing is counted from a record we cannot read)', () => {
    expect(() => matchRoundTrips([good, { ...good, id: 'x', price: Number.NaN }])).toThrow(/fill x: price/);
  });
});

describe('dedupeFills and sortFills', () => {
  it('keeps one fill per id, the same fill written with another zone included', () => {
    const a = fill('buy', 1, 'AAPL', 100, 'A', 0);
    const again = { ...a, at: a.at.replace('Z', '+00:00') };
    expect(dedupeFills([a, again, a])).toEqual([a]);
  });

  it('refuses two different records under one fill id', () => {
    const a = fill('buy', 1, 'AAPL', 100, 'A', 0);
    expect(() => dedupeFills([a, { ...a, price: 100.01 }])).toThrow(/price differs between two records/);
  });

  it('keeps the order of fills within one millisecond (Alpaca stamps microseconds)', () => {
    expect(isoSubMs('2026-03-10T15:00:00.930002Z')).toBeCloseTo(0.002, 12);
    expect(isoSubMs('2026-03-10T15:00:00.930Z')).toBe(0);
    const later = { ...fill('sell', 1, 'AAPL', 1, 'B', 0), id: 'a', at: '2026-03-10T15:00:00.930002Z' };
    const earlier = { ...fill('buy', 1, 'AAPL', 1, 'A', 0), id: 'b', at: '2026-03-10T15:00:00.930000Z' };
    expect(sortFills([later, earlier]).map((f) => f.id)).toEqual(['b', 'a']);
    expect(prepareFills([later, earlier]).map((f) => f.id)).toEqual(['b', 'a']);
    // the buy opened, the sell closed: one long round trip, whatever the ids say
    expect(matchRoundTrips([later, earlier]).trips.map((t) => t.direction)).toEqual(['long']);
  });

  it('sorts by time (parsed, whatever the zone) then id', () => {
    const x = { ...fill('buy', 1, 'AAPL', 1, 'A', 0), id: 'b', at: '2026-03-02T10:00:00-05:00' };
    const y = { ...fill('buy', 1, 'AAPL', 1, 'A', 0), id: 'a', at: '2026-03-02T15:00:00Z' };
    const z = { ...fill('buy', 1, 'AAPL', 1, 'A', 0), id: 'c', at: '2026-03-02T14:59:59.999Z' };
    expect(sortFills([x, y, z]).map((f) => f.id)).toEqual(['c', 'a', 'b']);
    expect(prepareFills([x, y, z]).map((f) => f.id)).toEqual(['c', 'a', 'b']);
  });
});
