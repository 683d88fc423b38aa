/** The shared facts every check reads, derived once from a RiskInput. */
import { describe, expect, it } from 'vitest';
import type { BrokerOrder, ExitOrder } from '../../../src/broker/types.js';
import { buildContext } from '../../../src/risk/context.js';
import { workingOrders } from '../../../src/risk/exposure.js';
import { tradingDay } from '../../../src/risk/ny-time.js';
import { baseInput, clock, creditSpreadInput, occ, OPEN_AT, openOrder, order, position, quote } from './fixtures.js';

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

describe('buildContext: order kinds and actions', () => {
  it('reads a single-leg option: its underlying is what trades, its size is in contracts, its value × 100', () => {
    const symbol = occ('2026-04-09', 'C', 100);
    const ctx = buildContext(
      baseInput({
        order: order({ symbol, side: 'buy', qty: 2, type: 'limit', limit_price: 1.1 }),
        quotes: { [symbol]: quote(symbol, 1, 1.2, OPEN_AT) },
      }),
    );
    expect(ctx).toMatchObject({ isOption: true, multiplier: 100, tradedSymbols: ['SPY'], qty: 2, notional: 220, closeOnly: false, reducing: false });
    expect(ctx.option).toMatchObject({ intent: 'buy_to_open', inferred: true, opening: true, premiumUsd: 220, occ: { underlying: 'SPY', strike: 100 } });
  });

  it('derives the exits of a bracket, the trail of a trailing stop, and who is close-only', () => {
    const b = buildContext(
      baseInput({
        order: order({
          symbol: 'AAPL',
          side: 'buy',
          qty: 10,
          type: 'limit',
          limit_price: 100,
          order_class: 'bracket',
          take_profit: { limit_price: 110 },
          stop_loss: { stop_price: 95 },
        }),
      }),
    );
    expect(b.exits).toMatchObject({ orderClass: 'bracket', exitSide: 'sell', marketEntry: false, from: 100, stopExit: 95, perShare: 5, maxLossUsd: 50 });
    expect(b.trail).toBeNull();
    const t = buildContext(baseInput({ order: order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'trailing_stop', trail_percent: 1 }) }));
    expect(t.trail).toMatchObject({ reference: 100.01 });
    expect(t.price).toBeCloseTo(101.0101, 9);
    const close = buildContext(baseInput({ order: order({ symbol: 'AAPL', side: 'sell', qty: 1, type: 'market' }), action: { kind: 'close' } }));
    expect(close).toMatchObject({ closeOnly: true, action: { kind: 'close' } });
    expect(buildContext(baseInput()).action).toEqual({ kind: 'place' });
  });

  it('drops the order a replace replaces before any exposure is counted', () => {
    const resting = openOrder({ symbol: 'AAPL', side: 'buy', qty: 7 });
    const input = baseInput({ openOrders: [resting, openOrder({ symbol: 'AAPL', side: 'buy', qty: 2 })] });
    expect(buildContext(input).exposure).toMatchObject({ openBuys: 9 });
    const ctx = buildContext({ ...input, action: { kind: 'replace', replaces: resting } });
    expect(ctx.exposure).toMatchObject({ openBuys: 2 });
    expect(ctx.openOrders).toHaveLength(1);
  });
});

describe('workingOrders', () => {
  const exit = (over: Partial<BrokerOrder>): ExitOrder => ({ ...openOrder({ symbol: 'AAPL', side: 'sell', qty: 10, status: 'held', ...over }), exits: null });
  const parent = (status: BrokerOrder['status'], exits: ExitOrder[]) =>
    openOrder({ symbol: 'AAPL', side: 'buy', qty: 10, orderClass: 'bracket', status, exits });

  it('counts a bracket by its entry while that is open, and by one of its exits once it has filled', () => {
    const waiting = parent('new', [exit({ type: 'limit' }), exit({ type: 'stop' })]);
    expect(workingOrders([waiting])).toEqual([waiting]);
    const tp = exit({ type: 'limit', status: 'new' });
    const sl = exit({ type: 'stop', status: 'new', qty: 10, filledQty: 4 });
    const filled = parent('filled', [sl, tp]);
    expect(workingOrders([filled])).toEqual([tp]);
    expect(workingOrders([parent('filled', [exit({ status: 'canceled' })])])).toEqual([]);
  });

  it('drops a whole group when one of its orders is the one replaced, and counts a group (or an exit listed on its own too) once', () => {
    const sl = exit({ type: 'stop', status: 'new' });
    const group = parent('filled', [exit({ type: 'limit', status: 'new' }), sl]);
    const other = openOrder({ symbol: 'MSFT', side: 'buy' });
    expect(workingOrders([group, other], sl)).toEqual([other]);
    expect(workingOrders([group, group])).toHaveLength(1);
    expect(workingOrders([sl, group])).toHaveLength(1);
  });
});

describe('tradingDay', () => {
  it('is the New York calendar date, across the March DST change', () => {
    expect(tradingDay('2026-03-11T03:59:00Z')).toBe('2026-03-10'); // 23:59 EDT
    expect(tradingDay('2026-03-08T04:59:00Z')).toBe('2026-03-07'); // 23:59 EST, hours before clocks go forward
    expect(tradingDay(new Date('2026-03-08T05:00:00Z'))).toBe('2026-03-08');
  });
});
