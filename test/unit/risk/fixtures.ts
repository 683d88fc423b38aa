/** A baseline risk context in which a small AAPL limit buy passes every check; cases mutate it. */
import type { Account, BrokerOrder, Clock, Position, Quote } from '../../../src/broker/types.js';
import { normalizeOrder, OrderInputSchema, type NormalizedOrder, type OrderInput } from '../../../src/orders/order.js';
import type { RiskInput } from '../../../src/risk/engine.js';
import { RiskLimitsSchema, type RiskLimits } from '../../../src/risk/limits.js';

/** Tuesday 2026-03-10 11:00 New York (EDT): the market is open. */
export const OPEN_AT = '2026-03-10T15:00:00.000Z';

export function order(input: OrderInput): NormalizedOrder {
  return normalizeOrder(OrderInputSchema.parse(input));
}

export function quote(symbol: string, bid: number, ask: number, timestamp: string): Quote {
  return { symbol, bidPrice: bid, bidSize: 100, askPrice: ask, askSize: 100, timestamp };
}

export function account(over: Partial<Account> = {}): Account {
  return {
    id: 'acct-1',
    status: 'ACTIVE',
    currency: 'USD',
    cash: 100_000,
    equity: 100_000,
    lastEquity: 100_000,
    buyingPower: 100_000,
    daytradeCount: 0,
    patternDayTrader: false,
    tradingBlocked: false,
    optionsBuyingPower: null,
    optionsLevel: 3,
    mode: 'sim',
    ...over,
  };
}

export function position(symbol: string, qty: number, price = 100): Position {
  return {
    symbol,
    assetClass: /\d{6}[CP]\d{8}$/.test(symbol) ? 'us_option' : 'us_equity',
    qty,
    avgEntryPrice: price,
    costBasis: qty * price,
    currentPrice: price,
    marketValue: qty * price,
    unrealizedPl: 0,
  };
}

let seq = 0;
export function openOrder(over: Partial<BrokerOrder> & { symbol: string | null; side: 'buy' | 'sell' }): BrokerOrder {
  seq += 1;
  return {
    id: `ord-${seq}`,
    clientOrderId: `c-${seq}`,
    orderClass: 'simple',
    type: 'limit',
    timeInForce: 'day',
    qty: 1,
    notional: null,
    filledQty: 0,
    filledAvgPrice: null,
    limitPrice: 100,
    stopPrice: null,
    trailPrice: null,
    trailPercent: null,
    hwm: null,
    positionIntent: null,
    extendedHours: false,
    status: 'new',
    rawStatus: 'new',
    submittedAt: OPEN_AT,
    filledAt: null,
    canceledAt: null,
    createdAt: OPEN_AT,
    replaces: null,
    replacedBy: null,
    legs: null,
    exits: null,
    ...over,
  };
}

export function clock(timestamp = OPEN_AT, isOpen = true, nextOpen = '2026-03-11T13:30:00.000Z', nextClose = '2026-03-10T20:00:00.000Z'): Clock {
  return { timestamp, isOpen, nextOpen, nextClose };
}

export function limits(over: Partial<RiskLimits> = {}): RiskLimits {
  return { ...RiskLimitsSchema.parse({}), ...over };
}

export const isoBefore = (iso: string, seconds: number) => new Date(Date.parse(iso) - seconds * 1000).toISOString();

/** 10 AAPL limit 100 against a 99.99/100.01 quote one second old, on a $100k account. */
export function baseInput(over: Partial<RiskInput> = {}): RiskInput {
  return {
    order: order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 }),
    mode: 'sim',
    account: account(),
    positions: [],
    openOrders: [],
    quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(OPEN_AT, 1)) },
    clock: clock(),
    state: { halted: false, haltReason: null, startOfDayEquity: 100_000, recentOrders: [] },
    limits: limits(),
    now: new Date(OPEN_AT),
    ...over,
  };
}

/** OCC symbol for SPY options. */
export const occ = (expiry: string, type: 'C' | 'P', strike: number, root = 'SPY') =>
  `${root}${expiry.slice(2, 4)}${expiry.slice(5, 7)}${expiry.slice(8, 10)}${type}${String(Math.round(strike * 1000)).padStart(8, '0')}`;

/** A bull put credit spread on SPY: sell the 100 put, buy the 95 put, 30 days out, for a 1.50 credit. */
export function creditSpreadInput(over: { qty?: number; limit?: number; expiry?: string } = {}): RiskInput {
  const expiry = over.expiry ?? '2026-04-09';
  const shortPut = occ(expiry, 'P', 100);
  const longPut = occ(expiry, 'P', 95);
  const ts = isoBefore(OPEN_AT, 1);
  return baseInput({
    order: order({
      side: 'buy',
      qty: over.qty ?? 2,
      type: 'limit',
      limit_price: over.limit ?? -1.5,
      order_class: 'mleg',
      legs: [
        { symbol: shortPut, side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
        { symbol: longPut, side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
      ],
    }),
    quotes: { [shortPut]: quote(shortPut, 2.95, 3.05, ts), [longPut]: quote(longPut, 1.45, 1.55, ts) },
  });
}
