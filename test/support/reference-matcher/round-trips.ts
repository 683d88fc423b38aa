/**
 * REFERENCE (test only): the object-per-fill matcher trade memory shipped before the columnar one in
 * src/memory/round-trips.ts; the property test holds the new one to this one's output.
 *
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
 * Incremental: a `RoundTripMatcher` keeps its books between calls; `add` applies only the new fills
 * when they all sort after the last one applied (the usual case: a poll brings later fills), and
 * rebuilds from every fill it holds when one sorts earlier (a late-posted execution). Either way the
 * result equals matching all the fills at once. Hot path in plain numbers: a fill is checked and
 * converted once (FillEntry, not copied), lots and trips are built in one literal each, and the
 * metadata is attached after matching (trip-meta.ts), so 100k fills make few short-lived objects.
 *
 * @example matchRoundTrips([buy 10 AAPL @ 100, sell 10 AAPL @ 101]).trips[0].realized_pnl === 10
 */
import { ToolError } from '../../../src/errors.js';
import { checkSameFill, type Fill } from '../../../src/memory/fills.js';
import { dollars, NANOS_PER_UNIT, prorate } from '../../../src/memory/money.js';
import { cachedMeta, setMeta } from '../../../src/memory/trip-meta.js';
import { arrayRows, type TripRows, withRows } from '../../../src/memory/trip-rows.js';
import type { MatchResult, MetaLookup, OpenLot, OpenTrip, RoundTrip } from '../../../src/memory/trips.js';
import { compareEntries, entryOf, type FillEntry } from './entries.js';
import { type Close, type Direction, isoOf, type Lot, PositionGroup, TripGroup } from './trip-groups.js';

export interface MatchOptions {
  /** Strategy, tags, rationale and regime of an opening order; absent → nulls. */
  metaOf?: MetaLookup;
}

/** Match fills into round trips; INVALID_INPUT (ToolError) when a fill breaks a rule. */
export function matchRoundTrips(fills: readonly Fill[], options: MatchOptions = {}): MatchResult {
  const matcher = new RoundTripMatcher();
  matcher.add(fills);
  const result = matcher.result();
  if (options.metaOf) {
    const metaOf = cachedMeta(options.metaOf);
    for (const t of result.trips) setMeta(t, metaOf(t));
    for (const t of result.legTrips) setMeta(t, metaOf(t));
    for (const t of result.open) setMeta(t, metaOf(t));
  }
  return result;
}

/**
 * Matching that keeps its state: add fills as they arrive, read the result at any time. Fills are
 * applied as they are read when they come in matching order; one that sorts before the last applied
 * makes the matcher rebuild its books from every fill it holds. A fill is converted (FillEntry) as
 * it is applied and its entry lives only as long as a lot or trip needs it. After an error from
 * `add` (a refused fill) the matcher is unusable: discard it.
 */
export class RoundTripMatcher {
  /** Fills by id (dedupe); null when the source guarantees one record per id (the store's primary key). */
  private readonly seen: Map<string, Fill> | null;
  /** Every distinct fill, in the order added (matching order when nothing came late). */
  private fills: Fill[] = [];
  private books = new Books();
  /** The last fill applied (the sort key a new fill must not precede). */
  private last: FillEntry | null = null;
  /** Times the books were rebuilt because a fill sorted before the last one applied. */
  rebuilds = 0;

  /** `unique`: every fill ever added has its own id (rows of memory.sqlite, PRIMARY KEY (account, id)). */
  constructor(options: { unique?: boolean } = {}) {
    this.seen = options.unique ? null : new Map();
  }

  /** How many distinct fills the matcher holds. */
  get size(): number {
    return this.fills.length;
  }

