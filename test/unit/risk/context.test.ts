/** The shared facts every check reads, derived once from a RiskInput. */
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../../src/risk/context.js';
import { tradingDay } from '../../../src/risk/ny-time.js';
import { baseInput, clock, creditSpreadInput, OPEN_AT, openOrder, order, position } from './fixtures.js';

describe('buildContext', () => {
  it('prices a notional market buy at the ask and sizes it from there', () => {
    const ctx = buildContext(baseInput({ order: order({ symbol: 'AAPL', side: 'buy', notional: 1000.1, type: 'market' }) }));
    expect(ctx).toMatchObject({ isMleg: false, price: 100.01, mid: 100, notional: 1000.1, tradedSymbols: ['AAPL'] });
    expect(ctx.qty).toBeCloseTo(10, 9);
  });

  it("matches positions and open orders to the order's symbol after folding, keeping only orders that can still fill", () => {
    const ctx = buildContext(
      baseInput({
        order: order({ symbol: 'AAPL', side: 'sell', qty: 5, type: 'limit', limit_price: 100 }),
        positions: [position('ａａｐｌ', 20)],
        openOrders: [openOrder({ symbol: 'aapl', side: 'sell', qty: 3 }), openOrder({ symbol: 'AAPL', side: 'buy', qty: 9, status: 'filled' })],
      }),
    );
    expect(ctx.tradedSymbols).toEqual(['AAPL']);
    expect(ctx.openOrders).toHaveLength(1);
    expect(ctx.exposure).toEqual({ position: 20, openBuys: 0, openSells: 3 });
    expect(ctx.reducing).toBe(true);
  });

  it('derives the legs, underlying, net premium and max loss of a multi-leg order', () => {
    const ctx = buildContext(creditSpreadInput({ qty: 2, limit: -1.5 }));
    expect(ctx).toMatchObject({
      isMleg: true,
      allLegsParse: true,
      underlyings: ['SPY'],
      tradedSymbols: ['SPY'],
      spreads: 2,
      netPremium: -1.5,
      price: null,
      qty: null,
      exposure: null,
      reducing: false,
    });
    expect(ctx.maxLoss?.maxLossUsd).toBeCloseTo(700, 9);
    expect(ctx.netMid).toBeCloseTo(-1.5, 9);
    expect(ctx.grossMid).toBeCloseTo(4.5, 9);
  });

  it("reads market time from the broker's clock, falling back to now when it is unreadable", () => {
    expect(buildContext(baseInput({ clock: clock('2026-03-10T16:00:00.000Z') })).clockMs).toBe(Date.parse('2026-03-10T16:00:00.000Z'));
    expect(buildContext(baseInput({ clock: clock('not a time') })).clockMs).toBe(Date.parse(OPEN_AT));
  });
});

describe('tradingDay', () => {
  it('is the New York calendar date, across the March DST change', () => {
    expect(tradingDay('2026-03-11T03:59:00Z')).toBe('2026-03-10'); // 23:59 EDT
    expect(tradingDay('2026-03-08T04:59:00Z')).toBe('2026-03-07'); // 23:59 EST, hours before clocks go forward
    expect(tradingDay(new Date('2026-03-08T05:00:00Z'))).toBe('2026-03-08');
  });
});
