/**
 * The combination rules of an order (SPEC §4, §12), as Alpaca's order API states them
 * (docs.alpaca.markets "Orders at Alpaca": order types, time in force, bracket/OCO/OTO, trailing
 * stops, fractional trading, options trading). Each rule is one line naming itself; a broken rule
 * is an INVALID_INPUT issue on the field it concerns, never a coercion.
 */
import { OCC_SYMBOL } from './symbols.js';

/** The parsed fields the rules read (the schema's output before normalisation). */
export interface RuleFields {
  symbol?: string | undefined;
  side: 'buy' | 'sell';
  qty?: number | undefined;
  notional?: number | undefined;
  type: 'market' | 'limit' | 'stop' | 'stop_limit' | 'trailing_stop';
  time_in_force: 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
  limit_price?: number | undefined;
  stop_price?: number | undefined;
  trail_price?: number | undefined;
  trail_percent?: number | undefined;
  extended_hours: boolean;
  order_class: 'simple' | 'bracket' | 'oco' | 'oto' | 'mleg';
  take_profit?: { limit_price: number } | undefined;
  stop_loss?: { stop_price: number; limit_price?: number | undefined } | undefined;
  position_intent?: string | undefined;
  legs?: unknown[] | undefined;
}

export type Issue = (message: string, path: (string | number)[]) => void;

/** Alpaca's smallest price step between an entry and its exits ("base_price + 0.01"). */
const TICK = 0.01;

export function checkOrderRules(o: RuleFields, issue: Issue): void {
  sizeRules(o, issue);
  typeRules(o, issue);
  if (o.order_class === 'mleg') multiLegRules(o, issue);
  else {
    if (o.legs) issue('legs need order_class mleg', ['legs']);
    if (o.symbol === undefined) issue('symbol is required', ['symbol']);
    if (o.limit_price !== undefined && o.limit_price < 0) issue('limit_price must be positive', ['limit_price']);
    if (o.notional !== undefined && o.type !== 'market') issue('notional orders must be market orders', ['notional']);
  }
  if (o.symbol !== undefined && OCC_SYMBOL.test(o.symbol)) singleOptionRules(o, issue);
  else if (o.position_intent !== undefined) issue('position_intent on a simple order is for an option (OCC symbol) only', ['position_intent']);
  if (o.order_class === 'bracket' || o.order_class === 'oco' || o.order_class === 'oto') advancedRules(o, issue);
  else {
    if (o.take_profit) issue('take_profit needs order_class bracket, oco or oto', ['take_profit']);
    if (o.stop_loss) issue('stop_loss needs order_class bracket, oco or oto', ['stop_loss']);
  }
}

function sizeRules(o: RuleFields, issue: Issue): void {
  if (o.qty !== undefined && o.notional !== undefined) issue('give qty or notional, never both', ['notional']);
  if (o.qty === undefined && o.notional === undefined) issue('give qty or notional', ['qty']);
}

function typeRules(o: RuleFields, issue: Issue): void {
  const { type } = o;
  if ((type === 'limit' || type === 'stop_limit') && o.limit_price === undefined && o.order_class !== 'oco')
    issue(`a ${type} order needs limit_price`, ['limit_price']);
  if ((type === 'stop' || type === 'stop_limit') && o.stop_price === undefined) issue(`a ${type} order needs stop_price`, ['stop_price']);
  if ((type === 'market' || type === 'trailing_stop') && o.limit_price !== undefined) issue(`a ${type} order takes no limit_price`, ['limit_price']);
  if (type === 'stop' && o.limit_price !== undefined) issue('a stop order takes no limit_price (a stop with a limit is type stop_limit)', ['limit_price']);
  if ((type === 'market' || type === 'limit' || type === 'trailing_stop') && o.stop_price !== undefined)
    issue(`a ${type} order takes no stop_price`, ['stop_price']);
  if (type === 'trailing_stop') {
    if ((o.trail_price === undefined) === (o.trail_percent === undefined))
      issue('a trailing_stop order needs exactly one of trail_price or trail_percent', ['trail_price']);
    if (o.time_in_force !== 'day' && o.time_in_force !== 'gtc') issue('a trailing_stop order is time_in_force day or gtc', ['time_in_force']);
    if (o.notional !== undefined) issue('a trailing_stop order takes qty, not notional', ['notional']);
    if (o.qty !== undefined && !Number.isInteger(o.qty)) issue('a trailing_stop order is for whole shares (qty a whole number)', ['qty']);
  } else {
    if (o.trail_price !== undefined) issue('trail_price needs type trailing_stop', ['trail_price']);
    if (o.trail_percent !== undefined) issue('trail_percent needs type trailing_stop', ['trail_percent']);
  }
  if (o.extended_hours && !(type === 'limit' && o.time_in_force === 'day' && o.order_class === 'simple'))
    issue('extended_hours needs a simple limit order with time_in_force day', ['extended_hours']);
}

