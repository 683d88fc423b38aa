import { describe, expect, it } from 'vitest';
import { buyingPowerCheck } from '../../../../src/risk/checks/buying-power.js';
import { account, creditSpreadInput, occ, openOrder, order, position } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

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

  it("needs an option's premium from the options buying power when the broker reports one", () => {
    expect(
      runCheck(buyingPowerCheck, { input: { ...optionInput({ qty: 2, limit: 1.1 }), account: account({ buyingPower: 0, optionsBuyingPower: 220 }) } }),
    ).toEqual({
      passed: true,
      limit: 220,
      actual: 220,
      message: 'needs $220.00; options buying power after open orders (≈ $0.00 held) $220.00',
    });
    expect(runCheck(buyingPowerCheck, { input: { ...optionInput({ qty: 2, limit: 1.1 }), account: account({ buyingPower: 219 }) } })).toMatchObject({
      passed: false,
      limit: 219,
      actual: 220,
    });
  });

  it('holds a put sold to open at its strike, a covered call at nothing, and refuses a naked call', () => {
    const put = optionInput({ side: 'sell', qty: 1, symbol: occ('2026-04-09', 'P', 95) });
    expect(runCheck(buyingPowerCheck, { input: { ...put, account: bp(9_499) } })).toMatchObject({ passed: false, actual: 9_500 });
    const call = optionInput({ side: 'sell', qty: 1 });
    expect(runCheck(buyingPowerCheck, { input: { ...call, account: bp(0), positions: [position('SPY', 100)] } })).toMatchObject({ passed: true, actual: 0 });
    expect(runCheck(buyingPowerCheck, { input: call }).message).toBe('the order has unbounded risk');
  });

  it('needs nothing for a close that only reduces, but charges a close that would open', () => {
    const close = { kind: 'close' as const };
    expect(runCheck(buyingPowerCheck, { input: { order: sell10, action: close, account: bp(0), positions: [position('AAPL', 10)] } })).toEqual({
      passed: true,
      limit: 0,
      actual: 0,
      message: 'a close only reduces the position: needs no buying power',
    });
    expect(runCheck(buyingPowerCheck, { input: { order: sell10, action: close, account: bp(0) } })).toMatchObject({ passed: false, actual: 1000 });
  });

  it('charges a buy trailing stop at the ask plus its trail', () => {
    const trailing = order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'trailing_stop', trail_price: 2 });
    expect(runCheck(buyingPowerCheck, { input: { order: trailing, account: bp(1020.09) } })).toMatchObject({ passed: false, actual: 1020.1 });
    expect(runCheck(buyingPowerCheck, { input: { order: trailing, account: bp(1020.1) } }).passed).toBe(true);
  });

  it("releases the replaced order's reservation from a gross figure, and reserves option buys at 100 a contract", () => {
    const resting = openOrder({ symbol: 'AAPL', side: 'buy', qty: 10, limitPrice: 100 });
    const gross = { buyingPowerNetOfOpenOrders: false, account: bp(1500), openOrders: [resting] };
    expect(runCheck(buyingPowerCheck, { input: gross }).passed).toBe(false);
    expect(runCheck(buyingPowerCheck, { input: { ...gross, action: { kind: 'replace', replaces: resting } } })).toMatchObject({ passed: true, limit: 1500 });
    const optionBuy = openOrder({ symbol: occ('2026-04-09', 'C', 100), side: 'buy', qty: 2, limitPrice: 1.1 });
    const csp = openOrder({ symbol: occ('2026-04-09', 'P', 90), side: 'sell', qty: 1, limitPrice: 1, positionIntent: 'sell_to_open' });
    expect(runCheck(buyingPowerCheck, { input: { ...gross, account: bp(20_000), openOrders: [optionBuy, csp] } }).message).toBe(
      'needs $1,000.00; buying power $20,000.00 less $9,220.00 held by open orders = $10,780.00',
    );
  });
});
