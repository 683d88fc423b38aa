/** Alpaca's validated wire shapes mapped to the broker types, and our submissions mapped to the SDK's request. */
import { decimalText } from '../../orders/quantity.js';
import type { z } from 'zod';
import type { TradingMode } from '../../orders/order.js';
import {
  ORDER_STATUSES,
  type Account,
  type Bar,
  type BrokerOrder,
  type ExitOrder,
  type OptionChainRequest,
  type OptionContract,
  type OptionSnapshot,
  type OrderReplacement,
  type OrderStatus,
  type OrderSubmission,
  type Position,
  type Quote,
  type Trade,
} from '../types.js';
import type { WireAccount, WireBar, WireContract, WireExit, WireOptionSnapshot, WireOrder, WirePosition, WireQuote, WireTrade } from './wire.js';

const KNOWN_STATUSES = new Set<string>(ORDER_STATUSES.filter((s) => s !== 'unknown'));

export function mapStatus(raw: string): OrderStatus {
  return KNOWN_STATUSES.has(raw) ? (raw as OrderStatus) : 'unknown';
}

const side = (v: string | null | undefined): 'buy' | 'sell' | null => (v === 'buy' || v === 'sell' ? v : null);

type WireOrderOut = z.output<typeof WireOrder>;
type WireExitOut = z.output<typeof WireExit>;

/** The fields every order has, whether a parent or an exit nested under one. */
function orderCore(w: WireOrderOut | WireExitOut, orderClass: string): Omit<BrokerOrder, 'legs' | 'exits'> {
  return {
    id: w.id,
    clientOrderId: w.client_order_id,
    symbol: w.symbol ? w.symbol : null,
    side: side(w.side),
    orderClass,
    type: w.type || w.order_type || 'unknown',
    timeInForce: w.time_in_force,
    qty: w.qty,
    notional: w.notional,
    filledQty: w.filled_qty ?? 0,
    filledAvgPrice: w.filled_avg_price,
    limitPrice: w.limit_price,
    stopPrice: w.stop_price,
    trailPrice: w.trail_price,
    trailPercent: w.trail_percent,
    hwm: w.hwm,
    positionIntent: w.position_intent,
    extendedHours: w.extended_hours ?? false,
    status: mapStatus(w.status),
    rawStatus: w.status,
    submittedAt: w.submitted_at,
    filledAt: w.filled_at,
    canceledAt: w.canceled_at,
    createdAt: w.created_at,
    replaces: w.replaces,
    replacedBy: w.replaced_by,
  };
}

/** An exit of a bracket / OCO / OTO: its own order, of its parent's class. */
export function toExit(w: WireExitOut, parentClass: string): ExitOrder {
  return { ...orderCore(w, w.order_class || parentClass), legs: null, exits: null };
}

/** Alpaca's `legs` become `legs` for a multi-leg order and `exits` for bracket / OCO / OTO. */
export function toOrder(w: WireOrderOut): BrokerOrder {
  return {
    ...orderCore(w, w.orderClass),
    exits: w.exits ? w.exits.map((e) => toExit(e, w.orderClass)) : null,
    legs: w.mlegLegs
      ? w.mlegLegs.map((l) => ({
          symbol: l.symbol,
          side: side(l.side) ?? 'buy',
          ratioQty: l.ratio_qty ?? 1,
          positionIntent: l.position_intent,
          filledQty: l.filled_qty ?? 0,
          filledAvgPrice: l.filled_avg_price,
        }))
      : null,
  };
}

export const toBar = (b: z.output<typeof WireBar>): Bar => ({
  t: b.t,
  o: b.o,
  h: b.h,
  l: b.l,
  c: b.c,
  v: b.v,
  ...(b.vw !== undefined ? { vw: b.vw } : {}),
  ...(b.n !== undefined ? { n: b.n } : {}),
});
export const toQuote = (symbol: string, q: z.output<typeof WireQuote>): Quote => ({
  symbol,
  bidPrice: q.bp,
  bidSize: q.bs,
  askPrice: q.ap,
  askSize: q.as,
  timestamp: q.t,
});
export const toTrade = (symbol: string, t: z.output<typeof WireTrade>): Trade => ({ symbol, price: t.p, size: t.s, timestamp: t.t });
export const toContract = (c: WireContract): OptionContract => ({
  symbol: c.symbol,
  underlying: c.underlying_symbol,
  expiration: c.expiration_date,
  type: c.type,
  strike: c.strike_price,
  openInterest: c.open_interest,
  closePrice: c.close_price,
});
export const toOptionSnapshot = ([symbol, s]: [string, z.output<typeof WireOptionSnapshot>]): OptionSnapshot => ({
  symbol,
  latestQuote: s.latestQuote ? toQuote(symbol, s.latestQuote) : null,
  latestTrade: s.latestTrade ? toTrade(symbol, s.latestTrade) : null,
  impliedVolatility: s.impliedVolatility,
  greeks: s.greeks ? { delta: s.greeks.delta, gamma: s.greeks.gamma, theta: s.greeks.theta, vega: s.greeks.vega } : null,
});
/** The chain filters as the SDK names them (dates as the SDK's Date, sent as YYYY-MM-DD). */
export const chainFilters = (req: OptionChainRequest) => ({
  ...(req.expirationGte ? { expirationDateGte: new Date(`${req.expirationGte}T00:00:00Z`) } : {}),
  ...(req.expirationLte ? { expirationDateLte: new Date(`${req.expirationLte}T00:00:00Z`) } : {}),
  ...(req.type ? { type: req.type as never } : {}),
  ...(req.strikeGte !== undefined ? { strikePriceGte: req.strikeGte } : {}),
  ...(req.strikeLte !== undefined ? { strikePriceLte: req.strikeLte } : {}),
});