function multiLegRules(o: RuleFields, issue: Issue): void {
  if (!o.legs) issue('order_class mleg needs legs', ['legs']);
  if (o.symbol !== undefined) issue('a multi-leg order names its symbols in legs, not in symbol', ['symbol']);
  if (o.notional !== undefined) issue('a multi-leg order takes qty (number of spreads), not notional', ['notional']);
  if (o.qty !== undefined && !Number.isInteger(o.qty)) issue('qty of a multi-leg order must be a whole number', ['qty']);
  if (o.type !== 'market' && o.type !== 'limit') issue('a multi-leg order is market or limit', ['type']);
  if (o.position_intent !== undefined) issue('a multi-leg order gives position_intent per leg', ['position_intent']);
}

/** Alpaca's options trading: whole contracts, day orders, no notional, no extended hours, no trailing stops, simple class. */
function singleOptionRules(o: RuleFields, issue: Issue): void {
  if (o.notional !== undefined) issue('an option order takes qty (contracts), not notional', ['notional']);
  if (o.qty !== undefined && !Number.isInteger(o.qty)) issue('qty of an option order must be a whole number of contracts', ['qty']);
  if (o.time_in_force !== 'day') issue('an option order is time_in_force day', ['time_in_force']);
  if (o.type === 'trailing_stop') issue('an option order cannot be a trailing_stop', ['type']);
  if (o.extended_hours) issue('an option order cannot trade in extended hours', ['extended_hours']);
  if (o.order_class !== 'simple') issue('an option order is order_class simple (or mleg with legs)', ['order_class']);
  if (o.position_intent !== undefined && !o.position_intent.startsWith(o.side))
    issue(`position_intent ${o.position_intent} contradicts side ${o.side}`, ['position_intent']);
}

/** Bracket, OCO and OTO: whole shares, day/gtc, exits on the right side of the entry. */
function advancedRules(o: RuleFields, issue: Issue): void {
  const cls = o.order_class;
  if (o.notional !== undefined) issue(`a ${cls} order takes qty, not notional`, ['notional']);
  if (o.qty !== undefined && !Number.isInteger(o.qty)) issue(`a ${cls} order is for whole shares (qty a whole number)`, ['qty']);
  if (o.time_in_force !== 'day' && o.time_in_force !== 'gtc') issue(`a ${cls} order is time_in_force day or gtc`, ['time_in_force']);
  if (cls === 'oco') {
    if (o.type !== 'limit') issue('an oco order is type limit (its take_profit carries the limit price)', ['type']);
    if (o.limit_price !== undefined) issue('an oco order takes its limit in take_profit.limit_price, not limit_price', ['limit_price']);
  } else if (o.type !== 'market' && o.type !== 'limit') issue(`the entry of a ${cls} order is market or limit`, ['type']);
  if (cls === 'oto') {
    if (Boolean(o.take_profit) === Boolean(o.stop_loss)) issue('an oto order takes exactly one of take_profit or stop_loss', ['take_profit']);
  } else {
    if (!o.take_profit) issue(`a ${cls} order needs take_profit`, ['take_profit']);
    if (!o.stop_loss) issue(`a ${cls} order needs stop_loss`, ['stop_loss']);
  }
  exitSides(o, issue);
}

/**
 * A buy's take-profit is above its stop-loss (a sell's below); against a limit entry, at least a
 * cent beyond it (Alpaca: take_profit.limit_price >= base_price + 0.01, stop_loss.stop_price <=
 * base_price - 0.01 for a buy). For OCO (an exit of a position) the side is the exit's: a sell
 * OCO takes profit above and stops below, like a long's exits.
 */
function exitSides(o: RuleFields, issue: Issue): void {
  const tp = o.take_profit?.limit_price;
  const sl = o.stop_loss?.stop_price;
  // the side whose exits sit "profit above, stop below": a buy entry, or a sell OCO (exiting a long)
  const up = o.order_class === 'oco' ? o.side === 'sell' : o.side === 'buy';
  if (tp !== undefined && sl !== undefined && (up ? !(tp > sl) : !(tp < sl)))
    issue(`take_profit.limit_price must be ${up ? 'above' : 'below'} stop_loss.stop_price for a ${o.side} ${o.order_class} order`, [
      'take_profit',
      'limit_price',
    ]);
  const base = o.order_class === 'oco' ? undefined : o.limit_price;
  if (base === undefined) return;
  const sign = up ? 1 : -1;
  if (tp !== undefined && sign * (tp - base) < TICK - 1e-9)
    issue(`take_profit.limit_price must be at least $0.01 ${up ? 'above' : 'below'} the entry limit_price ${base}`, ['take_profit', 'limit_price']);
  if (sl !== undefined && sign * (base - sl) < TICK - 1e-9)
    issue(`stop_loss.stop_price must be at least $0.01 ${up ? 'below' : 'above'} the entry limit_price ${base}`, ['stop_loss', 'stop_price']);
}
