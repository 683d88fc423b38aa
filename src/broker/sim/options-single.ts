/**
 * Single-leg option orders (an OCC symbol on a simple order): priced from the sim's chain
 * (chain.ts, Black–Scholes with a 2% spread), filled by the contract of 100, position_intent
 * honoured. The sim is a cash account at options level 3, so a sell to open must be covered: a put
 * cash-secured (the strike × 100 held while it is open and while the short lasts), a call against
 * 100 unpromised shares a contract. Types: market, limit, stop and stop-limit (a stop triggers on
 * the contract's mid), day orders only.
 */
import { type OccParts, parseOcc } from '../../orders/order.js';
import { easternDate, isMarketOpen, sessionsBetween } from '../calendar.js';
import type { BrokerOrder, OrderSubmission, Quote } from '../types.js';
import { optionPriceAt } from './chain.js';
import { cents, inList, MINUTE, rejected, SWEEPABLE, type OrderRow, type SimState } from './db.js';
import { fillIfMarketable } from './fills.js';
import { cashCents, positionQty, promisedShares, reservedTotalCents } from './ledger.js';
import { assertNewClientOrderId, insertOrder, newOrderRow, orderRowById, toOrder } from './order-rows.js';
import { carriedOf, type Walked } from './walk.js';

type Intent = 'buy_to_open' | 'buy_to_close' | 'sell_to_open' | 'sell_to_close';

/** What a reservation reads of an option order (a submission, or a replacement of one). */
export interface OptionTicket {
  symbol: string;
  side: 'buy' | 'sell';
  type: string;
  qty: number;
  limit_price: number | null;
  stop_price: number | null;
  intent: Intent;
}

export function submitOption(s: SimState, order: OrderSubmission, symbol: string, now: Date): BrokerOrder {
  const occ = parseOcc(symbol);
  if (!occ) throw rejected(422, `invalid option symbol ${symbol}`);
  if (occ.expiration < easternDate(now)) throw rejected(422, `option contract ${symbol} has expired`);
  const qty = order.qty;
  if (qty === null || !Number.isInteger(qty) || qty <= 0) throw rejected(422, 'an option order takes a whole number of contracts (qty)');
  if (order.type === 'trailing_stop' || order.order_class !== 'simple')
    throw rejected(422, 'an option order is a simple market, limit, stop or stop_limit order');
  if (order.time_in_force !== 'day') throw rejected(422, 'an option order is time_in_force day');
  return s.tx(() => {
    assertNewClientOrderId(s, order.client_order_id);
    const intent = (order.position_intent ?? inferIntent(s, symbol, order.side)) as Intent;
    if (!intent.startsWith(order.side)) throw rejected(422, `position_intent ${intent} contradicts side ${order.side}`);
    const open = isMarketOpen(now);
    const quote = optionPriceAt(s.market, symbol, s.market.effectiveTime(now)).quote;
    const ticket: OptionTicket = { symbol, side: order.side, type: order.type, qty, limit_price: order.limit_price, stop_price: order.stop_price, intent };
    const row = newOrderRow(order, now, open, {
      symbol,
      order_class: 'simple',
      qty,
      notional: null,
      limit_price: order.limit_price,
      stop_price: order.stop_price,
      extended_hours: 0,
      legs: null,
      reserved_cents: reserveOption(s, ticket, occ, quote, open),
      position_intent: intent,
    });
    insertOrder(s, row);
    if (open) fillIfMarketable(s, row, quote, now);
    return toOrder(s, orderRowById(s, row.id)!);
  });
}

/** Without a position_intent, as Alpaca infers it: a buy against a short closes it, a sell against a long closes it. */
function inferIntent(s: SimState, symbol: string, side: 'buy' | 'sell'): Intent {
  const held = positionQty(s, symbol);
  if (side === 'buy') return held < 0 ? 'buy_to_close' : 'buy_to_open';
  return held > 0 ? 'sell_to_close' : 'sell_to_open';
}

/** Contracts of `symbol` open orders with this intent still promise. */
function promisedContracts(s: SimState, symbol: string, intent: Intent): number {
  return (
    s.db
      .prepare(`SELECT COALESCE(SUM(qty - filled_qty), 0) AS n FROM orders WHERE symbol = ? AND position_intent = ? AND status IN (${inList(SWEEPABLE)})`)
      .get(symbol, intent, ...SWEEPABLE) as { n: number }
  ).n;
}

