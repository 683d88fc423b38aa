/**
 * The running tally of one round trip while fills are matched: lots opened by one opening order
 * (in one symbol for a single or a leg; across every leg for a multi-leg position), the matched
 * closes, P&L and fees in integer micro-dollars. A group is closed when nothing it opened is left.
 */
import { parseOcc } from '../orders/symbols.js';
import type { ReadFill } from './fills.js';
import { dollars, gcd, MICROS_PER_DOLLAR, NANOS_PER_UNIT, safe } from './money.js';
import type { OpenLot, OpenTrip, RoundTrip, TradeMeta, TripFacts, TripKind } from './trips.js';

export type Direction = 'long' | 'short';

/** The remaining part of one opening fill, in integer units. */
export interface Lot {
  direction: Direction;
  nanos: number;
  /** Remaining opening cash and fee share (micro-dollars); the last close takes what is left. */
  cash: number;
  fee: number;
  feeKnown: boolean;
  fill: ReadFill;
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
  fill: ReadFill;
}

const perShare = (micros: number, nanos: number, multiplier: number): number =>
  nanos === 0 ? 0 : Math.round(micros / ((nanos / NANOS_PER_UNIT) * multiplier)) / MICROS_PER_DOLLAR;

/** A fill's time as toISOString writes it; the fill's own text when it is already that form. */
export const isoOf = (f: ReadFill): string => (f.at.length === 24 && f.at[23] === 'Z' && f.at[19] === '.' ? f.at : new Date(f.atMs).toISOString());

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

/** One opening order's lots in one symbol: a `single` trip, or one `leg` of a multi-leg order. */
export class TripGroup {
  readonly symbol: string;
  readonly direction: Direction;
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
  lastFill: ReadFill;
  readonly fillIds: string[] = [];
  readonly closingOrders: string[] = [];

  constructor(
    readonly kind: 'single' | 'leg',
    readonly opening: ReadFill,
    direction: Direction,
    /** Its key among the open groups. */
    readonly key: string,
  ) {
    this.symbol = opening.symbol;
    this.multiplier = opening.multiplier;
    this.direction = direction;
    this.lastFill = opening;
  }

  addOpen(lot: Lot): void {
    this.openedNanos += lot.nanos;
    this.openNanos += lot.nanos;
    this.openCash = safe(this.openCash + lot.cash, 'opening cash');
    this.feesComplete &&= lot.feeKnown;
    pushFill(this.fillIds, lot.fill.id);
  }

  addClose(lot: Lot, c: Close): void {
    this.openNanos -= c.nanos;
    this.closedNanos += c.nanos;
    this.exitCash = safe(this.exitCash + c.exitCash, 'closing cash');
    const gross = lot.direction === 'long' ? c.exitCash - c.entryCash : c.entryCash - c.exitCash;
    this.pnl = safe(this.pnl + gross - c.fees, 'realized P&L');
    this.fees = safe(this.fees + c.fees, 'fees');
    this.feesComplete &&= c.feeKnown;
    if (c.fill.atMs >= this.closedAtMs) {
      this.closedAtMs = c.fill.atMs;
      this.lastFill = c.fill;
    }
    pushFill(this.fillIds, c.fill.id);
    if (!this.closingOrders.includes(c.fill.decisionId)) this.closingOrders.push(c.fill.decisionId);
  }

  toRoundTrip(meta: TradeMeta | null | undefined): RoundTrip {
    return roundTrip(this.kind, this.opening, [this], meta, this);
  }

  toOpenTrip(meta: TradeMeta | null | undefined, lots: OpenLot[]): OpenTrip {
    return Object.assign(facts(this.kind, this.opening, [this], meta), {
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
    readonly opening: ReadFill,
    readonly key: string,
  ) {}

  addOpen(lot: Lot): void {
    if (!this.parts.includes(lot.group)) this.parts.push(lot.group);
    this.openNanos += lot.nanos;
    pushFill(this.fillIds, lot.fill.id);
  }

  addClose(c: Close): void {
    this.openNanos -= c.nanos;
    pushFill(this.fillIds, c.fill.id);
    if (!this.closingOrders.includes(c.fill.decisionId)) this.closingOrders.push(c.fill.decisionId);
  }

  toRoundTrip(meta: TradeMeta | null | undefined): RoundTrip {
    return roundTrip('position', this.opening, this.parts, meta, this);
  }

  toOpenTrip(meta: TradeMeta | null | undefined, lots: OpenLot[]): OpenTrip {
    const trip = facts('position', this.opening, this.parts, meta);
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
function facts(kind: TripKind, opening: ReadFill, parts: readonly TripGroup[], meta: TradeMeta | null | undefined): TripFacts {
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
    id: `${kind}:${opening.id}`,
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
    opening_client_order_id: opening.client_order_id,
    realized_pnl: dollars(safe(pnl, 'realized P&L')),
    fees: dollars(safe(fees, 'fees')),
    fees_complete: parts.every((p) => p.feesComplete),
    strategy: meta?.strategy ?? null,
    tags: meta?.tags ? [...meta.tags] : [],
    rationale: meta?.rationale ?? null,
    regime: meta?.regime ? { trend: meta.regime.trend ?? null, volatility: meta.regime.volatility ?? null } : null,
  };
}

function roundTrip(
  kind: TripKind,
  opening: ReadFill,
  parts: readonly TripGroup[],
  meta: TradeMeta | null | undefined,
  ids: { fillIds: string[]; closingOrders: string[] },
): RoundTrip {
  const trip = facts(kind, opening, parts, meta);
  let last = parts[0]!;
  for (const p of parts) if (p.closedAtMs > last.closedAtMs) last = p;
  const closedAtMs = last.closedAtMs;
  return Object.assign(trip, {
    exit_price: perShare((trip.direction === 'long' ? 1 : -1) * net(parts, (p) => p.exitCash), unitNanos(parts), trip.multiplier),
    closed_at: closedAtMs === last.lastFill.atMs ? isoOf(last.lastFill) : new Date(closedAtMs).toISOString(),
    holding_seconds: (closedAtMs - opening.atMs) / 1000,
    closing_order_ids: ids.closingOrders,
    fill_ids: ids.fillIds,
  });
}
