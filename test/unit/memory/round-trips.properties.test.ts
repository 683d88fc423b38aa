/**
 * Properties of FIFO matching over random fill sequences (equities with fractional quantities, an
 * option at ×100, mleg legs, fees known or not):
 * - conservation: realized P&L (closed trips + the realized part of open ones) + unrealized P&L of
 *   the open lots at a price p equals the fills' cash flow + the open quantity's value at p, to the
 *   micro-dollar, computed here independently in BigInt;
 * - the open lots per symbol are the fills' net quantity;
 * - duplicated and shuffled fills give the same result (dedupe by id, sort by (at, id)).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Fill } from '../../../src/memory/fills.js';
import { toMicros } from '../../../src/memory/money.js';
import { markOpen } from '../../../src/memory/open-lots.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import { at, spy } from './fixtures.js';

const SYMBOLS = ['AAPL', 'MSFT', spy('C', 500), spy('P', 480)];
const isOption = (s: string) => s.length > 6;

/** Quantities in 1e-4 units and prices in cents, so every amount is whole micro-dollars. */
const fillArb = fc.record({
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  qty4: fc.integer({ min: 1, max: 400_000 }),
  cents: fc.integer({ min: 1, max: 50_000 }),
  feeCents: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
  gap: fc.integer({ min: 0, max: 3 }),
  mleg: fc.boolean(),
});

function toFills(raw: fc.RecordValue<typeof fillArb>[]): Fill[] {
  let minute = 0;
  return raw.map((r, i) => {
    minute += r.gap;
    const option = isOption(r.symbol);
    const qty = option ? Math.max(1, Math.round(r.qty4 / 10_000)) : r.qty4 / 10_000;
    const parent = option && r.mleg ? `M${Math.floor(i / 3)}` : null;
    return {
      id: `f${String(i).padStart(4, '0')}`,
      order_id: `o${i}`,
      client_order_id: `c${i}`,
      symbol: r.symbol,
      side: r.side,
      qty,
      price: r.cents / 100,
      fee: r.feeCents === null ? null : r.feeCents / 100,
      at: at(minute),
      parent_order_id: parent,
    };
  });
}

/** Exact micro-dollars of qty × price × multiplier for the test's grid (qty 1e-4, price 1e-2). */
const amount = (f: { qty: number; price: number; symbol: string }): bigint =>
  BigInt(Math.round(f.qty * 10_000)) * BigInt(Math.round(f.price * 100)) * (isOption(f.symbol) ? 100n : 1n);

const MARK = 123.45;

describe('matchRoundTrips properties', () => {
  it('conserves money: realized + unrealized at p = cash flow + open quantity × p', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 60 }), (raw) => {
        const fills = toFills(raw);
        const r = matchRoundTrips(fills);
        let cash = 0n;
        const net = new Map<string, bigint>();
        for (const f of fills) {
          const s = f.side === 'sell' ? 1n : -1n;
          cash += s * amount(f) - BigInt(Math.round((f.fee ?? 0) * 1e6));
          net.set(f.symbol, (net.get(f.symbol) ?? 0n) - s * BigInt(Math.round(f.qty * 10_000)));
        }
        let openValue = 0n;
        for (const [symbol, q] of net) openValue += q * BigInt(Math.round(MARK * 100)) * (isOption(symbol) ? 100n : 1n);
        const realized = [...r.trips, ...r.open].reduce((a, t) => a + BigInt(toMicros(t.realized_pnl)), 0n);
        const unrealized = BigInt(toMicros(markOpen(r.lots, () => MARK).unrealized_pnl!));
        expect(realized + unrealized).toBe(cash + openValue);

        for (const [symbol, q] of net) {
          const lots = r.lots.filter((l) => l.symbol === symbol);
          const held = lots.reduce((a, l) => a + BigInt(Math.round(l.qty * 10_000)) * (l.direction === 'long' ? 1n : -1n), 0n);
          expect(held).toBe(q);
          expect(new Set(lots.map((l) => l.direction)).size).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('attributes P&L to opening orders as a unit-by-unit FIFO model does', () => {
    const unitFill = fc.record({
      side: fc.constantFrom('buy' as const, 'sell' as const),
      qty: fc.integer({ min: 1, max: 5 }),
      cents: fc.integer({ min: 1, max: 999 }),
    });
    fc.assert(
      fc.property(fc.array(unitFill, { minLength: 1, maxLength: 40 }), (raw) => {
        const fills: Fill[] = raw.map((r, i) => ({
          id: `f${i}`,
          order_id: `o${i}`,
          client_order_id: `c${i}`,
          symbol: 'AAPL',
          side: r.side,
          qty: r.qty,
          price: r.cents / 100,
          fee: 0,
          at: at(i),
        }));
        // The model: one share at a time, oldest first, P&L in cents per opening order.
        const queue: { order: string; cents: number; long: boolean }[] = [];
        const model = new Map<string, number>();
        raw.forEach((r, i) => {
          for (let u = 0; u < r.qty; u++) {
            const long = r.side === 'buy';
            const head = queue[0];
            if (head && head.long !== long) {
              queue.shift();
              model.set(head.order, (model.get(head.order) ?? 0) + (head.long ? r.cents - head.cents : head.cents - r.cents));
            } else queue.push({ order: `o${i}`, cents: r.cents, long });
          }
        });
        const r = matchRoundTrips(fills);
        const got = new Map<string, number>();
        for (const t of [...r.trips, ...r.open]) got.set(t.opening_order_id, (got.get(t.opening_order_id) ?? 0) + Math.round(t.realized_pnl * 100));
        for (const [order, cents] of model) expect(got.get(order) ?? 0).toBe(cents);
        expect(r.lots.reduce((a, l) => a + l.qty, 0)).toBe(queue.length);
      }),
      { numRuns: 300 },
    );
  });

  it('duplicated and shuffled fills give the same result', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer(), (raw, dupes, seed) => {
        const fills = toFills(raw);
        const noisy = [...fills, ...dupes.map((d) => ({ ...fills[d % fills.length]! }))];
        const shuffled = fc.sample(fc.shuffledSubarray(noisy, { minLength: noisy.length }), { seed, numRuns: 1 })[0]!;
        expect(matchRoundTrips(shuffled)).toEqual(matchRoundTrips(fills));
      }),
      { numRuns: 200 },
    );
  });
});
