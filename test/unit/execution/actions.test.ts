/**
 * replace_order and close_position resolved into the order as it will stand (execution/actions/):
 * what is closed and on which side, how a percentage rounds, what a replace changes and what it
 * refuses before anything reaches the gate's later stages.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerOrder, Position } from '../../../src/broker/types.js';
import { Refusal } from '../../../src/execution/attempt.js';
import { ClosePositionInputSchema, resolveClose } from '../../../src/execution/actions/close.js';
import { ReplaceOrderInputSchema, resolveReplace } from '../../../src/execution/actions/replace.js';
import { OrderInputSchema } from '../../../src/orders/order.js';

const position = (symbol: string, qty: number): Position => ({
  symbol,
  assetClass: symbol.length > 6 ? 'us_option' : 'us_equity',
  qty,
  avgEntryPrice: 100,
  costBasis: Math.abs(qty) * 100,
  currentPrice: 101,
  marketValue: qty * 101,
  unrealizedPl: qty,
});

const close = (input: Record<string, unknown>, positions: Position[]) => resolveClose(ClosePositionInputSchema.parse(input), positions);
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    if (err instanceof Refusal) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no refusal';
};

describe('close_position resolves to the opposite side of the held position', () => {
  it('a long closes with a sell of all of it; a short with a buy; an option with *_to_close', () => {
    expect(close({ symbol: 'AAPL' }, [position('AAPL', 10)]).orderInput).toMatchObject({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'market' });
    expect(close({ symbol: 'AAPL', qty: 4 }, [position('AAPL', -10)]).orderInput).toMatchObject({ side: 'buy', qty: 4 });
    const opt = close({ symbol: 'SPY261218C00600000', limit_price: 2.5 }, [position('SPY261218C00600000', -3)]).orderInput;
    expect(opt).toMatchObject({ side: 'buy', qty: 3, type: 'limit', limit_price: 2.5, position_intent: 'buy_to_close' });
    expect(OrderInputSchema.safeParse(opt).success).toBe(true);
  });
  it('a percentage rounds down: whole contracts for options, 1e-9 shares for stock', () => {
    expect(close({ symbol: 'SPY261218C00600000', percentage: 50 }, [position('SPY261218C00600000', 3)]).orderInput.qty).toBe(1);
    expect(close({ symbol: 'AAPL', percentage: 33.3333 }, [position('AAPL', 1)]).orderInput.qty).toBe(0.333333);
    expect(refusal(() => close({ symbol: 'SPY261218C00600000', percentage: 10 }, [position('SPY261218C00600000', 3)]))).toMatch(
      /^INVALID_INPUT: 10% of 3 rounds to nothing/,
    );
  });
  it('nothing held is NOT_FOUND; qty and percentage together are refused by the schema', () => {
    expect(refusal(() => close({ symbol: 'MSFT' }, [position('AAPL', 10)]))).toMatch(/^NOT_FOUND: the account holds no position in MSFT/);
    expect(ClosePositionInputSchema.safeParse({ symbol: 'AAPL', qty: 1, percentage: 5 }).success).toBe(false);
  });
  it('the summary states the position and what the order does', () => {
    expect((close({ symbol: 'AAPL', percentage: 50 }, [position('AAPL', 10)]).action as { summary: string }).summary).toBe(
      'CLOSES 5 of the long position of 10 shares "AAPL" (avg entry $100, now $101): sells 5 at market',
    );
  });
});

const open = (patch: Partial<BrokerOrder>): BrokerOrder => ({
  id: 'o-1',
  clientOrderId: 'c-1',
  symbol: 'AAPL',
  side: 'sell',
  orderClass: 'simple',
  type: 'stop',
  timeInForce: 'gtc',
  qty: 10,
  notional: null,
  filledQty: 0,
  filledAvgPrice: null,
  limitPrice: null,
  stopPrice: 95,
  trailPrice: null,
  trailPercent: null,
  hwm: null,
  positionIntent: null,
  extendedHours: false,
  status: 'new',
  rawStatus: 'new',
  submittedAt: null,
  filledAt: null,
  canceledAt: null,
  createdAt: '2026-12-01T15:00:00Z',
  replaces: null,
  replacedBy: null,
  legs: null,
  exits: null,
  ...patch,
});
const replace = (input: Record<string, unknown>, target: BrokerOrder | null) => resolveReplace(ReplaceOrderInputSchema.parse(input), target);

describe('replace_order resolves to the order as it will stand', () => {
  it('a stop raised: only stop_price changes, the broker gets just the change', () => {
    const { orderInput, action } = replace({ order_id: 'o-1', stop_price: 97, new_client_order_id: 'c-2' }, open({}));
    expect(orderInput).toEqual({
      symbol: 'AAPL',
      side: 'sell',
      type: 'stop',
      extended_hours: false,
      qty: 10,
      time_in_force: 'gtc',
      stop_price: 97,
      client_order_id: 'c-2',
    });
    expect(action).toMatchObject({ kind: 'replace', change: { stop_price: 97 } });
    expect((action as { summary: string }).summary).toMatch(/^REPLACES open order "o-1" .*: stop_price \$95 → \$97; everything else unchanged$/);
  });
  it('a trailing stop keeps its unit: trail changes trail_percent on a percent trail', () => {
    const { orderInput } = replace({ order_id: 'o-1', trail: 2 }, open({ type: 'trailing_stop', stopPrice: 98, trailPercent: 1, hwm: 99 }));
    expect(orderInput).toMatchObject({ type: 'trailing_stop', trail_percent: 2 });
    expect(orderInput).not.toHaveProperty('stop_price');
    expect(OrderInputSchema.safeParse(orderInput).success).toBe(true);
  });
  it('refuses what cannot be replaced, before any paid call', () => {
    expect(refusal(() => replace({ order_id: 'x', qty: 1 }, null))).toMatch(/^NOT_FOUND/);
    expect(refusal(() => replace({ order_id: 'o-1', qty: 1 }, open({ status: 'filled' })))).toMatch(/^INVALID_INPUT: order o-1 is filled/);
    expect(refusal(() => replace({ order_id: 'o-1', qty: 1 }, open({ orderClass: 'mleg', symbol: null })))).toMatch(/multi-leg/);
    expect(refusal(() => replace({ order_id: 'o-1', qty: 1 }, open({ orderClass: 'bracket', exits: [{ ...open({}), exits: null }] })))).toMatch(
      /entry of a bracket/,
    );
    expect(refusal(() => replace({ order_id: 'o-1', qty: 4 }, open({ filledQty: 4, status: 'partially_filled' })))).toMatch(/not above the 4 already filled/);
    expect(refusal(() => replace({ order_id: 'o-1', trail: 1 }, open({})))).toMatch(/trail applies to a trailing_stop order/);
  });
  it('the schema wants exactly one id and at least one change', () => {
    expect(ReplaceOrderInputSchema.safeParse({ qty: 1 }).success).toBe(false);
    expect(ReplaceOrderInputSchema.safeParse({ order_id: 'a', client_order_id: 'b', qty: 1 }).success).toBe(false);
    expect(ReplaceOrderInputSchema.safeParse({ order_id: 'a' }).success).toBe(false);
  });
});
