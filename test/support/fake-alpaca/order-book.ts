/**
 * The loopback Alpaca's orders: POST (checked by order-rules.ts, built by order-build.ts), PATCH
 * (replace: a new order with `replaces`, the old one `replaced` with `replaced_by`), DELETE, the
 * lookups, and fills on demand.
 *
 * The exits of a bracket / OCO / OTO are orders of their own (GET, PATCH and DELETE by their id);
 * listings show them under the parent with `nested=true` and as orders of their own without it
 * (the parent's `legs` then null). Cancelling one exit cancels its siblings (and an OCO's
 * parent), cancelling the parent cancels its exits. An exit fills only after its entry.
 */
import { randomUUID } from 'node:crypto';
import { decimal, errorBody, makeOrder, unprocessable } from './bodies.js';
import type { Outcome } from './market-data.js';
import { ADVANCED, buildOrder, replacement } from './order-build.js';
import { buyingPowerRefusal, num, OCC_SYMBOL, refuseOrder, type OrderBody, type RuleContext } from './order-rules.js';
import type { FillOptions, WireOrder } from './types.js';

const CLOSED = new Set(['filled', 'canceled', 'expired', 'replaced', 'rejected', 'done_for_day', 'stopped']);
const DONE = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced']);
/** Alpaca's PATCH reference: no replace while accepted, pending_new, pending_cancel or pending_replace, nor once done. */
const NOT_REPLACEABLE = new Set([...DONE, 'accepted', 'pending_new', 'pending_cancel', 'pending_replace']);

export interface OrderBookDeps extends RuleContext {
  optionQuote(symbol: string): { bp: number; ap: number } | null;
  /** The status accepted orders get ('filled' fills them at once). */
  nextStatus(): string;
  /** Each execution of a single-symbol order (the FILL activity log listens). */
  onFill?(o: WireOrder, qty: number, price: number, cumQty: number, leavesQty: number): void;
}

const obj = (raw: unknown): OrderBody => (raw && typeof raw === 'object' ? (raw as OrderBody) : {});
const legsOf = (o: WireOrder): WireOrder[] => (Array.isArray(o.legs) ? (o.legs as WireOrder[]) : []);
const exitsOf = (o: WireOrder): WireOrder[] => (ADVANCED.has(String(o.order_class)) ? legsOf(o) : []);
const isOpen = (o: WireOrder) => !DONE.has(o.status);
const notFound = (): Outcome => ({ status: 404, body: errorBody(404, 'order not found') });

function cancelOne(o: WireOrder): void {
  o.status = 'canceled';
  o.canceled_at = new Date().toISOString();
  o.updated_at = o.canceled_at;
}

export class OrderBook {
  /** Every order by id, exits included. */
  readonly orders = new Map<string, WireOrder>();
  /** What POST /v2/orders accepted, in arrival order. */
  readonly submitted: WireOrder[] = [];
  private readonly parentOf = new Map<string, string>();
  /** Legs of multi-leg orders: served by id (as Alpaca does), never listed on their own. */
  private readonly mlegLegs = new Set<string>();

  constructor(private readonly deps: OrderBookDeps) {}

  private parent(o: WireOrder): WireOrder | undefined {
    return this.orders.get(this.parentOf.get(o.id) ?? '');
  }

  private coidTaken(coid: string): boolean {
    return [...this.orders.values()].some((o) => o.client_order_id === coid);
  }

  private register(o: WireOrder): void {
    this.orders.set(o.id, o);
    if (o.order_class === 'mleg') {
      for (const leg of legsOf(o)) {
        this.orders.set(leg.id, leg);
        this.mlegLegs.add(leg.id);
      }
    }
    for (const leg of exitsOf(o)) {
      this.orders.set(leg.id, leg);
      this.parentOf.set(leg.id, o.id);
    }
  }

  /** An order as a lookup shows it: exits under the parent only when nested. */
  private view(o: WireOrder, nested: boolean): WireOrder {
    return nested || !exitsOf(o).length ? o : { ...o, legs: null };
  }

  /** What cancelling or filling `o` ends: the exits of a parent, or the siblings of an exit (and an OCO's parent). */
  private endGroupOf(o: WireOrder): void {
    const p = this.parent(o);
    if (p?.order_class === 'oco' && isOpen(p)) cancelOne(p);
    for (const leg of p ? legsOf(p).filter((l) => l.id !== o.id) : exitsOf(o)) if (isOpen(leg)) cancelOne(leg);
  }

