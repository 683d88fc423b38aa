import { describe, expect, it } from 'vitest';
import { maxOrderNotionalCheck } from '../../../../src/risk/checks/max-order-notional.js';
import { creditSpreadInput, order } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

const limitBuy = (qty: number, limit_price: number) => ({ input: { order: order({ symbol: 'AAPL', side: 'buy', qty, type: 'limit', limit_price }) } });

describe('max_order_notional', () => {
  it('passes an order at the limit', () => {
    expect(runCheck(maxOrderNotionalCheck, limitBuy(50, 100))).toEqual({
      passed: true,
      limit: 5000,
      actual: 5000,
      message: 'order value $5,000.00 within $5,000.00',
    });
  });

  it('refuses an order just above the limit', () => {
    expect(runCheck(maxOrderNotionalCheck, limitBuy(50, 100.01))).toEqual({
      passed: false,
      limit: 5000,
      actual: 5000.5,
      message: 'order value $5,000.50 exceeds $5,000.00',
    });
  });

  it('takes a notional order at its notional and a market order at the far side of the quote', () => {
    expect(runCheck(maxOrderNotionalCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', notional: 5000.01, type: 'market' }) } }).passed).toBe(false);
    expect(runCheck(maxOrderNotionalCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', qty: 50, type: 'market' }) } })).toMatchObject({
      passed: false,
      actual: 5000.5,
    });
  });

  it('refuses a market order it cannot price', () => {
    expect(runCheck(maxOrderNotionalCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' }), quotes: {} } })).toEqual({
      passed: false,
      limit: 5000,
      actual: null,
      message: 'cannot price a market order without a quote',
    });
  });

  it('takes a multi-leg order at its premium: |net| × 100 × spreads', () => {
    expect(runCheck(maxOrderNotionalCheck, { input: creditSpreadInput({ qty: 2, limit: -1.5 }) })).toEqual({
      passed: true,
      limit: 5000,
      actual: 300,
      message: 'premium $300.00 within $5,000.00',
    });
    expect(runCheck(maxOrderNotionalCheck, { input: creditSpreadInput({ qty: 2, limit: -1.5 }), limits: { maxOrderNotionalUsd: 299.99 } })).toEqual({
      passed: false,
      limit: 299.99,
      actual: 300,
      message: 'premium $300.00 exceeds $299.99',
    });
  });

  it('refuses a multi-leg order without a price', () => {
    expect(runCheck(maxOrderNotionalCheck, { input: creditSpreadInput(), facts: { netPremium: null } })).toEqual({
      passed: false,
      limit: 5000,
      actual: null,
      message: 'cannot price the options order (no limit_price and no quote for every leg)',
    });
  });

  it('values a single-leg option at its premium, price × 100 × contracts', () => {
    expect(runCheck(maxOrderNotionalCheck, { input: optionInput({ qty: 2, limit: 1.1 }) })).toEqual({
      passed: true,
      limit: 5000,
      actual: 220,
      message: 'premium $220.00 within $5,000.00',
    });
    expect(runCheck(maxOrderNotionalCheck, { input: optionInput({ qty: 5, limit: 10.01 }) })).toMatchObject({ passed: false, actual: 5005 });
    expect(runCheck(maxOrderNotionalCheck, { input: { ...optionInput({ limit: null }), quotes: {} } }).message).toBe(
      'cannot price an option order without a quote',
    );
  });
});
