import { describe, expect, it } from 'vitest';
import { buyingPowerCheck } from '../../../../src/risk/checks/buying-power.js';
import { account, creditSpreadInput, openOrder, order, position } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const bp = (buyingPower: number) => account({ buyingPower });
const sell10 = order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 });

describe('buying_power', () => {
  it("passes when the broker's net figure covers the cost, and refuses a cent short", () => {
    expect(runCheck(buyingPowerCheck, { input: { account: bp(1000) } })).toEqual({
      passed: true,
      limit: 1000,
      actual: 1000,
      message: 'needs $1,000.00; buying power after open orders (≈ $0.00 held) $1,000.00',
    });
    expect(runCheck(buyingPowerCheck, { input: { account: bp(999.99) } })).toMatchObject({ passed: false, limit: 999.99, actual: 1000 });
  });

  it('charges a short sale but not the sale of shares held', () => {
    expect(runCheck(buyingPowerCheck, { input: { order: sell10, account: bp(999) } })).toMatchObject({ passed: false, actual: 1000 });
    expect(runCheck(buyingPowerCheck, { input: { order: sell10, account: bp(0), positions: [position('AAPL', 10)] } })).toMatchObject({
      passed: true,
      actual: 0,
    });
  });

  it('subtracts its own estimate of what open orders hold from a gross figure', () => {
    const gross = (limitPrice: number) => ({
      input: { buyingPowerNetOfOpenOrders: false, account: bp(2000), openOrders: [openOrder({ symbol: 'MSFT', side: 'buy', qty: 10, limitPrice })] },
    });
    expect(runCheck(buyingPowerCheck, gross(100))).toEqual({
      passed: true,
      limit: 1000,
      actual: 1000,
      message: 'needs $1,000.00; buying power $2,000.00 less $1,000.00 held by open orders = $1,000.00',
    });
    expect(runCheck(buyingPowerCheck, gross(100.01))).toMatchObject({ passed: false, limit: 999.9 });
  });

  it("prices an unpriced open order at this order's price for its symbol, else at the position's mark", () => {
    const input = {
      buyingPowerNetOfOpenOrders: false,
      account: bp(10_000),
      positions: [position('MSFT', 1, 50)],
      openOrders: [
        openOrder({ symbol: 'aapl', side: 'buy', qty: 5, type: 'market', limitPrice: null }),
        openOrder({ symbol: 'MSFT', side: 'buy', qty: 2, type: 'market', limitPrice: null }),
      ],
    };
    expect(runCheck(buyingPowerCheck, { input }).message).toBe('needs $1,000.00; buying power $10,000.00 less $600.00 held by open orders = $9,400.00');
  });

  it('needs the max loss of a multi-leg order, and refuses unbounded risk', () => {
    expect(runCheck(buyingPowerCheck, { input: creditSpreadInput({ qty: 2 }) })).toMatchObject({ passed: true, actual: 700 });
    const unbounded = { maxLossUsd: Infinity, perSpread: Infinity, netPremium: -1, worstAt: null };
    expect(runCheck(buyingPowerCheck, { input: creditSpreadInput(), facts: { maxLoss: unbounded } })).toEqual({
      passed: false,
      limit: 100_000,
      actual: null,
      message: 'the order has unbounded risk',
    });
  });

  it('refuses when it cannot price what the order needs, and reads a non-number buying power as none', () => {
    expect(runCheck(buyingPowerCheck, { input: { order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' }), quotes: {} } })).toEqual({
      passed: false,
      limit: 100_000,
      actual: null,
      message: 'cannot price what the order needs',
    });
    expect(runCheck(buyingPowerCheck, { input: { account: bp(Number.NaN) } })).toMatchObject({ passed: false, limit: 0 });
  });
});
