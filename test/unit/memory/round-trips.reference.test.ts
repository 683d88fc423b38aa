/**
 * The columnar matcher (src/memory/round-trips.ts) against the object-per-fill matcher it replaced
 * (test/support/reference-matcher): on random fill streams — equities whole and fractional, options
 * at ×100, mleg legs opened and closed together or one by one, an order filled in several pieces,
 * fees known or not, fills at the same millisecond, shuffled, repeated, added in batches (late
 * fills rebuild) — the results are equal field for field, metadata included, and a refused stream
 * is refused by both with the same message.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/memory/fills.js';
import { matchRoundTrips, RoundTripMatcher } from '../../../src/memory/round-trips.js';
import { matchRoundTrips as referenceMatch } from '../../support/reference-matcher/round-trips.js';
import { spy } from './fixtures.js';

const SYMBOLS = ['AAPL', 'BRK.B', spy('C', 500), spy('P', 480), spy('P', 470)];
const isOption = (s: string) => s.length > 6;
const T0 = Date.parse('2026-03-02T15:00:00.000Z');

const fillArb = fc.record({
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  qty: fc.oneof(
    fc.integer({ min: 1, max: 20 }),
    fc.integer({ min: 1, max: 9_999_999 }).map((n) => n / 1e6),
  ),
  cents: fc.integer({ min: 0, max: 40_000 }),
  fee: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
  ms: fc.integer({ min: 0, max: 4 }),
  sub: fc.boolean(),
  order: fc.integer({ min: 0, max: 3 }),
  mleg: fc.boolean(),
});

/** Orders repeat (an order filled in pieces, an mleg order's legs), times tie to the millisecond. */
function toFills(raw: fc.RecordValue<typeof fillArb>[]): Fill[] {
  let t = T0;
  return raw.map((r, i) => {
    t += r.ms * 250;
    const option = isOption(r.symbol);
    const mleg = option && r.mleg;
    const iso = new Date(t).toISOString();
    return {
      id: `f${String(i).padStart(3, '0')}`,
      order_id: mleg ? `L${r.order}-${r.symbol.slice(-9)}` : `o${r.order}-${r.symbol}-${r.side}`,
      client_order_id: mleg ? `cm${r.order}` : `c${r.order}`,
      symbol: r.symbol,
      side: r.side,
      qty: option ? Math.max(1, Math.round(r.qty)) : r.qty,
      price: r.cents / 100,
      fee: r.fee === null ? null : r.fee / 100,
      at: r.sub ? `${iso.slice(0, 23)}417Z` : iso,
      parent_order_id: mleg ? `M${r.order}` : null,
    };
  });
}

const metaOf = ({ order_id }: { order_id: string }) =>
  order_id.endsWith('1') ? null : { strategy: `s${order_id.length}`, tags: ['t'], rationale: null, regime: { trend: 'up', volatility: null } };

/** The result, or the refusal's message. */
function outcome<T>(fn: () => T): T | { refused: string } {
  try {
    return fn();
  } catch (err) {
    return { refused: (err as Error).message };
  }
}

describe('columnar matcher = reference matcher', () => {
  it('gives the same trips, legs, open trips and lots on random streams', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 80 }), (raw) => {
        const fills = toFills(raw);
        expect(outcome(() => matchRoundTrips(fills, { metaOf }))).toEqual(outcome(() => referenceMatch(fills, { metaOf })));
      }),
      { numRuns: 400 },
    );
  });

  it('gives the same result when fills come shuffled, repeated and in batches (late fills rebuild)', () => {
    fc.assert(
      fc.property(
        fc.array(fillArb, { minLength: 1, maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer(),
        fc.integer({ min: 1, max: 9 }),
        (raw, dupes, seed, batch) => {
          const fills = toFills(raw);
          const noisy = [...fills, ...dupes.map((d) => ({ ...fills[d % fills.length]! }))];
          const shuffled = fc.sample(fc.shuffledSubarray(noisy, { minLength: noisy.length }), { seed, numRuns: 1 })[0]!;
          const got = outcome(() => {
            const m = new RoundTripMatcher();
            for (let i = 0; i < shuffled.length; i += batch) m.add(shuffled.slice(i, i + batch));
            return m.result();
          });
          expect(got).toEqual(outcome(() => referenceMatch(fills)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
