/**
 * Closed round trips as rows a filter, the aggregates, the sampler and the live view read field by
 * field, without a trip object each: the matcher's columns (trip-table.ts) or, for a plain list of
 * trips, `arrayRows`. `at(k)` gives the trip itself (built on first read by the matcher's table).
 *
 * @example const rows = arrayRows(trips); for (let k = 0; k < rows.length; k++) rows.pnlMicros(k)
 */
import { setMeta } from './trip-meta.js';
import type { MatchResult, Regime, RoundTrip, TradeMeta } from './trips.js';

export interface TripRows<T = RoundTrip> {
  readonly length: number;
  /** The trip as get_trade_memory lists it. */
  at(k: number): T;
  /** `<kind>:<fill id>`. */
  id(k: number): string;
  /** The order of two trips' ids (a string comparison), without building them where that can be avoided. */
  compareIds(j: number, k: number): number;
  symbol(k: number): string;
  underlying(k: number): string;
  /** Whether `symbol` is one of the trip's legs. */
  hasLeg(k: number, symbol: string): boolean;
  strategy(k: number): string | null;
  regime(k: number): Regime | null;
  openingClientOrderId(k: number): string;
  /** realized_pnl in micro-dollars (exact). */
  pnlMicros(k: number): number;
  /** Epoch ms of closed_at (Date.parse of it). */
  closedAtMs(k: number): number;
  feesComplete(k: number): boolean;
  /** Set (or clear) the trip's metadata fields. */
  setMeta(k: number, meta: TradeMeta | null | undefined): void;
}

/** The fields of a trip the rows read. */
export type Tripish = Pick<RoundTrip, 'id' | 'symbol' | 'underlying' | 'legs' | 'strategy' | 'regime' | 'closed_at' | 'realized_pnl' | 'fees_complete'>;

/** Rows over trip objects already built. */
class ArrayRows<T extends Tripish> implements TripRows<T> {
  constructor(private readonly trips: readonly T[]) {}

  get length(): number {
    return this.trips.length;
  }

  at(k: number): T {
    return this.trips[k]!;
  }

  id(k: number): string {
    return this.trips[k]!.id;
  }

  compareIds(j: number, k: number): number {
    const a = this.trips[j]!.id;
    const b = this.trips[k]!.id;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  symbol(k: number): string {
    return this.trips[k]!.symbol;
  }

  underlying(k: number): string {
    return this.trips[k]!.underlying;
  }

  hasLeg(k: number, symbol: string): boolean {
    return this.trips[k]!.legs.includes(symbol);
  }

  strategy(k: number): string | null {
    return this.trips[k]!.strategy;
  }

  regime(k: number): Regime | null {
    return this.trips[k]!.regime;
  }

  openingClientOrderId(k: number): string {
    return (this.trips[k] as Partial<RoundTrip>).opening_client_order_id ?? '';
  }

  pnlMicros(k: number): number {
    return Math.round(this.trips[k]!.realized_pnl * 1_000_000);
  }

  closedAtMs(k: number): number {
    return Date.parse(this.trips[k]!.closed_at);
  }

  feesComplete(k: number): boolean {
    return this.trips[k]!.fees_complete;
  }

  setMeta(k: number, meta: TradeMeta | null | undefined): void {
    setMeta(this.trips[k]! as unknown as RoundTrip, meta);
  }
}

export function arrayRows<T extends Tripish>(trips: readonly T[]): TripRows<T> {
  return new ArrayRows(trips);
}

/** Rows as given, or over a list of trips. */
export function rowsOf(trips: readonly Tripish[] | TripRows<unknown>): TripRows<unknown> {
  return Array.isArray(trips) ? arrayRows(trips as readonly Tripish[]) : (trips as TripRows<unknown>);
}

/** A match result of trip objects given its rows (`closed`, `closedLegs`: not enumerable, as the matcher's). */
export function withRows(result: Omit<MatchResult, 'closed' | 'closedLegs'>): MatchResult {
  Object.defineProperty(result, 'closed', { value: arrayRows(result.trips), enumerable: false });
  Object.defineProperty(result, 'closedLegs', { value: arrayRows(result.legTrips), enumerable: false });
  return result as MatchResult;
}