  /** Add fills in any order, repeats included (dropped by id; a repeat that differs is refused). */
  add(fills: readonly Fill[]): { added: number; rebuilt: boolean } {
    let added = 0;
    let late = false;
    for (const f of fills) {
      const prior = this.seen?.get(f?.id);
      if (prior) {
        checkSameFill(prior, f);
        continue;
      }
      const e = entryOf(f);
      this.seen?.set(f.id, f);
      this.fills.push(f);
      added++;
      if (late || (this.last !== null && compareEntries(e, this.last) < 0)) late = true;
      else {
        this.books.apply(e);
        this.last = e;
      }
    }
    if (late) this.rebuild();
    return { added, rebuilt: late };
  }

  /** Match every fill again from empty books, in matching order (a fill came late). */
  private rebuild(): void {
    const entries = this.fills.map(entryOf);
    entries.sort(compareEntries);
    this.fills = entries.map((e) => e.fill);
    this.books = new Books();
    for (const e of entries) this.books.apply(e);
    this.last = entries[entries.length - 1] ?? null;
    this.rebuilds++;
  }

  /** Closed trips so far (the live lists: read, do not change). */
  get trips(): readonly RoundTrip[] {
    return this.books.trips;
  }

  get legTrips(): readonly RoundTrip[] {
    return this.books.legTrips;
  }

  /** The same lists as rows (what LiveMemory reads). */
  get closed(): TripRows {
    return arrayRows(this.books.trips);
  }

  get closedLegs(): TripRows {
    return arrayRows(this.books.legTrips);
  }

  /** Trips and leg trips (copies of the lists), open trips and lots; no metadata attached. */
  result(): MatchResult {
    return this.books.result();
  }
}

/** One symbol's open lots in FIFO order (`head` is the oldest still open). */
interface Book {
  lots: Lot[];
  head: number;
}

/** The matching state: every symbol's open lots, the open groups, the closed trips. */
class Books {
  private readonly bySymbol = new Map<string, Book>();
  /** Open groups: singles by order id, legs by mleg order and symbol, positions by mleg order. */
  private readonly singles = new Map<string, TripGroup>();
  private readonly legs = new Map<string, TripGroup>();
  private readonly positions = new Map<string, PositionGroup>();
  readonly trips: RoundTrip[] = [];
  readonly legTrips: RoundTrip[] = [];
  /** The unmatched rest of the fill being applied, and the close being recorded (reused: 100k fills). */
  private readonly rest = { nanos: 0, cash: 0, fee: 0 };
  private readonly close: Close = { nanos: 0, entryCash: 0, exitCash: 0, fees: 0, feeKnown: true, entry: null as unknown as FillEntry };

  apply(e: FillEntry): void {
    const book = this.bookOf(e.fill.symbol);
    const direction: Direction = e.fill.side === 'buy' ? 'long' : 'short';
    const rest = this.rest;
    rest.nanos = e.nanos;
    rest.cash = e.cash;
    rest.fee = e.fee;
    while (rest.nanos > 0 && book.head < book.lots.length) {
      const lot = book.lots[book.head]!;
      if (lot.direction === direction) break;
      this.closeAgainst(lot, e);
      if (lot.nanos === 0) book.head++;
    }
    if (rest.nanos > 0) this.open(book, e, direction);
    if (book.head > 64 && book.head * 2 > book.lots.length) {
      book.lots = book.lots.slice(book.head);
      book.head = 0;
    }
  }

