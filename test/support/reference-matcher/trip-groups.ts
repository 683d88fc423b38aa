/**
 * REFERENCE (test only): the trip groups of the object-per-fill matcher (see round-trips.ts here).
 *
 * The running tally of one round trip while fills are matched: lots opened by one opening order
 * (in one symbol for a single or a leg; across every leg for a multi-leg position), the matched
 * closes, P&L and fees in integer micro-dollars. A group is closed when nothing it opened is left.
 *
 * Trips are built with no metadata (strategy, tags, rationale, regime null/empty); trip-meta.ts
 * attaches it by opening order, so a trip matched once can take metadata recorded later.
 */
import { parseOcc } from '../../../src/orders/symbols.js';
import { dollars, gcd, MICROS_PER_DOLLAR, NANOS_PER_UNIT, safe } from '../../../src/memory/money.js';
import type { OpenLot, OpenTrip, RoundTrip, TripFacts, TripKind } from '../../../src/memory/trips.js';
import type { FillEntry } from './entries.js';

export type Direction = 'long' | 'short';

/** The remaining part of one opening fill, in integer units. */
export interface Lot {
  direction: Direction;
  nanos: number;
  /** Remaining opening cash and fee share (micro-dollars); the last close takes what is left. */
  cash: number;
  fee: number;
  feeKnown: boolean;
  entry: FillEntry;
  /** Its single or leg trip, and for a leg of a multi-leg order its position trip. */
  group: TripGroup;
  position: PositionGroup | null;
}

/** A matched close of part of a lot. */
export interface Close {
  nanos: number;
  /** The lot's opening cash for this part, and the closing fill's cash for it (micro-dollars). */
  entryCash: number;
  exitCash: number;
  fees: number;
  feeKnown: boolean;
  entry: FillEntry;
}

const perShare = (micros: number, nanos: number, multiplier: number): number =>
  nanos === 0 ? 0 : Math.round(micros / ((nanos / NANOS_PER_UNIT) * multiplier)) / MICROS_PER_DOLLAR;

/** A fill's time as toISOString writes it; the fill's own text when it is already that form. */
export const isoOf = (e: FillEntry): string => {
  const at = e.fill.at;
  return at.length === 24 && at[23] === 'Z' && at[19] === '.' ? at : new Date(e.atMs).toISOString();
};

const UNDERLYINGS = new Map<string, string>();
/** An option's root, an equity itself (cached: a regex per trip adds up over 100k fills). */
function underlyingOf(symbol: string): string {
  let u = UNDERLYINGS.get(symbol);
  if (u === undefined) {
    u = parseOcc(symbol)?.underlying ?? symbol;
    if (UNDERLYINGS.size > 100_000) UNDERLYINGS.clear();
    UNDERLYINGS.set(symbol, u);
  }
  return u;
}

/**
 * Push a fill id unless it is the last one pushed: the pieces of one fill reach a group one after
 * another (a fill never both opens and closes lots of the same group: an order has one side).
 */
function pushFill(list: string[], id: string): void {
  if (list[list.length - 1] !== id) list.push(id);
}

function pushOrder(list: string[], id: string): void {
  if (list[list.length - 1] !== id && !list.includes(id)) list.push(id);
}

/** One opening order's lots in one symbol: a `single` trip, or one `leg` of a multi-leg order. */
export class TripGroup {
  readonly symbol: string;
  readonly multiplier: number;
  openedNanos = 0;
  openNanos = 0;
  closedNanos = 0;
  /** Opening cash of everything opened, closing cash of what closed, P&L and fees (micro-dollars). */
  openCash = 0;
  exitCash = 0;
  pnl = 0;
  fees = 0;
  feesComplete = true;
  closedAtMs = 0;
  lastFill: FillEntry;
  readonly fillIds: string[] = [];
  readonly closingOrders: string[] = [];

  constructor(
    readonly kind: 'single' | 'leg',
    readonly opening: FillEntry,
    readonly direction: Direction,
    /** Its key among the open groups. */
    readonly key: string,
  ) {
    this.symbol = opening.fill.symbol;
    this.multiplier = opening.multiplier;
    this.lastFill = opening;
  }

  addOpen(lot: Lot): void {
    this.openedNanos += lot.nanos;
    this.openNanos += lot.nanos;
    this.openCash = safe(this.openCash + lot.cash, 'opening cash');
    if (!lot.feeKnown) this.feesComplete = false;
    pushFill(this.fillIds, lot.entry.fill.id);
  }

  addClose(lot: Lot, c: Close): void {
    this.openNanos -= c.nanos;
    this.closedNanos += c.nanos;
    this.exitCash = safe(this.exitCash + c.exitCash, 'closing cash');
    const gross = lot.direction === 'long' ? c.exitCash - c.entryCash : c.entryCash - c.exitCash;
    this.pnl = safe(this.pnl + gross - c.fees, 'realized P&L');
    this.fees = safe(this.fees + c.fees, 'fees');
    if (!c.feeKnown) this.feesComplete = false;
    if (c.entry.atMs >= this.closedAtMs) {
      this.closedAtMs = c.entry.atMs;
      this.lastFill = c.entry;
    }
    pushFill(this.fillIds, c.entry.fill.id);
    pushOrder(this.closingOrders, c.entry.decisionId);
  }

