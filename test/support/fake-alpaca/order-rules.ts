/**
 * How the loopback Alpaca refuses a POST /v2/orders body, as Alpaca does: 422 with Alpaca's
 * `{code, message}` for a malformed or unprocessable order, 403 {code: 40310000, "insufficient
 * buying power"} for one the account cannot pay for. Sources of each rule are named beside it;
 * where Alpaca's exact wording is not on record the message says the rule plainly.
 */
import { unprocessable, errorBody } from './bodies.js';
import type { Outcome } from './market-data.js';

export const OCC_SYMBOL = /^[A-Z]{1,6}\d{6}[CP]\d{8}$/;
const TYPES = new Set(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']);
const TIFS = new Set(['day', 'gtc', 'opg', 'cls', 'ioc', 'fok']);
const CLASSES = new Set(['', 'simple', 'bracket', 'oco', 'oto', 'mleg']);
const TICK = 0.01;
const EPS = 1e-9;

/** What the rules read besides the body: the quote an entry is priced against, and the account's buying power. */
export interface RuleContext {
  quote(symbol: string): { bp: number; ap: number };
  /** An option's ask, or null when it has no market data. */
  optionAsk(symbol: string): number | null;
  account: Record<string, unknown>;
}

export type OrderBody = Record<string, unknown>;

/** A decimal field as a number: null when absent, NaN when it is not a number. */
export const num = (v: unknown): number | null =>
  v === undefined || v === null || v === '' ? null : typeof v === 'number' || typeof v === 'string' ? Number(v) : Number.NaN;
const exit = (b: OrderBody, key: 'take_profit' | 'stop_loss'): Record<string, unknown> | null =>
  b[key] && typeof b[key] === 'object' ? (b[key] as Record<string, unknown>) : null;

/** The first refusal Alpaca would give, or null when it accepts the order. */
export function refuseOrder(b: OrderBody, ctx: RuleContext): Outcome | null {
  return shapeRefusal(b) ?? typeRefusal(b) ?? advancedRefusal(b, ctx) ?? buyingPowerRefusal(b, ctx);
}

function shapeRefusal(b: OrderBody): Outcome | null {
  if (typeof b.type !== 'string' || !TYPES.has(b.type)) return unprocessable('invalid order type', 40010000);
  if (typeof b.time_in_force !== 'string' || !TIFS.has(b.time_in_force)) return unprocessable('invalid time_in_force', 40010000);
  const cls = b.order_class ?? 'simple';
  if (typeof cls !== 'string' || !CLASSES.has(cls)) return unprocessable(`invalid order_class: ${String(cls)}`);
  if (cls === 'mleg') {
    // Alpaca's Order: legs "Required if order class is mleg"; 2–4 legs (alpaca-py's mleg validation)
    if (!Array.isArray(b.legs) || b.legs.length < 2 || b.legs.length > 4) return unprocessable('mleg orders need 2 to 4 legs');
    if (b.qty === undefined) return unprocessable('qty is required for mleg orders');
  } else {
    if (typeof b.symbol !== 'string' || !b.symbol) return unprocessable('symbol is required', 40010000);
    if (b.side !== 'buy' && b.side !== 'sell') return unprocessable('side must be buy or sell');
  }
  const qty = num(b.qty);
  const notional = num(b.notional);
  if (qty !== null && notional !== null) return unprocessable('only one of qty or notional may be set');
  if (qty === null && notional === null) return unprocessable('qty or notional is required');
  if ((qty !== null && !(qty > 0)) || (notional !== null && !(notional > 0))) return unprocessable('qty must be > 0');
  return null;
}

/** Each type's prices (Alpaca's PostOrderRequest: limit_price "required if type is limit or stop_limit", stop_price for stop/stop_limit, one trail for trailing_stop). */
function typeRefusal(b: OrderBody): Outcome | null {
  const oco = b.order_class === 'oco';
  if ((b.type === 'limit' || b.type === 'stop_limit') && !oco && num(b.limit_price) === null)
    return unprocessable(`limit_price is required for ${b.type} orders`);
  if ((b.type === 'stop' || b.type === 'stop_limit') && num(b.stop_price) === null) return unprocessable(`stop_price is required for ${b.type} orders`);
  const trails = [num(b.trail_price), num(b.trail_percent)].filter((t) => t !== null).length;
  if (b.type === 'trailing_stop') {
    if (trails === 0) return unprocessable('trail_price or trail_percent is required for trailing_stop orders');
    if (trails === 2) return unprocessable('only one of trail_price or trail_percent may be set');
  } else if (trails > 0) return unprocessable('trail_price and trail_percent are only for trailing_stop orders');
  for (const key of ['limit_price', 'stop_price', 'trail_price', 'trail_percent']) {
    const v = num(b[key]);
    if (v !== null && !Number.isFinite(v)) return unprocessable(`${key} is not a number`, 40010000);
  }
  return null;
}

/** The price the exits are checked against: the entry's limit, else the ask for a buy and the bid for a sell (Alpaca's forum: base_price is the expected fill). */
export function basePrice(b: OrderBody, ctx: RuleContext): number {
  const limit = num(b.limit_price);
  if (limit !== null) return limit;
  const q = ctx.quote(String(b.symbol));
  return b.side === 'sell' ? q.bp : q.ap;
}

/** Bracket / OCO / OTO: the exits they need, and (bracket, OTO) each a cent beyond the base price on its own side. */
function advancedRefusal(b: OrderBody, ctx: RuleContext): Outcome | null {
  const cls = b.order_class;
  if (cls !== 'bracket' && cls !== 'oco' && cls !== 'oto') return null;
  const tp = num(exit(b, 'take_profit')?.limit_price);
  const sl = num(exit(b, 'stop_loss')?.stop_price);
  // ccxt's table of Alpaca's errors: {"code":40010001,"message":"oco orders must be limit orders"}
  if (cls === 'oco' && b.type !== 'limit') return unprocessable('oco orders must be limit orders');
  if (cls !== 'oto' && (tp === null || sl === null)) return unprocessable(`${cls} orders require take_profit.limit_price and stop_loss.stop_price`);
  if (cls === 'oto' && (tp === null) === (sl === null)) return unprocessable('oto orders require one of take_profit or stop_loss');
  if (cls === 'oco')
    return tp !== null && sl !== null && !(b.side === 'sell' ? tp > sl : tp < sl)
      ? unprocessable('take_profit.limit_price must be beyond stop_loss.stop_price')
      : null;
  const base = basePrice(b, ctx);
  const up = b.side === 'buy';
  // Alpaca's 422 {"base_price":"29.805","code":42210000,"message":"take_profit.limit_price must be >= base_price + 0.01"}
  const refuse = (message: string) => unprocessable(message, 42210000, { base_price: String(base) });
  if (tp !== null && (up ? tp < base + TICK - EPS : tp > base - TICK + EPS))
    return refuse(`take_profit.limit_price must be ${up ? '>= base_price + 0.01' : '<= base_price - 0.01'}`);
  if (sl !== null && (up ? sl > base - TICK + EPS : sl < base + TICK - EPS))
    return refuse(`stop_loss.stop_price must be ${up ? '<= base_price - 0.01' : '>= base_price + 0.01'}`);
  return null;
}

/** What a buy costs against its buying power: options (single-leg or a multi-leg debit) against options_buying_power, ×100 a contract. */
export function orderCost(b: OrderBody, ctx: RuleContext): { cost: number; power: 'buying_power' | 'options_buying_power' } | null {
  const qty = num(b.qty) ?? 0;
  if (b.order_class === 'mleg') {
    const net = num(b.limit_price);
    // a credit (negative) or market spread needs margin the fake does not model
    return net !== null && net > 0 ? { cost: qty * net * 100, power: 'options_buying_power' } : null;
  }
  if (b.side !== 'buy') return null;
  const symbol = String(b.symbol);
  if (OCC_SYMBOL.test(symbol)) return { cost: qty * (num(b.limit_price) ?? ctx.optionAsk(symbol) ?? 1) * 100, power: 'options_buying_power' };
  const notional = num(b.notional);
  if (notional !== null) return { cost: notional, power: 'buying_power' };
  return { cost: qty * (num(b.limit_price) ?? num(b.stop_price) ?? ctx.quote(symbol).ap), power: 'buying_power' };
}

/** Alpaca's 403 {"code":40310000,"message":"insufficient buying power"} when the order costs more than the account can pay. */
export function buyingPowerRefusal(b: OrderBody, ctx: RuleContext): Outcome | null {
  const need = orderCost(b, ctx);
  if (!need) return null;
  const power = Number(ctx.account[need.power] ?? ctx.account.buying_power);
  return need.cost > power + EPS ? { status: 403, body: errorBody(403, 'insufficient buying power', 40310000) } : null;
}
