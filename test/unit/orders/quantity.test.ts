/**
 * SPEC §11 "Quantities mean something": the shared order schema refuses sizes the broker cannot
 * mean (qty finer than 1e-9, fractional spreads or leg ratios, notional under $1 or in fractions
 * of a cent) with a message naming the rule, and never rounds them into something else.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderInputSchema } from '../../../src/orders/order.js';
import { PlaceOrderInputSchema } from '../../../src/execution/result.js';
import { decimalPlaces, decimalText, isQtyMultiple } from '../../../src/orders/quantity.js';

const equity = (patch: Record<string, unknown>) => ({ symbol: 'AAPL', side: 'buy', type: 'market', ...patch });
const spread = (patch: Record<string, unknown> = {}, ratio = 1) => ({
  side: 'buy',
  type: 'limit',
  limit_price: 1.25,
  order_class: 'mleg',
  qty: 1,
  legs: [
    { symbol: 'SPY260417P00500000', side: 'buy', ratio_qty: ratio, position_intent: 'buy_to_open' },
    { symbol: 'SPY260417P00510000', side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
  ],
  ...patch,
});

/** The messages of a refused order (empty when it passes), from both tools' schema. */
function refusals(input: unknown): string[] {
  const a = OrderInputSchema.safeParse(input);
  const b = PlaceOrderInputSchema.safeParse(input);
  expect(b.success, 'check_risk and place_order must agree').toBe(a.success);
  return a.success ? [] : a.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('decimalText', () => {
  it('writes every valid size as plain decimal text with its exact digits', () => {
    expect(decimalText(1e-7)).toBe('0.0000001');
    expect(decimalText(1.5e-9)).toBe('0.0000000015');
    expect(decimalText(0.3)).toBe('0.3');
    expect(decimalText(12.5)).toBe('12.5');
    expect(decimalText(100)).toBe('100');
  });
  it('round-trips: Number(decimalText(k·1e-9)) is the same number, with no exponent', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), (k) => {
        const q = Number((k / 1e9).toPrecision(15));
        const text = decimalText(q);
        return !/e/i.test(text) && Number(text) === q;
      }),
    );
  });
});

describe('decimalPlaces', () => {
  it('counts the places of the shortest round-trip text, exponent form included', () => {
    expect([0.3, 0.1 + 0.2, 1e-9, 1.5e-9, 5e-324, 123456.789012345, 1e21, 42, 0.01].map(decimalPlaces)).toEqual([1, 17, 9, 10, 324, 9, 0, 0, 2]);
  });
});

describe('qty is a multiple of 1e-9 and at least 1e-9', () => {
  it('refuses 5e-324, 1e-10, 1.5e-9 and 0.1 + 0.2, naming the rule; keeps the value as given', () => {
    for (const qty of [5e-324, 1e-10, 1.5e-9, 0.1 + 0.2, 1.0000000001]) {
      const issues = refusals(equity({ qty }));
      expect(issues, String(qty)).toEqual([expect.stringMatching(/^qty: qty must be a multiple of 0\.000000001/)]);
    }
  });
  it('accepts 1e-9, 0.3, 49.99, 0.000000001 steps near the top of the range', () => {
    for (const qty of [1e-9, 0.3, 49.99, 123456.789012345, 999999.999999999, 1_000_000]) {
      expect(refusals(equity({ qty })), String(qty)).toEqual([]);
      expect(OrderInputSchema.parse(equity({ qty })).qty).toBe(qty);
    }
  });
  it('property: k / 1e9 passes for every whole k from 1 to 1e15', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e15 }), (k) => {
        expect(refusals(equity({ qty: k / 1e9 }))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
  it('property: a decimal with 10–14 places, last digit not zero, is refused (at most 15 significant digits: it reads back exactly)', () => {
    const finer = fc
      .tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 10, max: 14 }), fc.integer({ min: 0, max: 10 ** 13 - 1 }), fc.integer({ min: 1, max: 9 }))
      .map(([whole, places, digits, last]) =>
        Number(
          `${whole}.${String(digits)
            .padStart(13, '0')
            .slice(0, places - 1)}${last}`,
        ),
      )
      .filter((q) => q > 0);
    fc.assert(
      fc.property(finer, (qty) => {
        expect(refusals(equity({ qty })), String(qty)).toEqual([expect.stringContaining('multiple of 0.000000001')]);
      }),
      { numRuns: 2000 },
    );
  });
  it('property: whatever double passes is within float error of a whole number of 1e-9 steps', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (qty) => {
        if (!isQtyMultiple(qty)) return;
        const steps = qty * 1e9;
        expect(Math.abs(steps - Math.round(steps))).toBeLessThanOrEqual(Math.max(1e-6, steps * 4 * Number.EPSILON));
        expect(qty).toBeGreaterThanOrEqual(1e-9);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('options and multi-leg sizes are whole numbers', () => {
  it('a spread of 1.5, or a leg ratio of 1.5, is refused; whole ones pass', () => {
    expect(refusals(spread({ qty: 1.5 }))).toEqual(['qty: qty of a multi-leg order must be a whole number']);
    expect(refusals(spread({}, 1.5))).toEqual(['legs.0.ratio_qty: ratio_qty must be a whole number']);
    expect(refusals(spread({ qty: 3 }, 2))).toEqual([]);
  });
  it('a single-leg option order (OCC symbol) is whole contracts', () => {
    expect(refusals(equity({ symbol: 'SPY260417P00500000', qty: 1 }))).toEqual([]);
    expect(refusals(equity({ symbol: 'SPY260417P00500000', qty: 1.5 }))).toEqual(['qty: qty of an option order must be a whole number of contracts']);
  });
});

describe('notional is at least $1 in whole cents', () => {
  it('refuses $0.99, $0.000001 and $10.005, naming the rule', () => {
    expect(refusals(equity({ notional: 0.99 }))).toEqual(["notional: notional must be at least $1 (Alpaca's smallest notional order)"]);
    expect(refusals(equity({ notional: 0.000001 }))).toEqual([expect.stringContaining('at least $1'), expect.stringContaining('whole cents')]);
    expect(refusals(equity({ notional: 10.005 }))).toEqual(['notional: notional must be whole cents (at most 2 decimal places)']);
  });
  it('accepts $1, $10.05 and $5,000.01', () => {
    for (const notional of [1, 10.05, 5000.01]) expect(refusals(equity({ notional })), String(notional)).toEqual([]);
  });
});