  submit(raw: unknown): Outcome {
    const b = obj(raw);
    const coid = typeof b.client_order_id === 'string' && b.client_order_id ? b.client_order_id : randomUUID();
    if (this.coidTaken(coid)) return unprocessable('client_order_id must be unique');
    const refusal = refuseOrder(b, this.deps);
    if (refusal) return refusal;
    const order = buildOrder(b, coid, this.deps.quote);
    this.register(order);
    this.submitted.push(order);
    const status = this.deps.nextStatus();
    if (status === 'filled') this.fill(order.id);
    else if (status !== 'new') for (const o of [order, ...(order.order_class === 'mleg' ? legsOf(order) : [])]) o.status = status;
    return { status: 200, body: order };
  }

  /** The price a fill takes by default: a limit's limit, a stop's stop, else the quote's ask (buy) or bid (sell). */
  private defaultFillPrice(o: WireOrder): number {
    const limit = num(o.limit_price);
    const stop = num(o.stop_price);
    if (o.order_class === 'mleg') return limit ?? 1;
    if (limit !== null && o.type !== 'stop') return limit;
    if (stop !== null) return stop;
    const q = OCC_SYMBOL.test(o.symbol) ? this.deps.optionQuote(o.symbol) : this.deps.quote(o.symbol);
    return q ? (o.side === 'sell' ? q.bp : q.ap) : 1;
  }

  /** A fill: the order's quantities and status; a filled entry releases its exits, a filled exit ends its group. */
  fill(id: string, opts: FillOptions = {}): WireOrder {
    const o = this.orders.get(id);
    if (!o) throw new Error(`fake Alpaca has no order ${id}`);
    if (DONE.has(o.status)) throw new Error(`order ${id} is ${o.status}; it cannot fill`);
    const p = this.parent(o);
    if (p && p.order_class !== 'oco' && p.status !== 'filled') throw new Error(`order ${id} is an exit held until its entry ${p.id} fills`);
    const price = opts.price ?? this.defaultFillPrice(o);
    const total = num(o.qty) ?? (num(o.notional) ?? 0) / price;
    const before = num(o.filled_qty) ?? 0;
    const qty = Math.min(opts.qty ?? total - before, total - before);
    const filled = before + qty;
    o.filled_avg_price = decimal(((num(o.filled_avg_price) ?? 0) * before + price * qty) / filled);
    o.filled_qty = decimal(filled);
    o.updated_at = new Date().toISOString();
    if (o.order_class !== 'mleg') this.deps.onFill?.(o, qty, price, filled, Math.max(0, total - filled));
    // Alpaca posts a FILL per leg, under the leg's own order id (the activity names no parent)
    else for (const leg of legsOf(o)) this.fillLeg(leg, qty * (num(leg.ratio_qty) ?? 1), opts.legPrices?.[String(leg.symbol)] ?? 1);
    if (filled < total - 1e-9) {
      o.status = 'partially_filled';
      return o;
    }
    o.status = 'filled';
    o.filled_at = o.updated_at;
    if (o.order_class === 'mleg') for (const leg of legsOf(o)) Object.assign(leg, { status: 'filled', filled_qty: leg.qty, filled_at: o.filled_at });
    else if (p || o.order_class === 'oco') this.endGroupOf(o);
    // the entry filled: the take-profit goes live; Alpaca holds the stop until it triggers
    else for (const leg of exitsOf(o)) if (leg.type === 'limit') leg.status = 'new';
    return o;
  }

  private fillLeg(leg: WireOrder, qty: number, price: number): void {
    const before = num(leg.filled_qty) ?? 0;
    const total = num(leg.qty) ?? qty;
    const filled = before + qty;
    leg.filled_avg_price = decimal(((num(leg.filled_avg_price) ?? 0) * before + price * qty) / filled);
    this.deps.onFill?.({ ...leg, filled_qty: decimal(filled) }, qty, price, filled, Math.max(0, total - filled));
  }

  cancel(id: string): Outcome {
    const o = this.orders.get(id);
    if (!o) return notFound();
    if (DONE.has(o.status)) return unprocessable(`order is already in "${o.status}" state`, 42210000);
    cancelOne(o);
    this.endGroupOf(o);
    return { status: 204 };
  }

