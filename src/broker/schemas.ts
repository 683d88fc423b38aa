/**
 * zod mirrors of the broker domain types (types.ts), for tool output schemas. Numbers are finite
 * (the server refuses NaN/Infinity in outputs); dates are ISO strings.
 */
import { z } from 'zod';
import { ORDER_STATUSES } from './types.js';

const money = z.number().finite();
export const ModeSchema = z.enum(['sim', 'paper', 'live']);
export const BrokerNameSchema = z.enum(['sim', 'alpaca']);

export const AccountSchema = z.strictObject({
  id: z.string(),
  status: z.string(),
  currency: z.string(),
  cash: money,
  equity: money,
  lastEquity: money,
  buyingPower: money,
  daytradeCount: z.number().int().nonnegative(),
  patternDayTrader: z.boolean(),
  tradingBlocked: z.boolean(),
  optionsBuyingPower: money.nullable(),
  optionsLevel: z.number().int().min(0).max(3).nullable(),
  mode: ModeSchema,
});

export const PositionSchema = z.strictObject({
  symbol: z.string(),
  assetClass: z.enum(['us_equity', 'us_option']),
  qty: money,
  avgEntryPrice: money,
  costBasis: money,
  currentPrice: money,
  marketValue: money,
  unrealizedPl: money,
});

export const OrderLegOutSchema = z.strictObject({
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  ratioQty: money,
  positionIntent: z.string().nullable(),
  filledQty: money,
  filledAvgPrice: money.nullable(),
});

const brokerOrderFields = {
  id: z.string(),
  clientOrderId: z.string(),
  symbol: z.string().nullable(),
  side: z.enum(['buy', 'sell']).nullable(),
  orderClass: z.string(),
  type: z.string(),
  timeInForce: z.string(),
  qty: money.nullable(),
  notional: money.nullable(),
  filledQty: money,
  filledAvgPrice: money.nullable(),
  limitPrice: money.nullable(),
  stopPrice: money.nullable(),
  trailPrice: money.nullable(),
  trailPercent: money.nullable(),
  hwm: money.nullable(),
  positionIntent: z.string().nullable(),
  extendedHours: z.boolean(),
  status: z.enum(ORDER_STATUSES),
  rawStatus: z.string(),
  submittedAt: z.string().nullable(),
  filledAt: z.string().nullable(),
  canceledAt: z.string().nullable(),
  createdAt: z.string(),
  replaces: z.string().nullable(),
  replacedBy: z.string().nullable(),
  legs: z.array(OrderLegOutSchema).nullable(),
};
/** An exit order of a bracket / OCO / OTO: an order of its own, without exits of its own. */
export const ExitOrderSchema = z.strictObject({ ...brokerOrderFields, exits: z.null() });
export const BrokerOrderSchema = z.strictObject({ ...brokerOrderFields, exits: z.array(ExitOrderSchema).nullable() });

export const BarSchema = z.strictObject({ t: z.string(), o: money, h: money, l: money, c: money, v: money, vw: money.optional(), n: money.optional() });
export const QuoteSchema = z.strictObject({ symbol: z.string(), bidPrice: money, bidSize: money, askPrice: money, askSize: money, timestamp: z.string() });
export const TradeSchema = z.strictObject({ symbol: z.string(), price: money, size: money, timestamp: z.string() });
export const SnapshotSchema = z.strictObject({
  symbol: z.string(),
  latestTrade: TradeSchema.nullable(),
  latestQuote: QuoteSchema.nullable(),
  minuteBar: BarSchema.nullable(),
  dailyBar: BarSchema.nullable(),
  prevDailyBar: BarSchema.nullable(),
});
export const ClockSchema = z.strictObject({ timestamp: z.string(), isOpen: z.boolean(), nextOpen: z.string(), nextClose: z.string() });

export const OptionChainRowSchema = z.strictObject({
  symbol: z.string(),
  expiration: z.string(),
  type: z.enum(['call', 'put']),
  strike: money,
  quoted: z.boolean(),
  bid: money.nullable(),
  ask: money.nullable(),
  last: money.nullable(),
  impliedVolatility: money.nullable(),
  delta: money.nullable(),
  gamma: money.nullable(),
  theta: money.nullable(),
  vega: money.nullable(),
  openInterest: money.nullable(),
});
