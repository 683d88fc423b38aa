/**
 * The reference matcher's fill entry (the object-per-fill matcher trade memory shipped before the
 * columnar one): a checked fill and what matching derives from it, in integer units.
 */
import { checkedMs, checkedMultiplier, type Fill, isoSubMs } from '../../../src/memory/fills.js';
import { cashMicros, priceMicros, qtyNanos } from '../../../src/memory/money.js';

/**
 * A checked fill as the matcher holds it: the fill itself (not copied) and what matching derives
 * from it once, in integer units (money.ts): quantity in nano-units, cash and fee in micro-dollars.
 */
export class FillEntry {
  constructor(
    readonly fill: Fill,
    readonly atMs: number,
    /** The fraction of a millisecond below atMs (microseconds and finer): orders fills within one ms. */
    readonly atSubMs: number,
    readonly multiplier: number,
    readonly parent: string | null,
    /** The order a decision is attributed to: the mleg parent for a leg, else the order itself. */
    readonly decisionId: string,
    readonly nanos: number,
    /** qty × price × multiplier, rounded half up to the micro-dollar once. */
    readonly cash: number,
    /** The fee in micro-dollars; 0 when the broker did not say (feeKnown false). */
    readonly fee: number,
    readonly feeKnown: boolean,
  ) {}
}

/** Check one fill (INVALID_INPUT on any broken rule) and derive its entry. */
export function entryOf(f: Fill): FillEntry {
  const multiplier = checkedMultiplier(f);
  const atMs = checkedMs(f);
  const parent = f.parent_order_id ?? null;
  const nanos = qtyNanos(f.qty);
  return new FillEntry(
    f,
    atMs,
    isoSubMs(f.at),
    multiplier,
    parent,
    parent ?? f.order_id,
    nanos,
    cashMicros(nanos, priceMicros(f.price), multiplier),
    f.fee === null ? 0 : priceMicros(f.fee),
    f.fee !== null,
  );
}

/** The matching order of fills: time (to the microsecond and below), then id. */
export const compareEntries = (a: FillEntry, b: FillEntry): number =>
  a.atMs - b.atMs || a.atSubMs - b.atSubMs || (a.fill.id < b.fill.id ? -1 : a.fill.id > b.fill.id ? 1 : 0);
