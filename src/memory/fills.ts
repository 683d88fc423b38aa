/**
 * A broker fill as trade memory records it, its checks, and the two helpers every reader needs:
 * dedupe by fill id (the same fill seen twice, from a poll and a stream, counts once) and sort by
 * (time to the microsecond and below, id) so matching is the same whatever order the fills arrived in.
 *
 * A fill that breaks a rule is refused with INVALID_INPUT naming the fill and the field; nothing is
 * coerced (money: a fill we cannot read exactly is a fill we must not count).
 *
 * @example sortFills(dedupeFills([b, a, b])) // → [a, b] when a.at < b.at
 */
import { ToolError } from '../errors.js';
import { daysInMonth, fastIsoMs } from '../market/iso-time.js';
import { decimalPlaces, QTY_DECIMALS } from '../orders/quantity.js';
import { EQUITY_SYMBOL, OCC_SYMBOL } from '../orders/symbols.js';

export type AssetClass = 'us_equity' | 'us_option';

/** The contract multiplier of a standard US equity option. */
export const OPTION_MULTIPLIER = 100;

export interface Fill {
  /** Unique per broker fill (Alpaca's activity id; the sim's fill id). */
  id: string;
  /** The order this fill executed; for a leg of a multi-leg order, the leg's own order id. */
  order_id: string;
  /** Our client_order_id of the order we placed (for a leg: the multi-leg order's). */
  client_order_id: string;
  /** An equity ticker (AAPL, BRK.B) or an OCC option symbol (SPY260417P00500000). */
  symbol: string;
  side: 'buy' | 'sell';
  /** Units filled: shares, or contracts. Positive, at most 9 decimals. */
  qty: number;
  /** Price per share (per share of the deliverable for an option: the premium quote). */
  price: number;
  /** Fees charged for this fill in dollars; null when the broker did not say. */
  fee: number | null;
  /** When it filled (ISO 8601). */
  at: string;
  /**
   * The multi-leg (order_class mleg) order this fill is a leg of. Only for mleg legs: a bracket's
   * take-profit or stop-loss is an ordinary order of its own and has no parent here.
   */
  parent_order_id?: string | null;
  /** Derived from the symbol when absent; must agree with it when present. */
  asset_class?: AssetClass;
  /** Units per contract: 1 for equities, 100 by default for options (adjusted contracts may differ). */
  multiplier?: number;
}

/** A checked fill with the derived facts matching needs (time in ms, the opening-order key). */
export interface ReadFill extends Fill {
  asset_class: AssetClass;
  multiplier: number;
  parent_order_id: string | null;
  atMs: number;
  /** The fraction of a millisecond below atMs (microseconds and finer): orders fills within one ms. */
  atSubMs: number;
  /** The order a decision is attributed to: the mleg parent for a leg, else the order itself. */
  decisionId: string;
}

const ISO = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** The fraction of a millisecond in `.SSSuuu…` (Alpaca stamps microseconds; Date.parse drops them), in [0, 1). */
export function isoSubMs(at: string): number {
  if (at.length === 24) return 0;
  const dot = at.indexOf('.', 19);
  if (dot < 0) return 0;
  let end = dot + 1;
  while (end < at.length && at.charCodeAt(end) >= 48 && at.charCodeAt(end) <= 57) end++;
  const rest = at.slice(dot + 4, end);
  return rest ? Number(rest) / 10 ** rest.length : 0;
}

/** Epoch ms of an ISO time with a zone; NaN unless the calendar date exists (Date.parse rolls 02-30 over). */
export function isoMs(at: unknown): number {
  if (typeof at !== 'string') return Number.NaN;
  if (at.length === 24 && at[23] === 'Z') return fastIsoMs(at); // the form toISOString writes: Date.parse is most of the cost at 100k fills
  if (!ISO.test(at)) return Number.NaN;
  const day = Number(at.slice(8, 10));
  if (day > daysInMonth(Number(at.slice(0, 4)), Number(at.slice(5, 7)))) return Number.NaN;
  return Date.parse(at);
}

