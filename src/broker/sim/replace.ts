/**
 * Replacing an open order, as Alpaca does it (PATCH /v2/orders/{id}): the change becomes a NEW
 * order (a new id, the change's client_order_id, `replaces` = the old id) and the old one ends
 * `replaced` with `replaced_by` = the new id; its reservation moves over, its exits follow the new
 * parent. Open means new, accepted, partially filled or an exit still held; anything else (filled,
 * canceled, expired, already replaced) is refused with Alpaca's 422 / 42210000. The order as it
 * would stand after the change must pass the same combination rules as a new one (orders/rules.ts).
 */
import { randomUUID } from 'node:crypto';
import { ToolError } from '../../errors.js';
import { parseOcc, type OrderLeg } from '../../orders/order.js';
import { checkOrderRules, type RuleFields } from '../../orders/rules.js';
import { currentOrNextSession, isMarketOpen } from '../calendar.js';
import type { BrokerOrder, OrderReplacement } from '../types.js';
import { optionPriceAt } from './chain.js';
import { LIVE, rejected, type OrderRow, type SimState } from './db.js';
import { siblingsOf } from './exits.js';
import { fillIfMarketable, fillMleg } from './fills.js';
import { mlegNet, reserveMleg } from './mleg.js';
import { type OptionTicket, reserveOption } from './options-single.js';
import { reserveEquity } from './orders.js';
import { assertNewClientOrderId, childRows, insertOrder, orderRowById, setStatus, toOrder } from './order-rows.js';
import { stopFor } from './trail.js';
import { trailSpecOf } from './walk.js';

/** Alpaca's code for an order it cannot act on in its current state. */
export const NOT_REPLACEABLE_CODE = 42210000;

export function replaceOrder(s: SimState, id: string, change: OrderReplacement, now: Date): BrokerOrder {
  return s.tx(() => {
    const old = orderRowById(s, id);
    if (!old) throw new ToolError('NOT_FOUND', `order ${id} not found`, { status: 404, broker: 'sim' });
    if (!LIVE.includes(old.status))
      throw rejected(422, `order is already in "${old.status}" state and cannot be replaced`, {
        reason: 'not_replaceable',
        alpacaCode: NOT_REPLACEABLE_CODE,
        orderStatus: old.status,
      });
    assertNewClientOrderId(s, change.client_order_id);
    const next = replacementRow(s, old, change, now);
    const iso = now.toISOString();
    setStatus(s, old.id, 'replaced', iso);
    s.db.prepare('UPDATE orders SET replaced_by = ? WHERE id = ?').run(next.id, old.id);
    next.reserved_cents = reserve(s, next, now);
    insertOrder(s, next);
    // the exits follow their new parent, and its time in force
    s.db
      .prepare('UPDATE orders SET parent_id = ?, time_in_force = ?, expires_at = ? WHERE parent_id = ?')
      .run(next.id, next.time_in_force, next.expires_at, old.id);
    if (next.status === 'new') fillNowIfMarketable(s, next, now);
    return toOrder(s, orderRowById(s, next.id)!);
  });
}

const invalid = (message: string) => rejected(422, message, { reason: 'invalid' });

/** The new order: the old one with the change applied, checked field by field and against the order rules. */
function replacementRow(s: SimState, old: OrderRow, change: OrderReplacement, now: Date): OrderRow {
  assertChangeFits(old, change);
  const tif = change.time_in_force ?? old.time_in_force;
  const trail = change.trail ?? null;
  const next: OrderRow = {
    ...old,
    seq: 0,
    id: randomUUID(),
    client_order_id: change.client_order_id,
    qty: change.qty ?? old.qty,
    limit_price: change.limit_price ?? old.limit_price,
    stop_price: change.stop_price ?? old.stop_price,
    time_in_force: tif,
    trail_price: trail !== null && old.trail_price !== null ? trail : old.trail_price,
    trail_percent: trail !== null && old.trail_percent !== null ? trail : old.trail_percent,
    status: old.status === 'held' ? 'held' : isMarketOpen(now) ? 'new' : 'accepted',
    created_at: now.toISOString(),
    submitted_at: now.toISOString(),
    updated_at: now.toISOString(),
    checked_until: now.getTime(),
    expires_at: tif === old.time_in_force ? old.expires_at : tif === 'day' ? currentOrNextSession(now).close.getTime() : null,
    replaces: old.id,
    replaced_by: null,
    reserved_cents: 0,
  };
  if (old.type === 'trailing_stop' && trail !== null) next.stop_price = stopFor(trailSpecOf(next), next.hwm!);
  const issues: string[] = [];
  checkOrderRules(ruleFieldsOf(s, next), (message) => issues.push(message));
  if (issues.length) throw invalid(`the order as replaced breaks the order rules: ${issues.join('; ')}`);
  return next;
}

