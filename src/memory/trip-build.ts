/**
 * Trips out of the matching columns (books.ts): a closed single or leg in one literal, a position
 * from its leg groups, the open trips and lots. Money in integer micro-dollars until the last step
 * (dollars); prices per share, a position's as net premium per spread. Trips carry no metadata
 * (strategy, tags, rationale, regime null/empty): trip-meta.ts attaches it by opening order.
 */
import { parseOcc } from '../orders/symbols.js';
import {
  FEES_INCOMPLETE,
  G_CLOSED,
  G_CLOSED_AT,
  G_EXIT_CASH,
  G_FEES,
  G_FILL_HEAD,
  G_FLAGS,
  G_LAST_FILL,
  G_OPEN,
  G_OPEN_CASH,
  G_OPENED,
  G_OPENING,
  G_ORDER_HEAD,
  G_PNL,
  GI,
  GN,
  IS_LEG,
  L_CASH,
  L_FEE,
  L_FILL,
  L_FLAGS,
  L_NANOS,
  LI,
  LN,
  LOT_FEE_KNOWN,
  SHORT,
} from './book-layout.js';
import type { Books } from './books.js';
import { dollars, gcd, MICROS_PER_DOLLAR, NANOS_PER_UNIT, safe } from './money.js';
import { NO_TAGS } from './trip-meta.js';
import type { OpenLot, OpenTrip, RoundTrip, TripFacts, TripKind } from './trips.js';

type Direction = 'long' | 'short';

/** Every leg one multi-leg opening order opened, as one trip: closed when all of them are flat. */
export class PositionGroup {
  /** Its leg groups, in the order they opened. */
  readonly parts: number[] = [];
  openNanos = 0;
  readonly fillIds: string[] = [];
  readonly closingOrders: string[] = [];

  constructor(
    /** The opening fill's index. */
    readonly opening: number,
    readonly key: string,
    readonly index: number,
  ) {}
}

const perShare = (micros: number, nanos: number, multiplier: number): number =>
  nanos === 0 ? 0 : Math.round(micros / ((nanos / NANOS_PER_UNIT) * multiplier)) / MICROS_PER_DOLLAR;

const UNDERLYINGS = new Map<string, string>();
/** An option's root, an equity itself (cached: a regex per trip adds up over 100k fills). */
export function underlyingOf(symbol: string): string {
  let u = UNDERLYINGS.get(symbol);
  if (u === undefined) {
    u = parseOcc(symbol)?.underlying ?? symbol;
    if (UNDERLYINGS.size > 100_000) UNDERLYINGS.clear();
    UNDERLYINGS.set(symbol, u);
  }
  return u;
}

const LEGS = new Map<string, string[]>();
/** A single's legs, [symbol]: one frozen array per symbol, shared by its trips. */
function legsOf(symbol: string): string[] {
  let legs = LEGS.get(symbol);
  if (legs === undefined) {
    legs = Object.freeze([symbol]) as readonly string[] as string[];
    if (LEGS.size > 100_000) LEGS.clear();
    LEGS.set(symbol, legs);
  }
  return legs;
}

const symbolOf = (b: Books, g: number): string => b.f.fills[b.gInt[g * GI + G_OPENING]!]!.symbol;
const multiplierOf = (b: Books, g: number): number => b.f.multiplier[b.gInt[g * GI + G_OPENING]!]!;
const directionOf = (b: Books, g: number): Direction => ((b.gInt[g * GI + G_FLAGS]! & SHORT) !== 0 ? 'short' : 'long');
const num = (b: Books, g: number, field: number): number => b.gNum[g * GN + field]!;

/**
 * The ids (fills' or their decisions') of the list of fill indices whose head and count sit at
 * gInt[at] and gInt[at + 2], in an array of exactly that length: an array grown by push keeps room
 * for 16, and ~50k trips' two lists of that would be most of what matching leaves to the collector.
 */
function listOf(b: Books, at: number, ids: readonly string[] | null): string[] {
  const count = b.gInt[at + 2]!;
  const head = b.gInt[at]!;
  if (count === 1) return [idAt(b, ids, head)];
  if (count === 2) return [idAt(b, ids, head), idAt(b, ids, b.nodes[head * 2 + 1]!)];
  const out = new Array<string>(count);
  let k = 0;
  for (let n = head; n >= 0; n = b.nodes[n * 2 + 1]!) out[k++] = idAt(b, ids, n);
  return out;
}

