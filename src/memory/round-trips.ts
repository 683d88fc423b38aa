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
 * `position` trips (the decisions); `leg` trips are their detail.
 *
 * Money is integer micro-dollars (money.ts): a fill's cash is rounded to 1e-6 once and every split
 * hands the last piece the remainder, so realized + open cash always equals the fills' cash flow.
 * Fees come off the P&L pro rata to the quantity matched (the opening fill's and the closing one's).
 *
 * @example matchRoundTrips([buy 10 AAPL @ 100, sell 10 AAPL @ 101]).trips[0].realized_pnl === 10
 */
import { type Fill, prepareFills, type ReadFill } from './fills.js';
import { cashMicros, dollars, NANOS_PER_UNIT, priceMicros, prorate, qtyNanos } from './money.js';
import { type Close, type Direction, type Lot, TripGroup } from './trip-groups.js';
import type { MatchResult, MetaLookup, OpenLot, OpenTrip, RoundTrip, TradeMeta, TripKind } from './trips.js';

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
  private readonly active = new Map<string, TripGroup>();
  private readonly metaCache = new Map<string, TradeMeta | null>();
  private readonly trips: RoundTrip[] = [];
  private readonly legTrips: RoundTrip[] = [];

  constructor(private readonly metaOf: MetaLookup | undefined) {}

  apply(f: ReadFill): void {
    const book = this.bookOf(f.symbol);
    const direction: Direction = f.side === 'buy' ? 'long' : 'short';
    const nanos = qtyNanos(f.qty);
    const rest = { nanos, cash: cashMicros(nanos, priceMicros(f.price), f.multiplier), fee: f.fee === null ? 0 : priceMicros(f.fee) };
    while (rest.nanos > 0 && book.head < book.lots.length) {
      const lot = book.lots[book.head]!;
      if (lot.direction === direction) break;
      this.closeAgainst(lot, f, rest);
      if (lot.nanos === 0) book.head++;
    }
    if (rest.nanos > 0) this.open(book, f, direction, rest);
    if (book.head > 64 && book.head * 2 > book.lots.length) {
      book.lots = book.lots.slice(book.head);
      book.head = 0;
    }
  }

  /** Close as much of `lot` as the fill's remainder covers; both sides give up their share exactly. */
  private closeAgainst(lot: Lot, f: ReadFill, rest: { nanos: number; cash: number; fee: number }): void {
    const nanos = Math.min(rest.nanos, lot.nanos);
    const close: Close = {
      nanos,
      entryCash: prorate(lot.cash, nanos, lot.nanos),
      exitCash: prorate(rest.cash, nanos, rest.nanos),
      fees: 0,
      feeKnown: lot.feeKnown && f.fee !== null,
      fill: f,
    };
    const lotFee = prorate(lot.fee, nanos, lot.nanos);
    const fillFee = prorate(rest.fee, nanos, rest.nanos);
    close.fees = lotFee + fillFee;
    lot.nanos -= nanos;
    lot.cash -= close.entryCash;
    lot.fee -= lotFee;
    rest.nanos -= nanos;
    rest.cash -= close.exitCash;
    rest.fee -= fillFee;
    for (const group of lot.groups) {
      group.addClose(lot, close);
      if (group.openNanos === 0) this.finish(group);
    }
  }

  private open(book: Book, f: ReadFill, direction: Direction, rest: { nanos: number; cash: number; fee: number }): void {
    const lot: Lot = { direction, nanos: rest.nanos, cash: rest.cash, fee: rest.fee, feeKnown: f.fee !== null, fill: f, groups: [] };
    lot.groups.push(this.groupFor(f.parent_order_id ? 'leg' : 'single', f, f.symbol));
    if (f.parent_order_id) lot.groups.push(this.groupFor('position', f, ''));
    for (const group of lot.groups) group.addOpen(lot);
    book.lots.push(lot);
  }

  private groupFor(kind: TripKind, f: ReadFill, symbol: string): TripGroup {
    const key = `${kind}|${f.decisionId}|${symbol}`;
    let group = this.active.get(key);
    if (!group) {
      group = new TripGroup(kind, f, key);
      this.active.set(key, group);
    }
    return group;
  }

  private finish(group: TripGroup): void {
    this.active.delete(group.key);
    (group.kind === 'leg' ? this.legTrips : this.trips).push(group.toRoundTrip(this.meta(group.opening)));
  }

  private meta(opening: ReadFill): TradeMeta | null {
    let meta = this.metaCache.get(opening.decisionId);
    if (meta === undefined) {
      meta = this.metaOf?.({ order_id: opening.decisionId, client_order_id: opening.client_order_id }) ?? null;
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
    const lotsOf = new Map<TripGroup, OpenLot[]>();
    for (const symbol of [...this.books.keys()].sort()) {
      const book = this.books.get(symbol)!;
      for (let i = book.head; i < book.lots.length; i++) {
        const open = openLot(book.lots[i]!);
        lots.push(open);
        for (const group of book.lots[i]!.groups) {
          const list = lotsOf.get(group);
          if (list) list.push(open);
          else lotsOf.set(group, [open]);
        }
      }
    }
    const open: OpenTrip[] = [];
    for (const group of this.active.values()) {
      if (group.kind !== 'leg') open.push(group.toOpenTrip(this.meta(group.opening), lotsOf.get(group) ?? []));
    }
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
    opened_at: new Date(f.atMs).toISOString(),
    fill_id: f.id,
    order_id: f.order_id,
    opening_order_id: f.decisionId,
    client_order_id: f.client_order_id,
  };
}
