/**
 * The order kinds of SPEC §12 in the schema: each valid kind parses; each broken combination rule is
 * INVALID_INPUT naming the rule (never coerced); any single-field change of any kind changes the
 * order_hash (so Opus confirms the exits, the trail and the option intent too).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeOrder, OrderInputSchema, orderHash } from '../../../src/orders/order.js';

const refusals = (o: Record<string, unknown>) => {
  const r = OrderInputSchema.safeParse(o);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

const KINDS: Record<string, Record<string, unknown>> = {
  bracket: {
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    type: 'limit',
    limit_price: 100,
    time_in_force: 'gtc',
    order_class: 'bracket',
    take_profit: { limit_price: 110 },
    stop_loss: { stop_price: 95, limit_price: 94.5 },
  },
  bracketSellMarket: {
    symbol: 'AAPL',
    side: 'sell',
    qty: 5,
    type: 'market',
    order_class: 'bracket',
    take_profit: { limit_price: 90 },
    stop_loss: { stop_price: 105 },
  },
  oco: {
    symbol: 'AAPL',
    side: 'sell',
    qty: 10,
    type: 'limit',
    time_in_force: 'gtc',
    order_class: 'oco',
    take_profit: { limit_price: 120 },
    stop_loss: { stop_price: 90 },
  },
  oto: { symbol: 'AAPL', side: 'buy', qty: 3, type: 'limit', limit_price: 100, order_class: 'oto', stop_loss: { stop_price: 97 } },
  trailingPrice: { symbol: 'AAPL', side: 'sell', qty: 10, type: 'trailing_stop', trail_price: 2.5, time_in_force: 'gtc' },
  trailingPercent: { symbol: 'AAPL', side: 'sell', qty: 10, type: 'trailing_stop', trail_percent: 1.5 },
  option: { symbol: 'SPY261218C00600000', side: 'buy', qty: 2, type: 'limit', limit_price: 3.2, position_intent: 'buy_to_open' },
  optionStop: { symbol: 'SPY261218P00500000', side: 'sell', qty: 1, type: 'stop', stop_price: 1.1, position_intent: 'sell_to_close' },
};

describe('every order kind parses', () => {
  for (const [name, o] of Object.entries(KINDS)) it(name, () => expect(refusals(o)).toEqual([]));
});

describe("Alpaca's combination rules, each named", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['bracket without stop_loss', { ...KINDS.bracket, stop_loss: undefined }, /^stop_loss: a bracket order needs stop_loss/],
    [
      'bracket with a buy stop above the take profit',
      { ...KINDS.bracket, stop_loss: { stop_price: 112 } },
      /take_profit.limit_price must be above stop_loss.stop_price/,
    ],
    ['bracket buy stop not a cent below the limit', { ...KINDS.bracket, stop_loss: { stop_price: 100 } }, /stop_loss.stop_price must be at least \$0.01 below/],
    [
      'bracket take profit not a cent above the limit',
      { ...KINDS.bracket, take_profit: { limit_price: 100.005 } },
      /take_profit.limit_price must be at least \$0.01 above/,
    ],
    ['bracket fractional', { ...KINDS.bracket, qty: 1.5 }, /whole shares/],
    ['bracket notional', { ...KINDS.bracket, qty: undefined, notional: 500 }, /takes qty, not notional/],
    ['bracket ioc', { ...KINDS.bracket, time_in_force: 'ioc' }, /day or gtc/],
    ['bracket stop entry', { ...KINDS.bracket, type: 'stop', stop_price: 101, limit_price: undefined }, /entry of a bracket order is market or limit/],
    ['bracket extended hours', { ...KINDS.bracket, time_in_force: 'day', extended_hours: true }, /extended_hours needs a simple limit order/],
    ['oco not limit', { ...KINDS.oco, type: 'market' }, /an oco order is type limit/],
    ['oco with a limit_price', { ...KINDS.oco, limit_price: 120 }, /takes its limit in take_profit.limit_price/],
    [
      'oco sell with the stop above the take profit',
      { ...KINDS.oco, stop_loss: { stop_price: 125 } },
      /take_profit.limit_price must be above stop_loss.stop_price for a sell oco/,
    ],
    ['oto with both exits', { ...KINDS.oto, take_profit: { limit_price: 105 } }, /exactly one of take_profit or stop_loss/],
    [
      'take_profit on a simple order',
      { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', take_profit: { limit_price: 1 } },
      /take_profit needs order_class bracket, oco or oto/,
    ],
    ['trailing stop with both trails', { ...KINDS.trailingPrice, trail_percent: 1 }, /exactly one of trail_price or trail_percent/],
    ['trailing stop with no trail', { ...KINDS.trailingPrice, trail_price: undefined }, /exactly one of trail_price or trail_percent/],
    ['trailing stop ioc', { ...KINDS.trailingPrice, time_in_force: 'ioc' }, /trailing_stop order is time_in_force day or gtc/],
    ['trailing stop with a stop_price', { ...KINDS.trailingPrice, stop_price: 90 }, /a trailing_stop order takes no stop_price/],
    ['trail on a limit order', { symbol: 'AAPL', side: 'sell', qty: 1, type: 'limit', limit_price: 5, trail_price: 1 }, /trail_price needs type trailing_stop/],
    ['trail_percent of 100', { ...KINDS.trailingPercent, trail_percent: 100 }, /percentage below 100/],
    ['option gtc', { ...KINDS.option, time_in_force: 'gtc' }, /option order is time_in_force day/],
    ['option notional', { ...KINDS.option, qty: undefined, notional: 100 }, /option order takes qty \(contracts\)/],
    ['option trailing stop', { ...KINDS.option, type: 'trailing_stop', limit_price: undefined, trail_price: 1 }, /option order cannot be a trailing_stop/],
    [
      'option bracket',
      { ...KINDS.bracket, symbol: 'SPY261218C00600000', limit_price: 3, take_profit: { limit_price: 4 }, stop_loss: { stop_price: 2 }, time_in_force: 'day' },
      /option order is order_class simple/,
    ],
    ['option intent against the side', { ...KINDS.option, position_intent: 'sell_to_open' }, /contradicts side buy/],
    [
      'position_intent on a stock',
      { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', position_intent: 'buy_to_open' },
      /for an option \(OCC symbol\) only/,
    ],
    ['stop_loss with a string price', { ...KINDS.bracket, stop_loss: { stop_price: '95' } }, /stop_loss.stop_price/],
    ['take_profit with an unknown key', { ...KINDS.bracket, take_profit: { limit_price: 110, price: 1 } }, /take_profit/],
  ];
  for (const [name, o, rule] of cases)
    it(name, () => {
      const r = refusals(o);
      expect(r.length, name).toBeGreaterThan(0);
      expect(r.join(' | ')).toMatch(rule);
    });
});

/** A field and a different valid value for it, per kind. */
const CHANGES: Record<string, Array<[string, unknown]>> = {
  bracket: [
    ['qty', 11],
    ['limit_price', 100.5],
    ['take_profit', { limit_price: 111 }],
    ['stop_loss', { stop_price: 95, limit_price: 94 }],
    ['stop_loss', { stop_price: 95 }],
    ['time_in_force', 'day'],
    ['side', 'sell'],
  ],
  oco: [
    ['take_profit', { limit_price: 121 }],
    ['stop_loss', { stop_price: 89 }],
    ['qty', 9],
  ],
  oto: [['stop_loss', { stop_price: 96 }]],
  trailingPrice: [
    ['trail_price', 2.6],
    ['time_in_force', 'day'],
  ],
  trailingPercent: [['trail_percent', 1.6]],
  option: [
    ['position_intent', 'buy_to_close'],
    ['symbol', 'SPY261218C00605000'],
    ['limit_price', 3.3],
  ],
};