/** The id at list node n: its fill's (ids null) or ids[its fill]. */
const idAt = (b: Books, ids: readonly string[] | null, n: number): string => (ids === null ? b.f.fills[b.nodes[n * 2]!]!.id : ids[b.nodes[n * 2]!]!);

/** The fill ids of the list (of fill indices) starting at gInt[at]. */
const fillIdsOf = (b: Books, at: number): string[] => listOf(b, at, null);

/** The decisions (opening-order ids) of the list starting at gInt[at]. */
const ordersOf = (b: Books, at: number): string[] => listOf(b, at, b.f.decision);

/** A closed single or leg, built in one literal (one shape for every trip: 100k fills make ~50k of them). */
export function singleTrip(b: Books, g: number): RoundTrip {
  const o = b.gInt[g * GI + G_OPENING]!;
  const fill = b.f.fills[o]!;
  const kind = (b.gInt[g * GI + G_FLAGS]! & IS_LEG) !== 0 ? 'leg' : 'single';
  const symbol = fill.symbol;
  const multiplier = b.f.multiplier[o]!;
  const opened = num(b, g, G_OPENED);
  const last = b.gInt[g * GI + G_LAST_FILL]!;
  return {
    id: `${kind}:${fill.id}`,
    kind,
    symbol,
    underlying: underlyingOf(symbol),
    legs: legsOf(symbol),
    direction: directionOf(b, g),
    qty: opened / NANOS_PER_UNIT,
    multiplier,
    entry_price: perShare(num(b, g, G_OPEN_CASH), opened, multiplier),
    opened_at: b.f.iso(o),
    opening_order_id: b.f.decision[o]!,
    opening_client_order_id: fill.client_order_id,
    realized_pnl: dollars(num(b, g, G_PNL)),
    fees: dollars(num(b, g, G_FEES)),
    fees_complete: (b.gInt[g * GI + G_FLAGS]! & FEES_INCOMPLETE) === 0,
    strategy: null,
    tags: NO_TAGS,
    rationale: null,
    regime: null,
    exit_price: perShare(num(b, g, G_EXIT_CASH), opened, multiplier),
    closed_at: b.f.iso(last),
    holding_seconds: (num(b, g, G_CLOSED_AT) - b.f.atMs[o]!) / 1000,
    closing_order_ids: ordersOf(b, g * GI + G_ORDER_HEAD),
    fill_ids: fillIdsOf(b, g * GI + G_FILL_HEAD),
  };
}

/** A closed position: every leg group flat. */
export function positionTrip(b: Books, p: PositionGroup): RoundTrip {
  const trip = facts(b, 'position', p.opening, p.parts);
  let last = p.parts[0]!;
  for (const g of p.parts) if (num(b, g, G_CLOSED_AT) > num(b, last, G_CLOSED_AT)) last = g;
  const closedAtMs = num(b, last, G_CLOSED_AT);
  const lastFill = b.gInt[last * GI + G_LAST_FILL]!;
  return Object.assign(trip, {
    exit_price: perShare((trip.direction === 'long' ? 1 : -1) * net(b, p.parts, G_EXIT_CASH), unitNanos(b, p.parts), trip.multiplier),
    closed_at: closedAtMs === b.f.atMs[lastFill] ? b.f.iso(lastFill) : new Date(closedAtMs).toISOString(),
    holding_seconds: (closedAtMs - b.f.atMs[p.opening]!) / 1000,
    closing_order_ids: p.closingOrders,
    fill_ids: p.fillIds,
  });
}

/** An open single: realized so far and its lots. */
export function openSingle(b: Books, g: number, lots: OpenLot[]): OpenTrip {
  return Object.assign(facts(b, 'single', b.gInt[g * GI + G_OPENING]!, [g]), {
    qty_open: num(b, g, G_OPEN) / NANOS_PER_UNIT,
    qty_closed: num(b, g, G_CLOSED) / NANOS_PER_UNIT,
    lots,
  });
}