export function toAccount(a: z.output<typeof WireAccount>, mode: TradingMode): Account {
  return {
    id: a.id,
    status: a.status,
    currency: a.currency,
    cash: a.cash,
    equity: a.equity,
    lastEquity: a.last_equity,
    buyingPower: a.buying_power,
    daytradeCount: a.daytrade_count,
    patternDayTrader: a.pattern_day_trader,
    tradingBlocked: a.trading_blocked,
    optionsBuyingPower: a.options_buying_power,
    optionsLevel: effectiveOptionsLevel(a.options_trading_level, a.options_approved_level),
    mode,
  };
}

/** Shorts as negative qty; option values carry the 100 multiplier when Alpaca leaves them out. */
export function toPosition(p: z.output<typeof WirePosition>): Position {
  const qty = p.side === 'short' && p.qty > 0 ? -p.qty : p.qty;
  const current = p.current_price ?? p.avg_entry_price;
  const mult = p.asset_class === 'us_option' ? 100 : 1;
  const marketValue = p.market_value ?? qty * current * mult;
  return {
    symbol: p.symbol,
    assetClass: p.asset_class === 'us_option' ? 'us_option' : 'us_equity',
    qty,
    avgEntryPrice: p.avg_entry_price,
    costBasis: p.cost_basis,
    currentPrice: current,
    marketValue,
    unrealizedPl: p.unrealized_pl ?? marketValue - p.cost_basis,
  };
}

/**
 * The level the account may trade at: Alpaca's options_trading_level (already the lower of the
 * approved level and the account's configured maximum), never above options_approved_level; null
 * when Alpaca sends neither.
 */
export function effectiveOptionsLevel(trading: number | null, approved: number | null): number | null {
  if (trading === null) return approved;
  if (approved === null) return trading;
  return Math.min(trading, approved);
}

const text = (n: number | null | undefined) => (n === null || n === undefined ? undefined : decimalText(n));

/**
 * The POST /v2/orders body in the SDK's names; it mirrors SPEC §4/§12 one-to-one. A multi-leg
 * order names neither symbol nor side (Alpaca: "required for all order classes except mleg"; the
 * legs carry them); bracket / OCO / OTO carry their exits as take_profit / stop_loss.
 */
export function toOrderRequest(order: OrderSubmission) {
  const mleg = order.order_class === 'mleg';
  return {
    symbol: mleg ? undefined : (order.symbol ?? undefined),
    side: mleg ? undefined : order.side,
    type: order.type,
    timeInForce: order.time_in_force,
    qty: text(order.qty),
    notional: text(order.notional),
    limitPrice: text(order.limit_price),
    stopPrice: text(order.stop_price),
    trailPrice: text(order.trail_price),
    trailPercent: text(order.trail_percent),
    extendedHours: order.extended_hours || undefined,
    clientOrderId: order.client_order_id,
    orderClass: order.order_class,
    takeProfit: order.take_profit ? { limitPrice: decimalText(order.take_profit.limit_price) } : undefined,
    stopLoss: order.stop_loss ? { stopPrice: decimalText(order.stop_loss.stop_price), limitPrice: text(order.stop_loss.limit_price) } : undefined,
    positionIntent: order.position_intent ?? undefined,
    legs: order.legs?.map((l) => ({ symbol: l.symbol, side: l.side, ratioQty: decimalText(l.ratio_qty), positionIntent: l.position_intent })),
  };
}

/** The PATCH /v2/orders/{id} body in the SDK's names: only what changes, as decimal text. */
export function toReplaceRequest(change: OrderReplacement) {
  return {
    qty: text(change.qty),
    limitPrice: text(change.limit_price),
    stopPrice: text(change.stop_price),
    trail: text(change.trail),
    timeInForce: change.time_in_force,
    clientOrderId: change.client_order_id,
  };
}