/** The change must name fields the order has, in plausible values; an exit's qty and time in force follow its entry. */
function assertChangeFits(old: OrderRow, change: OrderReplacement): void {
  const positive = (v: number | undefined) => v === undefined || (Number.isFinite(v) && v > 0);
  if (!positive(change.qty) || !positive(change.stop_price) || !positive(change.trail)) throw invalid('qty, stop_price and trail must be positive numbers');
  if (
    change.limit_price !== undefined &&
    !(Number.isFinite(change.limit_price) && (old.order_class === 'mleg' ? change.limit_price !== 0 : change.limit_price > 0))
  )
    throw invalid('limit_price must be a positive number (non-zero for a multi-leg order)');
  if (change.limit_price !== undefined && !(old.type === 'limit' || old.type === 'stop_limit'))
    throw invalid(`a ${old.type} order has no limit_price to replace`);
  if (change.stop_price !== undefined && !(old.type === 'stop' || old.type === 'stop_limit'))
    throw invalid(`a ${old.type} order has no stop_price to replace${old.type === 'trailing_stop' ? ' (give its trail)' : ''}`);
  if (change.trail !== undefined && old.type !== 'trailing_stop') throw invalid(`a ${old.type} order has no trail to replace`);
  if (change.trail !== undefined && old.trail_percent !== null && change.trail >= 100) throw invalid('trail is a percentage below 100 for this order');
  if (change.qty !== undefined && change.qty < old.filled_qty) throw invalid(`qty ${change.qty} is below the ${old.filled_qty} already filled`);
  if (change.qty !== undefined && old.notional !== null) throw invalid('a notional order cannot be replaced with a qty');
  if (change.time_in_force === 'opg' || change.time_in_force === 'cls')
    throw invalid(`time_in_force ${change.time_in_force} is not supported by the sim broker`);
  if (old.exit_role !== null && change.qty !== undefined)
    throw invalid("an exit's qty follows its entry (or the position an oco exits); replace its limit_price or stop_price");
  if (old.parent_id !== null && change.time_in_force !== undefined) throw invalid("an exit's time_in_force follows its parent order; replace the parent's");
}

/**
 * The replacement as the order rules see it: an entry with its exits as they stand, an exit as the
 * OCO pair it forms with its sibling (so the take-profit stays beyond the stop-loss), a lone exit as
 * a simple order.
 */
function ruleFieldsOf(s: SimState, r: OrderRow): RuleFields {
  const base: RuleFields = {
    symbol: r.symbol ?? undefined,
    side: r.side!,
    qty: r.notional !== null ? undefined : (r.qty ?? undefined),
    notional: r.notional ?? undefined,
    type: r.type as RuleFields['type'],
    time_in_force: r.time_in_force as RuleFields['time_in_force'],
    limit_price: r.limit_price ?? undefined,
    stop_price: r.stop_price ?? undefined,
    trail_price: r.trail_price ?? undefined,
    trail_percent: r.trail_percent ?? undefined,
    extended_hours: r.extended_hours === 1,
    order_class: r.order_class as RuleFields['order_class'],
    position_intent: r.position_intent ?? undefined,
    legs: r.legs ? (JSON.parse(r.legs) as OrderLeg[]) : undefined,
  };
  if (r.type === 'trailing_stop') base.stop_price = undefined;
  if (r.exit_role === null) {
    if (r.order_class === 'bracket' || r.order_class === 'oto') return { ...base, ...exitsAsRequested(childRows(s, r.replaces!)) };
    return base;
  }
  const live = (x: OrderRow) => LIVE.includes(x.status);
  const others = r.parent_id === null ? childRows(s, r.replaces!).filter(live) : siblingsOf(s, r).filter((x) => x.id !== r.replaces);
  const pair = [r, ...others];
  if (pair.length === 1) return { ...base, order_class: 'simple' };
  const { take_profit, stop_loss } = exitsAsRequested(pair);
  return { ...base, order_class: 'oco', type: 'limit', limit_price: undefined, stop_price: undefined, take_profit, stop_loss };
}

function exitsAsRequested(exits: OrderRow[]): Pick<RuleFields, 'take_profit' | 'stop_loss'> {
  const tp = exits.find((e) => e.exit_role === 'take_profit');
  const sl = exits.find((e) => e.exit_role === 'stop_loss');
  return {
    take_profit: tp ? { limit_price: tp.limit_price! } : undefined,
    stop_loss: sl ? { stop_price: sl.stop_price!, limit_price: sl.type === 'stop_limit' ? (sl.limit_price ?? undefined) : undefined } : undefined,
  };
}

/** The new order's reservation, the old one's already released: an exit reserves nothing, the rest as at submission. */
function reserve(s: SimState, r: OrderRow, now: Date): number {
  if (r.exit_role !== null) return 0;
  const at = s.market.effectiveTime(now);
  const left = r.qty! - r.filled_qty;
  if (r.order_class === 'mleg') return reserveMleg(s, JSON.parse(r.legs!) as OrderLeg[], left, r.limit_price, at);
  const open = isMarketOpen(now);
  const occ = parseOcc(r.symbol!);
  if (occ) {
    const ticket: OptionTicket = { ...r, symbol: r.symbol!, side: r.side!, qty: left, intent: r.position_intent as OptionTicket['intent'] };
    return reserveOption(s, ticket, occ, optionPriceAt(s.market, r.symbol!, at).quote, open);
  }
  const quote = s.market.quote(r.symbol!, now);
  return reserveEquity(s, { ...r, side: r.side!, type: r.type as 'limit' }, r.symbol!, left, r.side === 'buy' ? quote.askPrice : quote.bidPrice, open);
}

/** A replacement the market already meets fills at once, like a new order would (a take-profit moved to the market closes the position). */
function fillNowIfMarketable(s: SimState, r: OrderRow, now: Date): void {
  const at = s.market.effectiveTime(now);
  if (r.order_class === 'mleg') {
    if (r.type === 'market' || mlegNet(s, JSON.parse(r.legs!) as OrderLeg[], at) <= r.limit_price! + 1e-9) fillMleg(s, r, at);
    return;
  }
  const quote = parseOcc(r.symbol!) ? optionPriceAt(s.market, r.symbol!, at).quote : s.market.quote(r.symbol!, now);
  fillIfMarketable(s, r, quote, now);
}