/** An open position: the share of its contracts still open. */
export function openPosition(b: Books, p: PositionGroup, lots: OpenLot[]): OpenTrip {
  const trip = facts(b, 'position', p.opening, p.parts);
  let opened = 0;
  for (const g of p.parts) opened += num(b, g, G_OPENED);
  const qtyOpen = (trip.qty * p.openNanos) / opened;
  return Object.assign(trip, { qty_open: qtyOpen, qty_closed: trip.qty - qtyOpen, lots });
}

/** Net of a cash field over the parts, signed as a debit (+) to open or a credit (+) to close. */
function net(b: Books, parts: readonly number[], field: number): number {
  let sum = 0;
  for (const g of parts) sum += (directionOf(b, g) === 'long' ? 1 : -1) * num(b, g, field);
  return sum;
}

/** Units: a single's quantity; a position's spreads (the gcd of its legs' quantities). */
function unitNanos(b: Books, parts: readonly number[]): number {
  if (parts.length === 1) return num(b, parts[0]!, G_OPENED);
  const bySymbol = new Map<string, number>();
  for (const g of parts) bySymbol.set(symbolOf(b, g), (bySymbol.get(symbolOf(b, g)) ?? 0) + num(b, g, G_OPENED));
  let n = 0;
  for (const v of bySymbol.values()) n = gcd(n, v);
  return n;
}

/** What open and closed trips share; prices per share, a position's as net premium per spread. */
function facts(b: Books, kind: TripKind, opening: number, parts: readonly number[]): TripFacts {
  const first = parts[0]!;
  const single = parts.length === 1 && kind !== 'position';
  const symbols = single ? [symbolOf(b, first)] : [...new Set(parts.map((g) => symbolOf(b, g)))].sort();
  const underlying = single ? underlyingOf(symbols[0]!) : [...new Set(symbols.map(underlyingOf))].sort().join('/');
  const netOpen = net(b, parts, G_OPEN_CASH);
  const direction: Direction = single ? directionOf(b, first) : netOpen >= 0 ? 'long' : 'short';
  const multiplier = parts.every((g) => multiplierOf(b, g) === multiplierOf(b, first)) ? multiplierOf(b, first) : 1;
  const units = unitNanos(b, parts);
  let pnl = 0;
  let fees = 0;
  for (const g of parts) {
    pnl += num(b, g, G_PNL);
    fees += num(b, g, G_FEES);
  }
  const fill = b.f.fills[opening]!;
  return {
    id: `${kind}:${fill.id}`,
    kind,
    symbol: single ? symbols[0]! : underlying,
    underlying,
    legs: symbols,
    direction,
    qty: units / NANOS_PER_UNIT,
    multiplier,
    entry_price: perShare((direction === 'long' ? 1 : -1) * netOpen, units, multiplier),
    opened_at: b.f.iso(opening),
    opening_order_id: b.f.decision[opening]!,
    opening_client_order_id: fill.client_order_id,
    realized_pnl: dollars(safe(pnl, 'realized P&L')),
    fees: dollars(safe(fees, 'fees')),
    fees_complete: parts.every((g) => (b.gInt[g * GI + G_FLAGS]! & FEES_INCOMPLETE) === 0),
    strategy: null,
    tags: NO_TAGS,
    rationale: null,
    regime: null,
  };
}

/** One open lot as get_trade_memory lists it: what is left of its opening fill. */
export function openLotOf(b: Books, lot: number): OpenLot {
  const i = b.lotInt[lot * LI + L_FILL]!;
  const flags = b.lotInt[lot * LI + L_FLAGS]!;
  const f = b.f.fills[i]!;
  return {
    symbol: f.symbol,
    direction: (flags & SHORT) !== 0 ? 'short' : 'long',
    qty: b.lotNum[lot * LN + L_NANOS]! / NANOS_PER_UNIT,
    price: f.price,
    multiplier: b.f.multiplier[i]!,
    cost: dollars(b.lotNum[lot * LN + L_CASH]!),
    fees: dollars(b.lotNum[lot * LN + L_FEE]!),
    fee_known: (flags & LOT_FEE_KNOWN) !== 0,
    opened_at: b.f.iso(i),
    fill_id: f.id,
    order_id: f.order_id,
    opening_order_id: b.f.decision[i]!,
    client_order_id: f.client_order_id,
  };
}
