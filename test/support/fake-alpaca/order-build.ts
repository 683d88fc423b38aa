/**
 * How the loopback Alpaca builds the orders it stores: an accepted POST body as Alpaca's Order
 * (numbers as decimal text; a bracket / OTO parent with its exits as `legs`, an OCO as its
 * take-profit limit with the stop as its one leg; a multi-leg parent without symbol or side), a
 * trailing stop's water mark, and what a PATCH makes of an order.
 */
import { randomUUID } from 'node:crypto';
import { decimal, makeOrder } from './bodies.js';
import { num, OCC_SYMBOL, type OrderBody } from './order-rules.js';
import type { WireOrder } from './types.js';

export type Quote = (symbol: string) => { bp: number; ap: number };
export const ADVANCED = new Set(['bracket', 'oco', 'oto']);
export const text = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
const spec = (b: OrderBody, key: 'take_profit' | 'stop_loss'): Record<string, unknown> | null =>
  b[key] && typeof b[key] === 'object' ? (b[key] as Record<string, unknown>) : null;

/** A trailing stop's trail, its water mark (the price it trails from: the bid for a sell, the ask for a buy) and the stop they imply. */
export function trailFields(b: OrderBody, side: string, symbol: string, quote: Quote): Partial<WireOrder> {
  if (b.type !== 'trailing_stop') return {};
  const q = quote(symbol);
  const hwm = side === 'sell' ? q.bp : q.ap;
  const away = num(b.trail_price) ?? (hwm * (num(b.trail_percent) ?? 0)) / 100;
  return {
    trail_price: text(b.trail_price),
    trail_percent: text(b.trail_percent),
    hwm: decimal(hwm),
    stop_price: decimal(side === 'sell' ? hwm - away : hwm + away),
  };
}

/** An exit of a bracket / OCO / OTO: a whole order of the parent's class, `held` until it may fill. */
function exitOrder(p: WireOrder, kind: 'take_profit' | 'stop_loss', prices: Record<string, unknown>, side: string): WireOrder {
  const type = kind === 'take_profit' ? 'limit' : text(prices.limit_price) ? 'stop_limit' : 'stop';
  return makeOrder({
    symbol: p.symbol,
    asset_id: p.asset_id as string,
    asset_class: p.asset_class as string,
    side,
    qty: p.qty as string,
    order_class: p.order_class as string,
    type,
    order_type: type,
    time_in_force: p.time_in_force as string,
    limit_price: text(prices.limit_price),
    stop_price: kind === 'stop_loss' ? text(prices.stop_price) : null,
    position_intent: `${side}_to_close`,
    status: 'held',
    created_at: p.created_at as string,
    submitted_at: p.submitted_at as string,
  });
}

/** A bracket's take-profit and stop-loss (an OTO's one of them) on the other side; an OCO's stop on its own side. */
function exitsFor(p: WireOrder, b: OrderBody): WireOrder[] {
  const sl = spec(b, 'stop_loss');
  if (p.order_class === 'oco') return sl ? [exitOrder(p, 'stop_loss', sl, p.side as string)] : [];
  const side = p.side === 'buy' ? 'sell' : 'buy';
  const tp = spec(b, 'take_profit');
  return [...(tp ? [exitOrder(p, 'take_profit', tp, side)] : []), ...(sl ? [exitOrder(p, 'stop_loss', sl, side)] : [])];
}

/** A multi-leg order: the parent names no asset and no side (Alpaca's recorded mleg body); its legs do, with type "". */
function mlegOrder(b: OrderBody, coid: string): WireOrder {
  const qty = num(b.qty) ?? 1;
  const order = makeOrder({
    client_order_id: coid,
    symbol: '',
    asset_class: '',
    asset_id: '',
    qty: decimal(qty),
    side: '',
    type: String(b.type),
    order_type: String(b.type),
    order_class: 'mleg',
    time_in_force: String(b.time_in_force),
    limit_price: text(b.limit_price),
    legs: (b.legs as Array<Record<string, unknown>>).map((l) =>
      makeOrder({
        symbol: String(l.symbol),
        side: String(l.side),
        ratio_qty: String(l.ratio_qty ?? '1'),
        position_intent: String(l.position_intent ?? ''),
        asset_class: 'us_option',
        qty: decimal(qty * Number(l.ratio_qty ?? 1)),
        type: '',
        order_type: '',
        time_in_force: String(b.time_in_force),
        order_class: 'mleg',
      }),
    ),
  });
  delete order.position_intent;
  return order;
}

/** The order Alpaca stores for an accepted POST /v2/orders body, exits nested as `legs`. */
export function buildOrder(b: OrderBody, coid: string, quote: Quote): WireOrder {
  if (b.order_class === 'mleg') return mlegOrder(b, coid);
  const symbol = String(b.symbol);
  const side = String(b.side);
  const cls = String(b.order_class ?? 'simple');
  const qty = num(b.qty);
  const notional = num(b.notional);
  const order = makeOrder({
    client_order_id: coid,
    symbol,
    asset_class: OCC_SYMBOL.test(symbol) ? 'us_option' : 'us_equity',
    qty: qty !== null ? decimal(qty) : null,
    notional: notional !== null ? decimal(notional) : null,
    side,
    type: String(b.type),
    order_type: String(b.type),
    order_class: cls,
    time_in_force: String(b.time_in_force),
    // an OCO is its take-profit limit (Alpaca: the limit rides in take_profit.limit_price)
    limit_price: cls === 'oco' ? text(spec(b, 'take_profit')?.limit_price) : text(b.limit_price),
    stop_price: text(b.stop_price),
    extended_hours: b.extended_hours === true,
    position_intent: text(b.position_intent) ?? (side === 'buy' && cls !== 'oco' ? 'buy_to_open' : `${side}_to_close`),
    ...trailFields(b, side, symbol, quote),
  });
  if (ADVANCED.has(cls)) order.legs = exitsFor(order, b);
  return order;
}

/** What PATCH makes of `o`: a new order (its own id, `replaces` = o.id) with the changed fields; a held exit stays held. */
export function replacement(o: WireOrder, b: OrderBody, quote: Quote): WireOrder {
  const at = new Date().toISOString();
  const trail = text(b.trail);
  const byPercent = num(o.trail_percent) !== null;
  const next = makeOrder({
    ...o,
    id: randomUUID(),
    client_order_id: text(b.client_order_id) ?? randomUUID(),
    created_at: at,
    updated_at: at,
    submitted_at: at,
    replaces: o.id,
    status: o.status === 'held' ? 'held' : 'new',
    filled_qty: '0',
    filled_avg_price: null,
    filled_at: null,
    qty: text(b.qty) ?? (o.qty as string),
    limit_price: text(b.limit_price) ?? (o.limit_price as string | null),
    stop_price: text(b.stop_price) ?? (o.stop_price as string | null),
    time_in_force: text(b.time_in_force) ?? (o.time_in_force as string),
  });
  if (next.type === 'trailing_stop' && trail) {
    const changed = { type: 'trailing_stop', [byPercent ? 'trail_percent' : 'trail_price']: trail };
    Object.assign(next, { trail_price: null, trail_percent: null }, trailFields(changed, String(next.side), next.symbol, quote));
  }
  return next;
}