describe('order_hash binds every field of every kind', () => {
  const hash = (o: Record<string, unknown>) => orderHash(normalizeOrder(OrderInputSchema.parse(o)), 'paper');
  it('any single valid field change changes the hash', () => {
    const arb = fc.constantFrom(...Object.entries(CHANGES).flatMap(([kind, changes]) => changes.map((c) => [kind, ...c] as const)));
    fc.assert(
      fc.property(arb, ([kind, field, value]) => {
        const base = KINDS[kind]!;
        const changed = { ...base, [field]: value };
        // a side flip of a bracket also needs the exits mirrored to stay valid
        if (kind === 'bracket' && field === 'side') Object.assign(changed, { take_profit: { limit_price: 90 }, stop_loss: { stop_price: 110 } });
        expect(refusals(changed)).toEqual([]);
        expect(hash(changed)).not.toBe(hash(base));
      }),
      { numRuns: 200 },
    );
  });
  it('the rationale, strategy and tags are not in the hash', () =>
    expect(hash({ ...KINDS.bracket, rationale: 'x', strategy: 'trend_following', tags: ['breakout'] })).toBe(hash(KINDS.bracket)));
  it('strategy and tags are strict', () => {
    expect(refusals({ ...KINDS.bracket, strategy: 'Iron Condor' }).join()).toMatch(/strategy is a short id/);
    expect(refusals({ ...KINDS.bracket, tags: ['a', 'a'] }).join()).toMatch(/tags must be unique/);
    expect(refusals({ ...KINDS.bracket, tags: 'earnings' }).length).toBe(1);
  });
});
