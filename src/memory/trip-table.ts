/**
 * Closed trips in columns, as the matcher records them (books.ts): one int per trip (a single's or
 * a leg's group index, or a position as -(index + 1)) and its metadata in four columns; every other
 * field is read from the groups' columns, which a closed trip no longer changes. The trip object is
 * built on the first `at(k)` and kept, so 100k fills make ~50k objects only when something asks for
 * them all: filters, aggregates, the sampler and the live view read the columns (trip-rows.ts).
 *
 * A `TripTable` is a view of the first `length` trips of a store that only grows.
 *
 * @example const rows = books.closed.view(); rows.pnlMicros(0); rows.at(0).realized_pnl
 */
import { FEES_INCOMPLETE, G_CLOSED_AT, G_FLAGS, G_OPENING, G_PNL, GI, GN, IS_LEG } from './book-layout.js';
import type { Books } from './books.js';
import { grown } from './fill-columns.js';
import { type PositionGroup, positionTrip, singleTrip, underlyingOf } from './trip-build.js';
import { NO_TAGS, regimeOf, tagsOf } from './trip-meta.js';
import type { TripRows } from './trip-rows.js';
import type { MatchResult, OpenLot, OpenTrip, Regime, RoundTrip, TradeMeta } from './trips.js';

/** The closed trips of one list (decisions, or legs) of one Books, appended as they close. */
export class TripStore {
  refs = new Int32Array(0);
  length = 0;
  readonly strategy: (string | null)[] = [];
  readonly tags: string[][] = [];
  readonly rationale: (string | null)[] = [];
  readonly regime: (Regime | null)[] = [];
  /** Trip objects built so far (sparse). */
  readonly objects: (RoundTrip | undefined)[] = [];

  constructor(readonly books: Books) {}

  /** Record a closed single or leg (its group g), or a position (-(index + 1)); its metadata columns grow when it is given some (`setMeta`). */
  push(ref: number): void {
    if (this.length >= this.refs.length) this.refs = grown(this.refs, this.length + 1);
    this.refs[this.length++] = ref;
  }

  /** Metadata of trip k (nulls and no tags until set). */
  set(k: number, strategy: string | null, tags: string[], rationale: string | null, regime: Regime | null): void {
    // appended in order (trips are given metadata as they close), so the columns stay packed arrays
    while (this.strategy.length < k) {
      this.strategy.push(null);
      this.tags.push(NO_TAGS);
      this.rationale.push(null);
      this.regime.push(null);
    }
    this.strategy[k] = strategy;
    this.tags[k] = tags;
    this.rationale[k] = rationale;
    this.regime[k] = regime;
  }

  /** The trips closed so far. */
  view(): TripTable {
    return new TripTable(this, this.length);
  }
}

export class TripTable implements TripRows {
  constructor(
    private readonly s: TripStore,
    readonly length: number,
  ) {}

  private get b(): Books {
    return this.s.books;
  }

  /** A position's group, or null for a single or leg. */
  private position(k: number): PositionGroup | null {
    const ref = this.s.refs[k]!;
    return ref < 0 ? this.b.position(-ref - 1) : null;
  }

  /** The index of the trip's opening fill. */
  private opening(k: number): number {
    const ref = this.s.refs[k]!;
    return ref >= 0 ? this.b.gInt[ref * GI + G_OPENING]! : this.b.position(-ref - 1).opening;
  }

  at(k: number): RoundTrip {
    let trip = this.s.objects[k];
    if (trip === undefined) {
      const p = this.position(k);
      trip = p ? positionTrip(this.b, p) : singleTrip(this.b, this.s.refs[k]!);
      trip.strategy = this.strategy(k);
      trip.tags = this.s.tags[k] ?? NO_TAGS;
      trip.rationale = this.s.rationale[k] ?? null;
      trip.regime = this.regime(k);
      this.s.objects[k] = trip;
    }
    return trip;
  }

  /** Every trip as an object (built once each). */
  toArray(): RoundTrip[] {
    const out = new Array<RoundTrip>(this.length);
    for (let k = 0; k < this.length; k++) out[k] = this.at(k);
    return out;
  }