  /** Close as much of `lot` as the fill's remainder covers; both sides give up their share exactly. */
  private closeAgainst(lot: Lot, e: FillEntry): void {
    const rest = this.rest;
    const c = this.close;
    const nanos = Math.min(rest.nanos, lot.nanos);
    const lotFee = prorate(lot.fee, nanos, lot.nanos);
    const fillFee = prorate(rest.fee, nanos, rest.nanos);
    c.nanos = nanos;
    c.entryCash = prorate(lot.cash, nanos, lot.nanos);
    c.exitCash = prorate(rest.cash, nanos, rest.nanos);
    c.fees = lotFee + fillFee;
    c.feeKnown = lot.feeKnown && e.feeKnown;
    c.entry = e;
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

  private open(book: Book, e: FillEntry, direction: Direction): void {
    const { nanos, cash, fee } = this.rest;
    const group = this.groupFor(e, direction);
    const position = e.parent === null ? null : this.positionFor(e);
    const lot: Lot = { direction, nanos, cash, fee, feeKnown: e.feeKnown, entry: e, group, position };
    group.addOpen(lot);
    position?.addOpen(lot);
    book.lots.push(lot);
  }

  /** The open single (by order) or leg (by mleg order and symbol) this opening fill adds to. */
  private groupFor(e: FillEntry, direction: Direction): TripGroup {
    const leg = e.parent !== null;
    const map = leg ? this.legs : this.singles;
    const key = leg ? `${e.decisionId}|${e.fill.symbol}` : e.decisionId;
    let group = map.get(key);
    if (group && group.symbol !== e.fill.symbol) {
      const f = e.fill;
      throw new ToolError('INVALID_INPUT', `fill ${f.id}: order ${f.order_id} also has fills in ${group.symbol}; an order trades one symbol`, {
        fill_id: f.id,
        field: 'order_id',
      });
    }
    if (!group) {
      group = new TripGroup(leg ? 'leg' : 'single', e, direction, key);
      map.set(key, group);
    }
    return group;
  }

  private positionFor(e: FillEntry): PositionGroup {
    let position = this.positions.get(e.decisionId);
    if (!position) {
      position = new PositionGroup(e, e.decisionId);
      this.positions.set(e.decisionId, position);
    }
    return position;
  }

  private finish(group: TripGroup | PositionGroup): void {
    const trip = group.toRoundTrip();
    if (group.kind === 'position') this.positions.delete(group.key);
    else (group.kind === 'leg' ? this.legs : this.singles).delete(group.key);
    (group.kind === 'leg' ? this.legTrips : this.trips).push(trip);
  }

  private bookOf(symbol: string): Book {
    let book = this.bySymbol.get(symbol);
    if (!book) {
      book = { lots: [], head: 0 };
      this.bySymbol.set(symbol, book);
    }
    return book;
  }

  result(): MatchResult {
    const lots: OpenLot[] = [];
    const lotsOf = new Map<TripGroup | PositionGroup, OpenLot[]>();
    for (const symbol of [...this.bySymbol.keys()].sort()) {
      const book = this.bySymbol.get(symbol)!;
      for (let i = book.head; i < book.lots.length; i++) {
        const lot = book.lots[i]!;
        const open = openLot(lot);
        lots.push(open);
        for (const group of lot.position ? [lot.group, lot.position] : [lot.group]) {
          const list = lotsOf.get(group);
          if (list) list.push(open);
          else lotsOf.set(group, [open]);
        }
      }
    }
    const groups: Array<TripGroup | PositionGroup> = [...this.singles.values(), ...this.positions.values()];
    // by opening time, then trip id (`<kind>:<fill id>`)
    groups.sort((a, b) => a.opening.atMs - b.opening.atMs || idOrder(a, b));
    const open: OpenTrip[] = groups.map((g) => g.toOpenTrip(lotsOf.get(g) ?? []));
    return withRows({ trips: this.trips.slice(), legTrips: this.legTrips.slice(), open, lots });
  }
}

function idOrder(a: TripGroup | PositionGroup, b: TripGroup | PositionGroup): number {
  const x = `${a.kind}:${a.opening.fill.id}`;
  const y = `${b.kind}:${b.opening.fill.id}`;
  return x < y ? -1 : x > y ? 1 : 0;
}

function openLot(lot: Lot): OpenLot {
  const e = lot.entry;
  const f = e.fill;
  return {
    symbol: f.symbol,
    direction: lot.direction,
    qty: lot.nanos / NANOS_PER_UNIT,
    price: f.price,
    multiplier: e.multiplier,
    cost: dollars(lot.cash),
    fees: dollars(lot.fee),
    fee_known: lot.feeKnown,
    opened_at: isoOf(e),
    fill_id: f.id,
    order_id: f.order_id,
    opening_order_id: e.decisionId,
    client_order_id: f.client_order_id,
  };
}
