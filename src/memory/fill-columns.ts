/**
 * Fills as the matcher holds them: the fill objects as given (not copied: their strings are the
 * trips' ids) beside typed columns of what matching derives from each once, in integer units
 * (money.ts): time in ms and the fraction below, quantity in nano-units, cash and fee in
 * micro-dollars, the multiplier, and flags (side, fee known, mleg leg). One index per fill; no
 * object per fill, so 100k fills leave the garbage collector little to trace or copy.
 *
 * @example const i = cols.push(fill); cols.cash[i] // qty × price × multiplier in micro-dollars
 */
import { checkedMs, checkedMultiplier, type Fill, isoSubMs } from './fills.js';
import { cashMicros, priceMicros, qtyNanos } from './money.js';

/** Flag bits of a fill. */
export const SELL = 1;
export const FEE_KNOWN = 2;
export const LEG = 4;

/** `a` with room for at least `need` elements (doubling), its values kept. */
export function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  let size = Math.max(64, a.length * 2);
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export class FillColumns {
  readonly fills: Fill[] = [];
  /** The order a decision is attributed to: the mleg parent for a leg, else the order itself. */
  readonly decision: string[] = [];
  atMs = new Float64Array(0);
  /** The fraction of a millisecond below atMs (microseconds and finer): orders fills within one ms. */
  atSub = new Float64Array(0);
  nanos = new Float64Array(0);
  /** qty × price × multiplier, rounded half up to the micro-dollar once. */
  cash = new Float64Array(0);
  /** The fee in micro-dollars; 0 when the broker did not say (FEE_KNOWN unset). */
  fee = new Float64Array(0);
  multiplier = new Float64Array(0);
  flags = new Uint8Array(0);

  get length(): number {
    return this.fills.length;
  }

  /** Check one fill (INVALID_INPUT on any broken rule, nothing stored then) and append it; its index. */
  push(f: Fill): number {
    const multiplier = checkedMultiplier(f);
    const atMs = checkedMs(f);
    const i = this.next();
    const parent = f.parent_order_id ?? null;
    const nanos = qtyNanos(f.qty);
    this.atMs[i] = atMs;
    this.atSub[i] = isoSubMs(f.at);
    this.nanos[i] = nanos;
    this.cash[i] = cashMicros(nanos, priceMicros(f.price), multiplier);
    this.fee[i] = f.fee === null ? 0 : priceMicros(f.fee);
    this.multiplier[i] = multiplier;
    this.flags[i] = (f.side === 'sell' ? SELL : 0) | (f.fee !== null ? FEE_KNOWN : 0) | (parent !== null ? LEG : 0);
    this.fills.push(f);
    this.decision.push(parent ?? f.order_id);
    return i;
  }

  /** The matching order of fills i and j: time (to the microsecond and below), then id. */
  compare(i: number, j: number): number {
    const a = this.fills[i]!.id;
    const b = this.fills[j]!.id;
    return this.atMs[i]! - this.atMs[j]! || this.atSub[i]! - this.atSub[j]! || (a < b ? -1 : a > b ? 1 : 0);
  }

  /** The same fills in matching order (a fill came late), derived values copied, not recomputed. */
  sorted(): FillColumns {
    const order = Array.from({ length: this.length }, (_, i) => i).sort((i, j) => this.compare(i, j));
    const out = new FillColumns();
    for (const i of order) {
      const k = out.next();
      out.atMs[k] = this.atMs[i]!;
      out.atSub[k] = this.atSub[i]!;
      out.nanos[k] = this.nanos[i]!;
      out.cash[k] = this.cash[i]!;
      out.fee[k] = this.fee[i]!;
      out.multiplier[k] = this.multiplier[i]!;
      out.flags[k] = this.flags[i]!;
      out.fills.push(this.fills[i]!);
      out.decision.push(this.decision[i]!);
    }
    return out;
  }

  /** A fill's time as toISOString writes it; the fill's own text when it is already that form. */
  iso(i: number): string {
    const at = this.fills[i]!.at;
    return at.length === 24 && at[23] === 'Z' && at[19] === '.' ? at : new Date(this.atMs[i]!).toISOString();
  }

  /** The index the next fill takes, with room for it in every column. */
  private next(): number {
    const i = this.fills.length;
    if (i >= this.atMs.length) this.reserve(i + 1);
    return i;
  }

  /** Room for `need` fills in every column (one resize before a large batch). */
  reserve(need: number): void {
    if (need > this.atMs.length) {
      this.atMs = grown(this.atMs, need);
      this.atSub = grown(this.atSub, need);
      this.nanos = grown(this.nanos, need);
      this.cash = grown(this.cash, need);
      this.fee = grown(this.fee, need);
      this.multiplier = grown(this.multiplier, need);
      this.flags = grown(this.flags, need);
    }
  }
}