  /** PATCH's own checks: the order's state and kind (42210000), and each field against the order's type (Alpaca: "limit orders must not have stop_price"). */
  private replaceRefusal(o: WireOrder, b: OrderBody): Outcome | null {
    if (NOT_REPLACEABLE.has(o.status)) return unprocessable(`order is not replaceable in "${o.status}" state`, 42210000);
    if (o.order_class === 'mleg' && b.qty !== undefined) return unprocessable('qty of a mleg order cannot be replaced', 42210000);
    if (num(o.notional) !== null) return unprocessable('notional orders cannot be replaced; cancel and submit a new one', 42210000);
    const type = String(o.type);
    if (b.limit_price !== undefined && type !== 'limit' && type !== 'stop_limit') return unprocessable(`${type} orders must not have limit_price`);
    if (b.stop_price !== undefined && type !== 'stop' && type !== 'stop_limit') return unprocessable(`${type} orders must not have stop_price`);
    if (b.trail !== undefined && type !== 'trailing_stop') return unprocessable(`${type} orders must not have trail`);
    const qty = num(b.qty);
    if (qty !== null && !(Number.isInteger(qty) && qty > 0)) return unprocessable('qty must be a whole number of shares above 0');
    if (typeof b.client_order_id === 'string' && this.coidTaken(b.client_order_id)) return unprocessable('client_order_id must be unique');
    return null;
  }

  replace(id: string, raw: unknown): Outcome {
    const o = this.orders.get(id);
    if (!o) return notFound();
    const b = obj(raw);
    const refusal = this.replaceRefusal(o, b);
    if (refusal) return refusal;
    const next = replacement(o, b, this.deps.quote);
    // priced as a fresh order of its own (the fake does not net the old order's reservation)
    const poor = buyingPowerRefusal({ ...next, order_class: next.order_class === 'mleg' ? 'mleg' : 'simple' }, this.deps);
    if (poor) return poor;
    const p = this.parent(o);
    if (p) {
      // an exit replaced in place: the parent now carries the replacement
      p.legs = legsOf(p).map((l) => (l.id === o.id ? next : l));
      this.parentOf.set(next.id, p.id);
    } else {
      for (const leg of exitsOf(next)) this.parentOf.set(leg.id, next.id);
      if (exitsOf(o).length) o.legs = null;
    }
    Object.assign(o, { status: 'replaced', replaced_by: next.id, replaced_at: next.created_at, updated_at: next.created_at });
    this.orders.set(next.id, next);
    return { status: 200, body: next };
  }

  list(q: URLSearchParams): Outcome {
    const status = q.get('status') ?? 'open';
    const limit = Math.min(Number(q.get('limit') ?? 50), 500);
    const nested = q.get('nested') === 'true';
    const symbols = q.get('symbols')?.split(',').filter(Boolean);
    const after = q.get('after');
    const until = q.get('until');
    let rows = [...this.orders.values()].filter((o) => !(nested && this.parentOf.has(o.id)) && !this.mlegLegs.has(o.id));
    rows = rows.filter((o) => (status === 'all' ? true : status === 'closed' ? CLOSED.has(o.status) : !CLOSED.has(o.status)));
    if (symbols) rows = rows.filter((o) => symbols.includes(o.symbol));
    if (after) rows = rows.filter((o) => String(o.submitted_at) > new Date(after).toISOString());
    if (until) rows = rows.filter((o) => String(o.submitted_at) < new Date(until).toISOString());
    rows.sort((a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)));
    if ((q.get('direction') ?? 'desc') === 'desc') rows.reverse();
    return { status: 200, body: rows.slice(0, limit).map((o) => this.view(o, nested)) };
  }

  get(id: string, nested: boolean): Outcome {
    const o = this.orders.get(id);
    return o ? { status: 200, body: this.view(o, nested) } : notFound();
  }

  byClientId(coid: string): Outcome {
    const o = [...this.orders.values()].find((x) => x.client_order_id === coid);
    return o ? { status: 200, body: o } : notFound();
  }

  add(fields: Partial<WireOrder> & { symbol: string }): WireOrder {
    const o = makeOrder(fields);
    this.register(o);
    return o;
  }

  /** An order as POST /v2/orders would store it (no rules checked): a test's multi-leg order. */
  addBody(body: OrderBody, coid: string): WireOrder {
    const o = buildOrder(body, coid, { ap: 1, bp: 1 } as never);
    this.register(o);
    return o;
  }

  exitsOf(id: string): WireOrder[] {
    const o = this.orders.get(id);
    return o ? exitsOf(o) : [];
  }
}
