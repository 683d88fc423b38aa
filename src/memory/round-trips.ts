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
 * Incremental: a `RoundTripMatcher` keeps its books between calls; `add` applies only the new fills
 * when they all sort after the last one applied (the usual case: a poll brings later fills), and
 * rebuilds from every fill it holds when one sorts earlier (a late-posted execution). Either way the
 * result equals matching all the fills at once. Hot path in columns: a fill is checked and converted
 * once into typed arrays (fill-columns.ts), lots and groups are indices into typed arrays (books.ts),
 * trips are built in one literal each when they close (trip-build.ts) and the metadata is attached
 * after matching (trip-meta.ts): 100k fills make no object per fill but the trips handed out.
 *
 * @example matchRoundTrips([buy 10 AAPL @ 100, sell 10 AAPL @ 101]).trips[0].realized_pnl === 10
 */
import { type Book, G_OPENING, GI } from './book-layout.js';
import { Books } from './books.js';
import { FillColumns } from './fill-columns.js';
import { checkSameFill, type Fill } from './fills.js';
import { IdIndex } from './id-index.js';
import { openLotOf, openPosition, openSingle, type PositionGroup } from './trip-build.js';
import { cachedMeta, setMeta } from './trip-meta.js';
import { type TripTable, tableResult } from './trip-table.js';
import type { MatchResult, MetaLookup, OpenLot, OpenTrip } from './trips.js';

export interface MatchOptions {
  /** Strategy, tags, rationale and regime of an opening order; absent → nulls. Asked once per single trip and once per multi-leg order: a pure read. */
  metaOf?: MetaLookup;
}

/** Match fills into round trips; INVALID_INPUT (ToolError) when a fill breaks a rule. */
export function matchRoundTrips(fills: readonly Fill[], options: MatchOptions = {}): MatchResult {
  const matcher = new RoundTripMatcher();
  matcher.add(fills);
  const result = matcher.result();
  if (options.metaOf) {
    const lookup = options.metaOf;
    // a multi-leg order's legs and position share one answer; a single's trip asks for its own (no map of ~50k orders)
    const metaOf = cachedMeta(lookup);
    const each = (rows: TripTable) => {
      for (let k = 0; k < rows.length; k++) {
        const order_id = rows.openingOrderId(k);
        const client_order_id = rows.openingClientOrderId(k);
        rows.setMeta(
          k,
          rows.kind(k) === 'single' ? lookup({ order_id, client_order_id }) : metaOf({ opening_order_id: order_id, opening_client_order_id: client_order_id }),
        );
      }
    };
    each(matcher.closed);
    each(matcher.closedLegs);
    for (const t of result.open)
      setMeta(t, t.kind === 'single' ? lookup({ order_id: t.opening_order_id, client_order_id: t.opening_client_order_id }) : metaOf(t));
  }
  return result;
}

/**
 * Matching that keeps its state: add fills as they arrive, read the result at any time. Fills are
 * applied as they are read when they come in matching order; one that sorts before the last applied
 * makes the matcher rebuild its books from every fill it holds. After an error from `add` (a
 * refused fill) the matcher is unusable: discard it.
 */
export class RoundTripMatcher {
  /** Fill ids held (dedupe); false when the source guarantees one record per id (the store's primary key). */
  private readonly dedupe: boolean;
  private seen: IdIndex | null = null;
  /** Every distinct fill, in the order added (matching order when nothing came late). */
  private cols = new FillColumns();
  private books = new Books(this.cols);
  /** The index of the last fill applied (the sort key a new fill must not precede); -1 before any. */
  private last = -1;
  /** Times the books were rebuilt because a fill sorted before the last one applied. */
  rebuilds = 0;

  /** `unique`: every fill ever added has its own id (rows of memory.sqlite, PRIMARY KEY (account, id)). */
  constructor(options: { unique?: boolean } = {}) {
    this.dedupe = !options.unique;
    this.index();
  }

  /** How many distinct fills the matcher holds. */
  get size(): number {
    return this.cols.length;
  }