function refuse(fill: Partial<Fill>, field: string, why: string): never {
  const id = typeof fill?.id === 'string' ? fill.id : '?';
  throw new ToolError('INVALID_INPUT', `fill ${id}: ${field} ${why}`, { fill_id: id, field });
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 128;

function checkIds(f: Fill): void {
  if (!nonEmpty(f.id)) refuse(f, 'id', 'must be a non-empty string');
  if (!nonEmpty(f.order_id)) refuse(f, 'order_id', 'must be a non-empty string');
  if (!nonEmpty(f.client_order_id)) refuse(f, 'client_order_id', 'must be a non-empty string');
  if (f.parent_order_id != null && !nonEmpty(f.parent_order_id)) refuse(f, 'parent_order_id', 'must be a non-empty string or null');
}

function checkAmounts(f: Fill): void {
  if (f.side !== 'buy' && f.side !== 'sell') refuse(f, 'side', 'must be buy or sell');
  if (typeof f.qty !== 'number' || !Number.isFinite(f.qty) || f.qty <= 0) refuse(f, 'qty', 'must be a positive finite number');
  if (f.qty * 1e9 > Number.MAX_SAFE_INTEGER) refuse(f, 'qty', 'is too large to account exactly');
  // k / 1e9 === qty proves at most 9 decimals without printing the number (the text check is the slow fallback)
  if (!Number.isInteger(f.qty) && Math.round(f.qty * 1e9) / 1e9 !== f.qty && decimalPlaces(f.qty) > QTY_DECIMALS) {
    refuse(f, 'qty', `has more than ${QTY_DECIMALS} decimals`);
  }
  if (typeof f.price !== 'number' || !Number.isFinite(f.price) || f.price < 0) refuse(f, 'price', 'must be a finite number >= 0');
  if (f.fee !== null && (typeof f.fee !== 'number' || !Number.isFinite(f.fee) || f.fee < 0)) refuse(f, 'fee', 'must be null or a finite number >= 0');
}

/** Symbol shapes seen so far (a regex per fill is most of the cost of reading 100k fills). */
const SHAPES = new Map<string, AssetClass | null>();

function shapeOf(symbol: string): AssetClass | null {
  let shape = SHAPES.get(symbol);
  if (shape === undefined) {
    shape = OCC_SYMBOL.test(symbol) ? 'us_option' : EQUITY_SYMBOL.test(symbol) ? 'us_equity' : null;
    if (SHAPES.size > 100_000) SHAPES.clear();
    SHAPES.set(symbol, shape);
  }
  return shape;
}

/** The asset class of a fill, checked against the symbol's shape. */
function assetOf(f: Fill): AssetClass {
  if (typeof f.symbol !== 'string') refuse(f, 'symbol', 'must be a string');
  const shape = shapeOf(f.symbol);
  if (!shape) refuse(f, 'symbol', 'must be an uppercase equity ticker or an OCC option symbol');
  if (f.asset_class !== undefined && f.asset_class !== shape) refuse(f, 'asset_class', `is ${f.asset_class} but the symbol is ${shape}`);
  return shape;
}

function multiplierOf(f: Fill, shape: AssetClass): number {
  const multiplier = f.multiplier ?? (shape === 'us_option' ? OPTION_MULTIPLIER : 1);
  if (!Number.isSafeInteger(multiplier) || multiplier < 1) refuse(f, 'multiplier', 'must be a whole number >= 1');
  if (shape === 'us_equity' && multiplier !== 1) refuse(f, 'multiplier', 'must be 1 for an equity');
  return multiplier;
}

/** Every rule a fill must keep; its time in epoch ms. */
function checkFill(f: Fill): { shape: AssetClass; multiplier: number; atMs: number } {
  if (typeof f !== 'object' || f === null) refuse({}, 'fill', 'must be an object');
  checkIds(f);
  checkAmounts(f);
  const shape = assetOf(f);
  const multiplier = multiplierOf(f, shape);
  const atMs = isoMs(f.at);
  if (!Number.isFinite(atMs)) refuse(f, 'at', 'must be an ISO 8601 time with a zone (2026-03-10T15:00:00Z)');
  return { shape, multiplier, atMs };
}

/** Check one fill and derive what matching needs; INVALID_INPUT on any broken rule. Unknown fields are dropped. */
export function readFill(f: Fill): ReadFill {
  const { shape, multiplier, atMs } = checkFill(f);
  const parent = f.parent_order_id ?? null;
  return {
    id: f.id,
    order_id: f.order_id,
    client_order_id: f.client_order_id,
    symbol: f.symbol,
    side: f.side,
    qty: f.qty,
    price: f.price,
    fee: f.fee,
    at: f.at,
    parent_order_id: parent,
    asset_class: shape,
    multiplier,
    atMs,
    atSubMs: isoSubMs(f.at),
    decisionId: parent ?? f.order_id,
  };
}

/**
 * Check one fill against every rule but its time, in the order readFill checks them (INVALID_INPUT
 * on the first broken one); its multiplier. The matcher calls this, then checkedMs, once per fill.
 */
export function checkedMultiplier(f: Fill): number {
  if (typeof f !== 'object' || f === null) refuse({}, 'fill', 'must be an object');
  checkIds(f);
  checkAmounts(f);
  return multiplierOf(f, assetOf(f));
}

/** The fill's time in epoch ms; INVALID_INPUT unless it is an ISO 8601 time with a zone. */
export function checkedMs(f: Fill): number {
  const atMs = isoMs(f.at);
  if (!Number.isFinite(atMs)) refuse(f, 'at', 'must be an ISO 8601 time with a zone (2026-03-10T15:00:00Z)');
  return atMs;
}

const SAME_FIELDS = ['order_id', 'client_order_id', 'symbol', 'side', 'qty', 'price', 'fee', 'at', 'parent_order_id', 'asset_class', 'multiplier'] as const;

/** Refuse a second record of a fill (same id) that differs from the first in any field. */
export function checkSameFill(prior: Fill, f: Fill): void {
  const differs = SAME_FIELDS.find((k) =>
    k === 'at' ? isoMs(prior.at) !== isoMs(f.at) || isoSubMs(prior.at) !== isoSubMs(f.at) : (prior[k] ?? null) !== (f[k] ?? null),
  );
  if (differs) refuse(f, differs, `differs between two records of the same fill (${String(prior[differs])} vs ${String(f[differs])})`);
}

/**
 * One fill per id, first seen kept. The same id with a different field is refused: a broker never
 * re-prices a fill, so two versions mean one record is wrong and neither can be trusted.
 */
export function dedupeFills<F extends Fill>(fills: readonly F[]): F[] {
  const seen = new Map<string, F>();
  for (const f of fills) {
    const prior = seen.get(f.id);
    if (!prior) {
      seen.set(f.id, f);
      continue;
    }
    checkSameFill(prior, f);
  }
  return [...seen.values()];
}

/** Sorted by fill time, then id (ties broken the same way every time); a new array. */
export function sortFills<F extends Fill>(fills: readonly F[]): F[] {
  const keyed = fills.map((f) => ({ f, ms: isoMs(f.at), sub: isoSubMs(f.at) }));
  keyed.sort((a, b) => a.ms - b.ms || a.sub - b.sub || (a.f.id < b.f.id ? -1 : a.f.id > b.f.id ? 1 : 0));
  return keyed.map((k) => k.f);
}

/** Check, dedupe and sort: the fills as matching reads them. */
export function prepareFills(fills: readonly Fill[]): ReadFill[] {
  const read = fills.map(readFill);
  const unique = dedupeFills(read);
  unique.sort((a, b) => a.atMs - b.atMs || a.atSubMs - b.atSubMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return unique;
}
