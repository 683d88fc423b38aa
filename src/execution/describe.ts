/**
 * Orders in words and in the result's shape: the broker's answer summarised for the result and the
 * orders row, and the order in plain words for messages and the human confirmation.
 */
import type { BrokerOrder } from '../broker/types.js';
import type { NormalizedOrder } from '../orders/order.js';
import type { BrokerOrderSummary } from './result.js';

/** A number the broker or the gateway reported, or null when it is missing or not finite. */
export const finiteOrNull = (n: unknown): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);

export function summariseBrokerOrder(o: BrokerOrder): BrokerOrderSummary {
  return {
    id: String(o.id),
    client_order_id: String(o.clientOrderId),
    status: String(o.status),
    symbol: o.symbol ?? null,
    side: o.side ?? null,
    order_class: String(o.orderClass ?? 'simple'),
    type: String(o.type),
    time_in_force: String(o.timeInForce),
    qty: finiteOrNull(o.qty),
    notional: finiteOrNull(o.notional),
    filled_qty: finiteOrNull(o.filledQty),
    filled_avg_price: finiteOrNull(o.filledAvgPrice),
    limit_price: finiteOrNull(o.limitPrice),
    stop_price: finiteOrNull(o.stopPrice),
    submitted_at: o.submittedAt ?? null,
    legs: o.legs
      ? o.legs.map((l) => ({ symbol: l.symbol, side: l.side, ratio_qty: finiteOrNull(l.ratioQty), position_intent: l.positionIntent ?? null }))
      : null,
  };
}

/** How the order is priced, in words. */
function priceWords(o: NormalizedOrder): string {
  switch (o.type) {
    case 'market':
      return 'at market';
    case 'limit':
      return o.limit_price === null ? 'limit' : `limit $${o.limit_price}`;
    case 'stop':
      return `stop $${o.stop_price}`;
    case 'stop_limit':
      return `stop $${o.stop_price} limit $${o.limit_price}`;
    case 'trailing_stop':
      return o.trail_percent !== null ? `trailing stop ${o.trail_percent}%` : `trailing stop $${o.trail_price}`;
  }
}

/** The exits of a bracket / OCO / OTO, in words ('' for other classes). */
function exitWords(o: NormalizedOrder): string {
  const parts: string[] = [];
  if (o.take_profit) parts.push(`take profit limit $${o.take_profit.limit_price}`);
  if (o.stop_loss) parts.push(`stop loss $${o.stop_loss.stop_price}${o.stop_loss.limit_price !== null ? ` limit $${o.stop_loss.limit_price}` : ''}`);
  return parts.length ? `; ${o.order_class} exits: ${parts.join(', ')}` : '';
}

/** Human-readable order, for elicitation and messages. */
export function describeOrder(o: NormalizedOrder): string {
  const size = o.qty !== null ? `${o.qty}` : `$${o.notional}`;
  const price = priceWords(o);
  if (o.order_class === 'mleg' && o.legs) {
    const legs = o.legs.map((l) => `${l.side} ${l.ratio_qty}× ${l.symbol} (${l.position_intent})`).join(', ');
    return `${size} multi-leg spread(s) ${price} (${o.time_in_force}): ${legs}`;
  }
  const intent = o.position_intent ? ` ${o.position_intent}` : '';
  return `${o.side.toUpperCase()} ${size} ${o.symbol}${intent} ${price} (${o.time_in_force}${o.extended_hours ? ', extended hours' : ''})${exitWords(o)}`;
}
