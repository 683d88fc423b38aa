/** Alpaca's validated wire shapes mapped to the broker types, and our submissions mapped to the SDK's request. */
import { decimalText } from '../../orders/quantity.js';
import type { z } from 'zod';
import type { TradingMode } from '../../orders/order.js';
import {
  ORDER_STATUSES,
  type Account,
  type Bar,
  type BrokerOrder,
  type OptionChainRequest,
  type OptionContract,
  type OptionSnapshot,
  type OrderStatus,
  type OrderSubmission,
  type Position,
  type Quote,
  type Trade,
} from '../types.js';
import type { WireAccount, WireBar, WireContract, WireOptionSnapshot, WireOrder, WirePosition, WireQuote, WireTrade } from './wire.js';

const KNOWN_STATUSES = new Set<string>(ORDER_STATUSES.filter((s) => s !== 'unknown'));

export function mapStatus(raw: string): OrderStatus {
  return KNOWN_STATUSES.has(raw) ? (raw as OrderStatus) : 'unknown';
}

const side = (v: string | null | undefined): 'buy' | 'sell' | null => (v === 'buy' || v === 'sell' ? v : null);

export function toOrder(w: z.output<typeof WireOrder>): BrokerOrder {
  return {
    id: w.id,
    clientOrderId: w.client_order_id,
    symbol: w.symbol ? w.symbol : null,
    side: side(w.side),
    orderClass: w.order_class || (w.legs?.length ? 'mleg' : 'simple'),
    type: w.type ?? w.order_type ?? 'unknown',
    timeInForce: w.time_in_force,
    qty: w.qty,
    notional: w.notional,
    filledQty: w.filled_qty ?? 0,
    filledAvgPrice: w.filled_avg_price,
    limitPrice: w.limit_price,
    stopPrice: w.stop_price,
    trailPrice: null,
    trailPercent: null,
    hwm: null,
    positionIntent: null,
    extendedHours: w.extended_hours ?? false,
    status: mapStatus(w.status),
    rawStatus: w.status,
    submittedAt: w.submitted_at,
    filledAt: w.filled_at,
    canceledAt: w.canceled_at,
    createdAt: w.created_at,
    replaces: null,
    replacedBy: null,
    exits: null,
    legs: w.legs?.length
      ? w.legs.map((l) => ({
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
    optionsBuyingPower: null,
    optionsLevel: null,
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

/** The POST /v2/orders body in the SDK's names; it mirrors SPEC §4 one-to-one. */
export function toOrderRequest(order: OrderSubmission) {
  const str = (n: number | null) => (n === null ? undefined : decimalText(n));
  return {
    symbol: order.order_class === 'mleg' ? undefined : (order.symbol ?? undefined),
    side: order.side,
    type: order.type,
    timeInForce: order.time_in_force,
    qty: str(order.qty),
    notional: str(order.notional),
    limitPrice: str(order.limit_price),
    stopPrice: str(order.stop_price),
    extendedHours: order.extended_hours || undefined,
    clientOrderId: order.client_order_id,
    orderClass: order.order_class,
    legs: order.legs?.map((l) => ({ symbol: l.symbol, side: l.side, ratioQty: decimalText(l.ratio_qty), positionIntent: l.position_intent })),
  };
}
