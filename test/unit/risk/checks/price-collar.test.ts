import { describe, expect, it } from 'vitest';
import { priceCollarCheck } from '../../../../src/risk/checks/price-collar.js';
import { creditSpreadInput, order, position } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

const limitAt = (side: 'buy' | 'sell', limit_price: number) => ({
  input: { order: order({ symbol: 'AAPL', side, qty: 10, type: 'limit', limit_price }), positions: [position('AAPL', 10)] },
});

describe('price_collar', () => {
  it('passes a limit at the mid and one just inside 3%', () => {
    expect(runCheck(priceCollarCheck)).toEqual({ passed: true, limit: 0.03, actual: 0, message: 'price within 0% of the quote mid 100 (collar 3%)' });
    expect(runCheck(priceCollarCheck, limitAt('buy', 102.99)).passed).toBe(true);
    expect(runCheck(priceCollarCheck, limitAt('sell', 97.01)).passed).toBe(true);
  });

  it('refuses a limit just outside 3% on either side', () => {
    expect(runCheck(priceCollarCheck, limitAt('buy', 103.01))).toEqual({
      passed: false,
      limit: 0.03,
      actual: 0.0301,
      message: 'price is 3.01% away from the quote mid 100, outside the 3% collar',
    });
    expect(runCheck(priceCollarCheck, limitAt('sell', 96.99)).passed).toBe(false);
  });

  it('collars a stop price too', () => {
    expect(runCheck(priceCollarCheck, { input: { order: order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'stop', stop_price: 96.99 }) } })).toMatchObject({
      passed: false,
      actual: 0.0301,
    });
  });

  it('does not apply to a market order', () => {
    expect(runCheck(priceCollarCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'market' }) } })).toEqual({
      passed: true,
      limit: null,
      actual: null,
      message: 'not applicable: a market order has no price to collar',
    });
  });

  it('refuses a priced order without a usable quote', () => {
    expect(runCheck(priceCollarCheck, { input: { quotes: {} } })).toEqual({
      passed: false,
      limit: 0.03,
      actual: null,
      message: 'no usable quote to collar the price against',
    });
  });

  it("collars a multi-leg net limit against the net mid, as a share of the legs' gross mid", () => {
    expect(runCheck(priceCollarCheck, { input: creditSpreadInput({ limit: -1.5 }) })).toEqual({
      passed: true,
      limit: 0.03,
      actual: 0,
      message: "net limit -1.5 vs net mid -1.5: 0% of the legs' gross mid 4.5, within 3%",
    });
    expect(runCheck(priceCollarCheck, { input: creditSpreadInput({ limit: -1.63 }) }).passed).toBe(true);
    expect(runCheck(priceCollarCheck, { input: creditSpreadInput({ limit: -1.64 }) })).toEqual({
      passed: false,
      limit: 0.03,
      actual: 0.031111,
      message: "net limit -1.64 vs net mid -1.5: 3.11% of the legs' gross mid 4.5, outside 3%",
    });
  });

  it('does not apply to a market multi-leg order, and refuses one without quotes for every leg', () => {
    const spread = creditSpreadInput();
    expect(runCheck(priceCollarCheck, { input: { ...spread, order: { ...spread.order, limit_price: null } } }).message).toBe(
      'not applicable: a market multi-leg order has no limit price',
    );
    expect(runCheck(priceCollarCheck, { input: { ...spread, quotes: {} } })).toEqual({
      passed: false,
      limit: 0.03,
      actual: null,
      message: 'no quote for every leg to collar the net price against',
    });
  });

  it("collars a single-leg option's limit beyond its quote (paying the ask is ordinary), and says why a trailing stop has no price", () => {
    // quote 1.00 × 1.20, mid 1.10: inside the quote is 0% off; beyond it, the distance over the mid
    expect(runCheck(priceCollarCheck, { input: optionInput({ limit: 1.2 }) })).toEqual({
      passed: true,
      limit: 0.03,
      actual: 0,
      message: 'price inside the option quote 1 × 1.2 (collar 3% beyond the quote)',
    });
    expect(runCheck(priceCollarCheck, { input: optionInput({ limit: 1.23 }) })).toMatchObject({ passed: true, actual: 0.027273 });
    expect(runCheck(priceCollarCheck, { input: optionInput({ limit: 1.24 }) })).toMatchObject({ passed: false, actual: 0.036364 });
    expect(runCheck(priceCollarCheck, { input: optionInput({ side: 'sell', limit: 0.96, intent: 'sell_to_close' }) })).toMatchObject({ passed: false });
    const trailing = order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'trailing_stop', trail_percent: 5 });
    expect(runCheck(priceCollarCheck, { input: { order: trailing, positions: [position('AAPL', 10)] } }).message).toBe(
      'not applicable: a trailing stop has no fixed price (trailing_stop reports its worst case)',
    );
  });
});
