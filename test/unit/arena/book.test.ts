import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyFill, emptyBook, fillPrice, markToMarket, maxDrawdown, replay, sizeDecision, sizeOrder } from '../../../src/arena/book.js';

describe('the shadow account fill model', () => {
  it('a BUY of half the cash at mid 500 with 5 bps: 9 shares at 500.25, cash to the cent', () => {
    const book = emptyBook(10_000);
    const sized = sizeDecision(book, { action: 'BUY', symbol: 'SPY', qty_fraction: 0.5 }, 500, 5);
    expect(sized).toEqual({ ok: true, side: 'buy', qty: 9, price: 500.25 });
    applyFill(book, { symbol: 'SPY', ...(sized as { side: 'buy'; qty: number; price: number }) });
    expect(book.cash).toBe(5497.75);
    expect(book.holdings.get('SPY')).toEqual({ qty: 9, cost: 4502.25 });
  });

  it('a SELL closes against the average cost: realised P&L and a win', () => {
    const book = replay(10_000, [
      { symbol: 'SPY', side: 'buy', qty: 4, price: 100 },
      { symbol: 'SPY', side: 'buy', qty: 4, price: 110 },
    ]);
    const sized = sizeDecision(book, { action: 'SELL', symbol: 'SPY', qty_fraction: 0.5 }, 120, 10);
    expect(sized).toEqual({ ok: true, side: 'sell', qty: 4, price: 119.88 });
    applyFill(book, { symbol: 'SPY', side: 'sell', qty: 4, price: 119.88 });
    // average cost 105: (119.88 − 105) × 4 = 59.52
    expect(book.realized).toBe(59.52);
    expect([book.closed, book.wins]).toEqual([1, 1]);
    expect(book.holdings.get('SPY')).toEqual({ qty: 4, cost: 420 });
  });

  it('long only: a SELL without a holding, a HOLD and a fraction too small fill nothing', () => {
    const book = emptyBook(1000);
    expect(sizeDecision(book, { action: 'SELL', symbol: 'QQQ', qty_fraction: 1 }, 400, 5)).toMatchObject({ ok: false });
    expect(sizeDecision(book, { action: 'HOLD', symbol: 'QQQ', qty_fraction: 1 }, 400, 5)).toEqual({ ok: false, reason: 'HOLD' });
    expect(sizeDecision(book, { action: 'BUY', symbol: 'QQQ', qty_fraction: 0.1 }, 400, 5)).toMatchObject({ ok: false });
    expect(sizeDecision(book, { action: 'BUY', symbol: 'QQQ', qty_fraction: 1 }, 0, 5)).toMatchObject({ ok: false });
  });

  it('a council order is scaled by shadow cash / real cash, and a limit must reach the fill price', () => {
    const book = emptyBook(10_000);
    expect(sizeOrder(book, { symbol: 'SPY', side: 'buy', qty: 50, type: 'market' }, 100_000, 500, 5)).toEqual({ ok: true, side: 'buy', qty: 5, price: 500.25 });
    expect(sizeOrder(book, { symbol: 'SPY', side: 'buy', qty: 50, type: 'limit', limit_price: 500 }, 100_000, 500, 5)).toMatchObject({ ok: false });
    expect(sizeOrder(book, { symbol: 'SPY', side: 'buy', notional: 20_000, type: 'market' }, 100_000, 500, 5)).toMatchObject({ ok: true, qty: 3 });
    expect(sizeOrder(book, { symbol: 'SPY', side: 'sell', qty: 50, type: 'market' }, 100_000, 500, 5)).toMatchObject({ ok: false });
  });

  it('marks to market at the mids; an unquoted holding at its cost', () => {
    const book = replay(1000, [
      { symbol: 'A', side: 'buy', qty: 2, price: 100 },
      { symbol: 'B', side: 'buy', qty: 1, price: 50 },
    ]);
    const m = markToMarket(book, new Map([['A', 110]]));
    expect(m.equity).toBe(750 + 220 + 50);
    expect(m.positions.map((p) => [p.symbol, p.price, p.unrealized_pl])).toEqual([
      ['A', 110, 20],
      ['B', null, 0],
    ]);
  });

  it('max drawdown is the worst fall from a running peak', () => {
    expect(maxDrawdown([100, 120, 90, 130, 117])).toBe(0.25);
    expect(maxDrawdown([100, 101, 102])).toBe(0);
  });

  it('property: whatever the decisions, cash and holdings never go negative and cash + basis = initial + realised', () => {
    const decision = fc.record({
      action: fc.constantFrom('BUY', 'SELL', 'HOLD' as const),
      symbol: fc.constantFrom('A', 'B'),
      qty_fraction: fc.double({ min: 0, max: 1, noNaN: true }),
      mid: fc.double({ min: 0.5, max: 2000, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(decision, { maxLength: 60 }), fc.integer({ min: 0, max: 100 }), (ds, bps) => {
        const book = emptyBook(10_000);
        for (const d of ds) {
          const s = sizeDecision(book, d as never, d.mid, bps);
          if (s.ok) applyFill(book, { symbol: d.symbol, side: s.side, qty: s.qty, price: s.price });
          expect(book.cash).toBeGreaterThanOrEqual(0);
          for (const h of book.holdings.values()) expect(h.qty).toBeGreaterThan(0);
        }
        const basis = [...book.holdings.values()].reduce((a, h) => a + h.cost, 0);
        expect(book.cash + basis).toBeCloseTo(10_000 + book.realized, 1);
      }),
    );
  });

  it('fill prices move against the model', () => {
    expect(fillPrice('buy', 100, 5)).toBe(100.05);
    expect(fillPrice('sell', 100, 5)).toBe(99.95);
  });
});
