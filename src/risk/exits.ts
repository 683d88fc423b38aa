/**
 * The exits of a bracket, OTO or OCO order and the loss its stop bounds. A bracket/OTO's stop-loss
 * caps the loss from the entry: (entry − stop) × qty for a buy, (stop − entry) × qty for a short
 * sale, the entry being the limit (the worst fill a limit accepts) or, for a market entry, the far
 * side of the quote. A stop-limit exit is measured at its limit (the worst price it accepts); in
 * a gap through that limit it may not fill at all, and the position then stays open unprotected:
 * `stopLimit` says so and the checks report it. A plain stop exits at the market once triggered
 * (slippage in a gap is not modelled). An OCO closes a position: its stop gives up at most
 * (current price − stop) × qty from the position's present value.
 * @example exitFacts(bracketBuy10At100Stop95, 100, 100, 10)!.maxLossUsd === 50
 */
import type { NormalizedOrder } from '../orders/order.js';

export interface ExitFacts {
  orderClass: 'bracket' | 'oto' | 'oco';
  /** The side of the exit orders: opposite the entry for bracket/OTO, the order's own for an OCO. */
  exitSide: 'buy' | 'sell';
  /** The entry is a market order (its exits must straddle the current price). */
  marketEntry: boolean;
  takeProfit: number | null;
  stop: number | null;
  /** The worst price the stop exit accepts: the stop, or its stop-limit's limit when that is worse. */
  stopExit: number | null;
  stopLimit: boolean;
  /** The price the loss is measured from: the entry (bracket/OTO) or the current price (OCO); null when unpriced. */
  from: number | null;
  /** Loss per share and in all if the stop exit fills (null without a stop or a price). */
  perShare: number | null;
  maxLossUsd: number | null;
}

/** The exits of an order with them (null for simple and multi-leg orders). */
export function exitFacts(order: NormalizedOrder, price: number | null, mid: number | null, qty: number | null): ExitFacts | null {
  const cls = order.order_class;
  if (cls !== 'bracket' && cls !== 'oto' && cls !== 'oco') return null;
  const exitSide = cls === 'oco' ? order.side : order.side === 'buy' ? 'sell' : 'buy';
  const stop = order.stop_loss?.stop_price ?? null;
  const stopLimit = order.stop_loss?.limit_price ?? null;
  // A sell exit accepts down to the lower of stop and limit; a buy exit (covering a short) up to the higher.
  const stopExit = stop === null ? null : stopLimit === null ? stop : exitSide === 'sell' ? Math.min(stop, stopLimit) : Math.max(stop, stopLimit);
  const from = cls === 'oco' ? mid : (order.limit_price ?? price);
  const perShare = stopExit === null || from === null ? null : Math.max(0, exitSide === 'sell' ? from - stopExit : stopExit - from);
  return {
    orderClass: cls,
    exitSide,
    marketEntry: cls !== 'oco' && order.type === 'market',
    takeProfit: order.take_profit?.limit_price ?? null,
    stop,
    stopExit,
    stopLimit: stopLimit !== null,
    from,
    perShare,
    maxLossUsd: perShare === null || qty === null ? null : perShare * qty,
  };
}