/**
 * Inside the transaction: the cents an option order reserves, or a refusal. A buy reserves its
 * worst cost (the limit, else the ask; 5% more for a stop or a queued market order); closing a short
 * may spend the collateral it releases. A sell to close needs the long contracts not already
 * promised; a sell to open needs its cover (see the file comment).
 */
export function reserveOption(s: SimState, t: OptionTicket, occ: OccParts, quote: Quote, open: boolean): number {
  const held = positionQty(s, t.symbol);
  if (t.intent === 'sell_to_close' || t.intent === 'buy_to_close') {
    const closable = (t.intent === 'sell_to_close' ? held : -held) - promisedContracts(s, t.symbol, t.intent);
    if (t.qty > closable + 1e-9)
      throw rejected(403, `insufficient qty available for order (requested: ${t.qty}, available: ${Math.max(0, closable)})`, {
        requested: t.qty,
        available: Math.max(0, closable),
      });
  }
  if (t.side === 'buy') {
    const worst = t.limit_price ?? (t.stop_price !== null ? Math.max(t.stop_price, quote.askPrice) * 1.05 : open ? quote.askPrice : quote.askPrice * 1.05);
    const reserved = cents(t.qty * worst * 100);
    const releases = t.intent === 'buy_to_close' ? collateralReleased(s, t.symbol, t.qty, held) : 0;
    return assertCash(s, reserved, releases);
  }
  if (t.intent === 'sell_to_close') return 0;
  if (occ.type === 'put') return assertCash(s, cents(occ.strike * 100 * t.qty), 0);
  const free = positionQty(s, occ.underlying) - promisedShares(s, occ.underlying);
  if (free < t.qty * 100 - 1e-9)
    throw rejected(
      403,
      `account not eligible to trade uncovered option contracts: selling ${t.qty} call(s) to open needs ${t.qty * 100} free shares of ${occ.underlying} (free: ${Math.max(0, free)})`,
      {
        reason: 'uncovered',
      },
    );
  return 0;
}

function collateralReleased(s: SimState, symbol: string, qty: number, held: number): number {
  const c = (s.db.prepare('SELECT collateral_cents AS c FROM positions WHERE symbol = ?').get(symbol) as { c: number } | undefined)?.c ?? 0;
  return held < 0 ? Math.round((c * Math.min(qty, -held)) / -held) : 0;
}

function assertCash(s: SimState, reservedCents: number, releasesCents: number): number {
  const available = cashCents(s) - reservedTotalCents(s) + releasesCents;
  if (reservedCents > available) throw rejected(403, 'insufficient options buying power', { required: reservedCents / 100, available: available / 100 });
  return reservedCents;
}

/**
 * An option order walks the session minutes since its last check: a queued market order fills at the
 * open's quote; a stop triggers on the mid and then fills at the quote (a stop-limit becomes its
 * limit); a buy limit fills once the ask is at or under it, a sell once the bid is at or over it.
 */
export function walkOption(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number): Walked {
  let triggered = row.stop_triggered === 1 || row.stop_price === null;
  const buy = row.side === 'buy';
  for (const session of sessionsBetween(new Date(from), new Date(nowMs))) {
    const start = Math.max(session.open.getTime(), Math.ceil(from / MINUTE) * MINUTE);
    const end = Math.min(session.close.getTime(), nowMs, expiresAt - 1);
    for (let t = start; t <= end; t += MINUTE) {
      const p = optionPriceAt(s.market, row.symbol!, t);
      const at = buy ? p.quote.askPrice : p.quote.bidPrice;
      if (!triggered) {
        if (!(buy ? p.mid >= row.stop_price! : p.mid <= row.stop_price!)) continue;
        triggered = true;
      }
      const fills = row.type === 'market' || row.type === 'stop' || (buy ? at <= row.limit_price! : at >= row.limit_price!);
      if (fills) return { fill: { price: at, atMs: t }, state: { ...carriedOf(row), triggered } };
    }
  }
  return { fill: null, state: { ...carriedOf(row), triggered } };
}
