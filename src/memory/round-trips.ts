/**
 * Fills → round trips, FIFO per symbol (SPEC §13). Pure: the same fills give the same trips in
 * any arrival order (they are checked, deduped by id and sorted by (time, id) first).
 *
 * Per symbol the open lots all face one way. A buy closes short lots, oldest first, a sell closes
 * long ones; a close smaller than a lot splits it; what is left of a fill after the lots facing it
 * are gone opens a new lot the other way (a fill that crosses zero closes and flips). Options match
 * by OCC symbol with their multiplier (100): P&L = qty × Δprice × 100.
 *
 * A round trip is one opening order's lots in one symbol (`single`), closed when none is left: its
 * P&L is the sum of its lots' matched P&L, whichever later orders closed them. A multi-leg opening
 * order (fills carrying `parent_order_id`) gives a `leg` trip per leg symbol and one `position` trip
 * for all its legs (an iron condor as one trade): P&L the sum of the legs', closed when every leg
 * it opened is flat, whether the legs are closed together or one by one. Count `single` and
 * `position` trips (the decisions); `leg` trips are their detail. One order id trades one symbol
 * (a record that says otherwise is refused).
 *
 * Money is integer micro-dollars (money.ts): a fill's cash is rounded to 1e-6 once and every split
 * hands the last piece the remainder, so realized + open cash always equals the fills' cash flow.
 * Fees come off the P&L pro rata to the quantity matched (the opening fill's and the closing one's).
 *
 * @example matchRoundTrips([buy 10 AAPL @ 100, sell 10 AAPL @ 101]).trips[0].realized_pnl === 10
 */
import { ToolError } from '../errors.js';
import { type Fill, prepareFills, type ReadFill } from './fills.js';
import { cashMicros, dollars, NANOS_PER_UNIT, priceMicros, prorate, qtyNanos } from './money.js';
import { type Close, type Direction, isoOf, type Lot, PositionGroup, TripGroup } from './trip-groups.js';
import type { MatchResult, MetaLookup, OpenLot, OpenTrip, RoundTrip, TradeMeta } from './trips.js';

export interface MatchOptions {
  /** Strategy, tags, rationale and regime of an opening order; absent → nulls. */
  metaOf?: MetaLookup;
}

/** One symbol's open lots in FIFO order (`head` is the oldest still open). */
interface Book {
  lots: Lot[];
  head: number;
}

/** Match fills into round trips; INVALID_INPUT (ToolError) when a fill breaks a rule. */
export function matchRoundTrips(fills: readonly Fill[], options: MatchOptions = {}): MatchResult {
  const matcher = new Matcher(options.metaOf);
  for (const f of prepareFills(fills)) matcher.apply(f);
  return matcher.result();
}

class Matcher {
  private readonly books = new Map<string, Book>();
  /** Open groups: singles by order id, legs by mleg order and symbol, positions by mleg order. */
  private readonly singles = new Map<string, TripGroup>();
  private readonly legs = new Map<string, TripGroup>();
  private readonly positions = new Map<string, PositionGroup>();
  private readonly metaCache = new Map<string, TradeMeta | null>();
  private readonly trips: RoundTrip[] = [];
  private readonly legTrips: RoundTrip[] = [];
  /** The unmatched rest of the fill being applied, and the close being recorded (reused: 100k fills). */
  private readonly rest = { nanos: 0, cash: 0, fee: 0 };
  private readonly close: Close = { nanos: 0, entryCash: 0, exitCash: 0, fees: 0, feeKnown: true, fill: null as unknown as ReadFill };

  constructor(private readonly metaOf: MetaLookup | undefined) {}

  apply(f: ReadFill): void {
    const book = this.bookOf(f.symbol);
    const direction: Direction = f.side === 'buy' ? 'long' : 'short';
    const rest = this.rest;
    rest.nanos = qtyNanos(f.qty);
    rest.cash = cashMicros(rest.nanos, priceMicros(f.price), f.multiplier);
    rest.fee = f.fee === null ? 0 : priceMicros(f.fee);
    while (rest.nanos > 0 && book.head < book.lots.length) {
      const lot = book.lots[book.head]!;
      if (lot.direction === direction) break;
      this.closeAgainst(lot, f);
      if (lot.nanos === 0) book.head++;
    }
    if (rest.nanos > 0) this.open(book, f, direction);
    if (book.head > 64 && book.head * 2 > book.lots.length) {
      book.lots = book.lots.slice(book.head);
      book.head = 0;
    }
  }