  /** Add fills in any order, repeats included (dropped by id; a repeat that differs is refused). */
  add(fills: readonly Fill[]): { added: number; rebuilt: boolean } {
    let added = 0;
    let late = false;
    const cols = this.cols;
    const seen = this.seen;
    seen?.reserve(fills.length);
    cols.reserve(cols.length + fills.length);
    for (let k = 0; k < fills.length; k++) {
      const f = fills[k]!;
      const prior = seen && typeof f?.id === 'string' ? seen.find(f.id) : -1;
      if (prior >= 0) {
        checkSameFill(cols.fills[prior]!, f);
        continue;
      }
      const i = cols.push(f);
      seen?.insert(i);
      added++;
      if (late || (this.last >= 0 && cols.compare(i, this.last) < 0)) late = true;
      else {
        this.books.apply(i);
        this.last = i;
      }
    }
    if (late) this.rebuild();
    return { added, rebuilt: late };
  }

  /** Match every fill again from empty books, in matching order (a fill came late). */
  private rebuild(): void {
    this.cols = this.cols.sorted();
    this.books = new Books(this.cols);
    this.index();
    for (let i = 0; i < this.cols.length; i++) this.books.apply(i);
    this.last = this.cols.length - 1;
    this.rebuilds++;
  }

  /** A fresh id index over the fills held (their indices change when they are sorted again). */
  private index(): void {
    if (!this.dedupe) return;
    const fills = this.cols.fills;
    this.seen = new IdIndex((i) => fills[i]!.id, fills.length);
    for (let i = 0; i < fills.length; i++) this.seen.insert(i);
  }

  /** Closed decisions and closed legs so far, as rows (trip-table.ts). */
  get closed(): TripTable {
    return this.books.trips.view();
  }

  get closedLegs(): TripTable {
    return this.books.legTrips.view();
  }

  /** Trips and leg trips (copies of the lists), open trips and lots; no metadata attached. */
  result(): MatchResult {
    return resultOf(this.books);
  }
}

/** The open lots by symbol then FIFO order, with each open group's (single or position) own list. */
function openLots(b: Books): { lots: OpenLot[]; ofGroup: Map<number, OpenLot[]>; ofPosition: Map<number, OpenLot[]> } {
  const lots: OpenLot[] = [];
  const ofGroup = new Map<number, OpenLot[]>();
  const ofPosition = new Map<number, OpenLot[]>();
  const add = (map: Map<number, OpenLot[]>, key: number, lot: OpenLot) => {
    const list = map.get(key);
    if (list) list.push(lot);
    else map.set(key, [lot]);
  };
  for (const symbol of [...b.bySymbol.keys()].sort()) {
    const book: Book = b.bySymbol.get(symbol)!;
    for (let k = book.head; k < book.lots.length; k++) {
      const lot = book.lots[k]!;
      const open = openLotOf(b, lot);
      lots.push(open);
      add(ofGroup, b.lotGroup(lot), open);
      const p = b.lotPosition(lot);
      if (p >= 0) add(ofPosition, p, open);
    }
  }
  return { lots, ofGroup, ofPosition };
}

type OpenRef = { kind: 'single'; g: number } | { kind: 'position'; p: PositionGroup };

function resultOf(b: Books): MatchResult {
  const { lots, ofGroup, ofPosition } = openLots(b);
  const refs: OpenRef[] = [];
  for (const g of b.singles.values()) refs.push({ kind: 'single', g });
  for (const p of b.positions.values()) refs.push({ kind: 'position', p });
  const opening = (r: OpenRef) => (r.kind === 'single' ? b.gInt[r.g * GI + G_OPENING]! : r.p.opening);
  const idOf = (r: OpenRef) => `${r.kind}:${b.f.fills[opening(r)]!.id}`;
  // by opening time, then trip id (`<kind>:<fill id>`)
  refs.sort((x, y) => {
    const d = b.f.atMs[opening(x)]! - b.f.atMs[opening(y)]!;
    if (d) return d;
    const a = idOf(x);
    const c = idOf(y);
    return a < c ? -1 : a > c ? 1 : 0;
  });
  const open: OpenTrip[] = refs.map((r) =>
    r.kind === 'single' ? openSingle(b, r.g, ofGroup.get(r.g) ?? []) : openPosition(b, r.p, ofPosition.get(r.p.index) ?? []),
  );
  return tableResult(b.trips.view(), b.legTrips.view(), open, lots);
}