  kind(k: number): 'single' | 'leg' | 'position' {
    const ref = this.s.refs[k]!;
    if (ref < 0) return 'position';
    return (this.b.gInt[ref * GI + G_FLAGS]! & IS_LEG) !== 0 ? 'leg' : 'single';
  }

  id(k: number): string {
    return `${this.kind(k)}:${this.b.f.fills[this.opening(k)]!.id}`;
  }

  compareIds(j: number, k: number): number {
    const kj = this.kind(j);
    const kk = this.kind(k);
    // no kind is a prefix of another: ids of different kinds compare as their kinds do
    if (kj !== kk) return kj < kk ? -1 : 1;
    const a = this.b.f.fills[this.opening(j)]!.id;
    const c = this.b.f.fills[this.opening(k)]!.id;
    return a < c ? -1 : a > c ? 1 : 0;
  }

  symbol(k: number): string {
    return this.position(k) ? this.at(k).symbol : this.b.f.fills[this.opening(k)]!.symbol;
  }

  underlying(k: number): string {
    return this.position(k) ? this.at(k).underlying : underlyingOf(this.symbol(k));
  }

  hasLeg(k: number, symbol: string): boolean {
    return this.position(k) ? this.at(k).legs.includes(symbol) : this.symbol(k) === symbol;
  }

  strategy(k: number): string | null {
    return k < this.s.strategy.length ? this.s.strategy[k]! : null;
  }

  regime(k: number): Regime | null {
    return k < this.s.regime.length ? this.s.regime[k]! : null;
  }

  openingClientOrderId(k: number): string {
    return this.b.f.fills[this.opening(k)]!.client_order_id;
  }

  /** The opening order a decision is attributed to (an mleg order's parent). */
  openingOrderId(k: number): string {
    return this.b.f.decision[this.opening(k)]!;
  }

  pnlMicros(k: number): number {
    const p = this.position(k);
    if (!p) return this.b.gNum[this.s.refs[k]! * GN + G_PNL]!;
    let sum = 0;
    for (const g of p.parts) sum += this.b.gNum[g * GN + G_PNL]!;
    return sum;
  }

  closedAtMs(k: number): number {
    const p = this.position(k);
    if (!p) return this.b.gNum[this.s.refs[k]! * GN + G_CLOSED_AT]!;
    let last = Number.NEGATIVE_INFINITY;
    for (const g of p.parts) last = Math.max(last, this.b.gNum[g * GN + G_CLOSED_AT]!);
    return last;
  }

  feesComplete(k: number): boolean {
    const p = this.position(k);
    const complete = (g: number) => (this.b.gInt[g * GI + G_FLAGS]! & FEES_INCOMPLETE) === 0;
    return p ? p.parts.every(complete) : complete(this.s.refs[k]!);
  }

  setMeta(k: number, meta: TradeMeta | null | undefined): void {
    const strategy = meta?.strategy ?? null;
    const tags = tagsOf(meta?.tags);
    const rationale = meta?.rationale ?? null;
    const regime = regimeOf(meta?.regime);
    this.s.set(k, strategy, tags, rationale, regime);
    const trip = this.s.objects[k];
    if (trip) {
      trip.strategy = strategy;
      trip.tags = tags;
      trip.rationale = rationale;
      trip.regime = regime;
    }
  }
}

/** A key whose value is made on first read (then a plain data property), enumerable like one. */
function lazy<T extends object>(o: T, key: string, make: () => unknown): void {
  const settle = (value: unknown) => Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(o, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = make();
      settle(value);
      return value;
    },
    set: settle,
  });
}

/** A match result whose `trips` and `legTrips` are the tables' objects, built when first read. */
export function tableResult(closed: TripTable, closedLegs: TripTable, open: OpenTrip[], lots: OpenLot[]): MatchResult {
  const result = {} as MatchResult;
  lazy(result, 'trips', () => closed.toArray());
  lazy(result, 'legTrips', () => closedLegs.toArray());
  Object.assign(result, { open, lots });
  Object.defineProperty(result, 'closed', { value: closed, enumerable: false });
  Object.defineProperty(result, 'closedLegs', { value: closedLegs, enumerable: false });
  return result;
}