  /** Close as much of `lot` as the fill's remainder covers; both sides give up their share exactly. */
  private closeAgainst(lot: Lot, f: ReadFill): void {
    const rest = this.rest;
    const c = this.close;
    const nanos = Math.min(rest.nanos, lot.nanos);
    const lotFee = prorate(lot.fee, nanos, lot.nanos);
    const fillFee = prorate(rest.fee, nanos, rest.nanos);
    c.nanos = nanos;
    c.entryCash = prorate(lot.cash, nanos, lot.nanos);
    c.exitCash = prorate(rest.cash, nanos, rest.nanos);
    c.fees = lotFee + fillFee;
    c.feeKnown = lot.feeKnown && f.fee !== null;
    c.fill = f;
    lot.nanos -= nanos;
    lot.cash -= c.entryCash;
    lot.fee -= lotFee;
    rest.nanos -= nanos;
    rest.cash -= c.exitCash;
    rest.fee -= fillFee;
    lot.group.addClose(lot, c);
    if (lot.group.openNanos === 0) this.finish(lot.group);
    if (lot.position) {
      lot.position.addClose(c);
      if (lot.position.openNanos === 0) this.finish(lot.position);
    }
  }

  private open(book: Book, f: ReadFill, direction: Direction): void {
    const { nanos, cash, fee } = this.rest;
    const group = this.groupFor(f, direction);
    const position = f.parent_order_id === null ? null : this.positionFor(f);
    const lot: Lot = { direction, nanos, cash, fee, feeKnown: f.fee !== null, fill: f, group, position };
    group.addOpen(lot);
    position?.addOpen(lot);
    book.lots.push(lot);
  }

  /** The open single (by order) or leg (by mleg order and symbol) this opening fill adds to. */
  private groupFor(f: ReadFill, direction: Direction): TripGroup {
    const leg = f.parent_order_id !== null;
    const map = leg ? this.legs : this.singles;
    const key = leg ? `${f.decisionId}|${f.symbol}` : f.decisionId;
    let group = map.get(key);
    if (group && group.symbol !== f.symbol) {
      throw new ToolError('INVALID_INPUT', `fill ${f.id}: order ${f.order_id} also has fills in ${group.symbol}; an order trades one symbol`, {
        fill_id: f.id,
        field: 'order_id',
      });
    }
    if (!group) {
      group = new TripGroup(leg ? 'leg' : 'single', f, direction, key);
      map.set(key, group);
    }
    return group;
  }

  private positionFor(f: ReadFill): PositionGroup {
    let position = this.positions.get(f.decisionId);
    if (!position) {
      position = new PositionGroup(f, f.decisionId);
      this.positions.set(f.decisionId, position);
    }
    return position;
  }

  private finish(group: TripGroup | PositionGroup): void {
    const trip = group.toRoundTrip(this.meta(group.opening));
    if (group.kind === 'position') this.positions.delete(group.key);
    else (group.kind === 'leg' ? this.legs : this.singles).delete(group.key);
    (group.kind === 'leg' ? this.legTrips : this.trips).push(trip);
  }

  private meta(opening: ReadFill): TradeMeta | null {
    if (!this.metaOf) return null;
    let meta = this.metaCache.get(opening.decisionId);
    if (meta === undefined) {
      meta = this.metaOf({ order_id: opening.decisionId, client_order_id: opening.client_order_id }) ?? null;
      this.metaCache.set(opening.decisionId, meta);
    }
    return meta;
  }

  private bookOf(symbol: string): Book {
    let book = this.books.get(symbol);
    if (!book) {
      book = { lots: [], head: 0 };
      this.books.set(symbol, book);
    }
    return book;
  }

  result(): MatchResult {
    const lots: OpenLot[] = [];
    const lotsOf = new Map<TripGroup | PositionGroup, OpenLot[]>();
    for (const symbol of [...this.books.keys()].sort()) {
      const book = this.books.get(symbol)!;
      for (let i = book.head; i < book.lots.length; i++) {
        const open = openLot(book.lots[i]!);
        lots.push(open);
        const lot = book.lots[i]!;
        for (const group of lot.position ? [lot.group, lot.position] : [lot.group]) {
          const list = lotsOf.get(group);
          if (list) list.push(open);
          else lotsOf.set(group, [open]);
        }
      }
    }
    const open: OpenTrip[] = [];
    for (const group of [...this.singles.values(), ...this.positions.values()]) open.push(group.toOpenTrip(this.meta(group.opening), lotsOf.get(group) ?? []));
    open.sort((a, b) => Date.parse(a.opened_at) - Date.parse(b.opened_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { trips: this.trips, legTrips: this.legTrips, open, lots };
  }
}

function openLot(lot: Lot): OpenLot {
  const f = lot.fill;
  return {
    symbol: f.symbol,
    direction: lot.direction,
    qty: lot.nanos / NANOS_PER_UNIT,
    price: f.price,
    multiplier: f.multiplier,
    cost: dollars(lot.cash),
    fees: dollars(lot.fee),
    fee_known: lot.feeKnown,
    opened_at: isoOf(f),
    fill_id: f.id,
    order_id: f.order_id,
    opening_order_id: f.decisionId,
    client_order_id: f.client_order_id,
  };
}