  /** The closed trip, built in one literal (one shape for every trip: 100k fills make ~50k of them). */
  toRoundTrip(): RoundTrip {
    const o = this.opening;
    return {
      id: `${this.kind}:${o.fill.id}`,
      kind: this.kind,
      symbol: this.symbol,
      underlying: underlyingOf(this.symbol),
      legs: [this.symbol],
      direction: this.direction,
      qty: this.openedNanos / NANOS_PER_UNIT,
      multiplier: this.multiplier,
      entry_price: perShare(this.openCash, this.openedNanos, this.multiplier),
      opened_at: isoOf(o),
      opening_order_id: o.decisionId,
      opening_client_order_id: o.fill.client_order_id,
      realized_pnl: dollars(this.pnl),
      fees: dollars(this.fees),
      fees_complete: this.feesComplete,
      strategy: null,
      tags: [],
      rationale: null,
      regime: null,
      exit_price: perShare(this.exitCash, this.openedNanos, this.multiplier),
      closed_at: isoOf(this.lastFill),
      holding_seconds: (this.closedAtMs - o.atMs) / 1000,
      // exact-length copies: a pushed-to array keeps spare room, and ~50k trips outlive the match
      closing_order_ids: this.closingOrders.slice(),
      fill_ids: this.fillIds.slice(),
    };
  }

  toOpenTrip(lots: OpenLot[]): OpenTrip {
    return Object.assign(facts(this.kind, this.opening, [this]), {
      qty_open: this.openNanos / NANOS_PER_UNIT,
      qty_closed: this.closedNanos / NANOS_PER_UNIT,
      lots,
    });
  }
}

/** Every leg one multi-leg opening order opened, as one trip: closed when all of them are flat. */
export class PositionGroup {
  readonly kind = 'position';
  readonly parts: TripGroup[] = [];
  openNanos = 0;
  readonly fillIds: string[] = [];
  readonly closingOrders: string[] = [];

  constructor(
    readonly opening: FillEntry,
    readonly key: string,
  ) {}

  addOpen(lot: Lot): void {
    if (!this.parts.includes(lot.group)) this.parts.push(lot.group);
    this.openNanos += lot.nanos;
    pushFill(this.fillIds, lot.entry.fill.id);
  }

  addClose(c: Close): void {
    this.openNanos -= c.nanos;
    pushFill(this.fillIds, c.entry.fill.id);
    pushOrder(this.closingOrders, c.entry.decisionId);
  }

  toRoundTrip(): RoundTrip {
    const trip = facts('position', this.opening, this.parts);
    let last = this.parts[0]!;
    for (const p of this.parts) if (p.closedAtMs > last.closedAtMs) last = p;
    const closedAtMs = last.closedAtMs;
    return Object.assign(trip, {
      exit_price: perShare((trip.direction === 'long' ? 1 : -1) * net(this.parts, (p) => p.exitCash), unitNanos(this.parts), trip.multiplier),
      closed_at: closedAtMs === last.lastFill.atMs ? isoOf(last.lastFill) : new Date(closedAtMs).toISOString(),
      holding_seconds: (closedAtMs - this.opening.atMs) / 1000,
      closing_order_ids: this.closingOrders,
      fill_ids: this.fillIds,
    });
  }

  toOpenTrip(lots: OpenLot[]): OpenTrip {
    const trip = facts('position', this.opening, this.parts);
    let opened = 0;
    for (const p of this.parts) opened += p.openedNanos;
    // A position's open part in spreads: the share of its contracts still open.
    const qtyOpen = (trip.qty * this.openNanos) / opened;
    return Object.assign(trip, { qty_open: qtyOpen, qty_closed: trip.qty - qtyOpen, lots });
  }
}

/** Net premium of the parts, signed as a debit (+) to open or a credit (+) to close. */
function net(parts: readonly TripGroup[], cash: (g: TripGroup) => number): number {
  let sum = 0;
  for (const p of parts) sum += (p.direction === 'long' ? 1 : -1) * cash(p);
  return sum;
}

/** Units: a single's quantity; a position's spreads (the gcd of its legs' quantities). */
function unitNanos(parts: readonly TripGroup[]): number {
  if (parts.length === 1) return parts[0]!.openedNanos;
  const bySymbol = new Map<string, number>();
  for (const p of parts) bySymbol.set(p.symbol, (bySymbol.get(p.symbol) ?? 0) + p.openedNanos);
  let g = 0;
  for (const n of bySymbol.values()) g = gcd(g, n);
  return g;
}

/** What open and closed trips share; prices per share, a position's as net premium per spread. */
function facts(kind: TripKind, opening: FillEntry, parts: readonly TripGroup[]): TripFacts {
  const first = parts[0]!;
  const single = parts.length === 1 && kind !== 'position';
  const symbols = single ? [first.symbol] : [...new Set(parts.map((p) => p.symbol))].sort();
  const underlying = single ? underlyingOf(first.symbol) : [...new Set(symbols.map(underlyingOf))].sort().join('/');
  const netOpen = net(parts, (p) => p.openCash);
  const direction: Direction = single ? first.direction : netOpen >= 0 ? 'long' : 'short';
  const multiplier = parts.every((p) => p.multiplier === first.multiplier) ? first.multiplier : 1;
  const units = unitNanos(parts);
  let pnl = 0;
  let fees = 0;
  for (const p of parts) {
    pnl += p.pnl;
    fees += p.fees;
  }
  return {
    id: `${kind}:${opening.fill.id}`,
    kind,
    symbol: single ? first.symbol : underlying,
    underlying,
    legs: symbols,
    direction,
    qty: units / NANOS_PER_UNIT,
    multiplier,
    entry_price: perShare((direction === 'long' ? 1 : -1) * netOpen, units, multiplier),
    opened_at: isoOf(opening),
    opening_order_id: opening.decisionId,
    opening_client_order_id: opening.fill.client_order_id,
    realized_pnl: dollars(safe(pnl, 'realized P&L')),
    fees: dollars(safe(fees, 'fees')),
    fees_complete: parts.every((p) => p.feesComplete),
    strategy: null,
    tags: [],
    rationale: null,
    regime: null,
  };
}
