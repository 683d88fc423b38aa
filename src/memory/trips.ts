/**
 * The shapes trade memory hands out: a closed round trip, a still-open one, an open lot, and the
 * metadata (strategy, tags, rationale, market regime at entry) attached by opening order. Every
 * money field is in dollars and is an exact multiple of 1e-6 (computed in integer micro-dollars,
 * see money.ts); prices are per share (an option's premium quote, before the ×100 multiplier).
 */

import type { TripRows } from './trip-rows.js';

/** The market regime at entry, as the technicals named it (e.g. trend 'up', volatility 'high'). */
export interface Regime {
  trend: string | null;
  volatility: string | null;
}

/** What the placing agent said about the opening order (SPEC §13); not part of any fill. */
export interface TradeMeta {
  strategy?: string | null;
  tags?: readonly string[];
  rationale?: string | null;
  regime?: Regime | null;
}

/** Finds the metadata of an opening order; `order_id` is the mleg parent for a multi-leg order. */
export type MetaLookup = (opening: { order_id: string; client_order_id: string }) => TradeMeta | null | undefined;

/**
 * - `single`: the fills of one opening order in one symbol (equity, or one option by OCC symbol);
 * - `leg`: one leg of a multi-leg opening order, matched on its own symbol like a single;
 * - `position`: every leg of one multi-leg opening order together (an iron condor as one trade).
 * `single` and `position` are the decisions an agent made: count those; `leg` is the detail.
 */
export type TripKind = 'single' | 'leg' | 'position';

export interface TripFacts {
  /** `<kind>:<id of the first opening fill>`: stable across re-matching the same fills. */
  id: string;
  kind: TripKind;
  /** The traded symbol; for a position, its underlying. */
  symbol: string;
  /** The equity itself, an option's root, a position's underlying ('A/B' when legs differ). */
  underlying: string;
  /** The symbols traded: the OCC legs of a position, else [symbol]. */
  legs: string[];
  /** long: bought to open (a position: opened for a net debit); short: sold to open (net credit). */
  direction: 'long' | 'short';
  /** Units opened: shares or contracts; for a position, spreads (the gcd of its legs' quantities). */
  qty: number;
  /** Units per contract: 1 for shares, 100 for standard options (a position: its legs', else 1). */
  multiplier: number;
  /**
   * Average opening price per share; for a position the net premium per spread per share (the debit
   * paid when long, the credit received when short), like an mleg limit price.
   */
  entry_price: number;
  opened_at: string;
  opening_order_id: string;
  opening_client_order_id: string;
  /** Realized P&L of what has closed so far, after the fees known for those fills. */
  realized_pnl: number;
  /** Fees counted in realized_pnl. */
  fees: number;
  /** False when a fill involved had no fee reported (realized_pnl may then be overstated). */
  fees_complete: boolean;
  strategy: string | null;
  tags: string[];
  rationale: string | null;
  regime: Regime | null;
}

/** A closed round trip: open → flat, FIFO per symbol. */
export interface RoundTrip extends TripFacts {
  /** Average closing price per share; a position: net premium per spread per share (credit when long, debit when short). */
  exit_price: number;
  closed_at: string;
  holding_seconds: number;
  closing_order_ids: string[];
  /** Every fill that opened or closed part of this trip, in time order. */
  fill_ids: string[];
}

/** The remaining quantity of one opening fill, first in first out within its symbol. */
export interface OpenLot {
  symbol: string;
  direction: 'long' | 'short';
  qty: number;
  price: number;
  multiplier: number;
  /** The remaining opening cash of this lot (paid when long, received when short), in dollars. */
  cost: number;
  /** The remaining share of the opening fill's fee, in dollars. */
  fees: number;
  fee_known: boolean;
  opened_at: string;
  fill_id: string;
  order_id: string;
  opening_order_id: string;
  client_order_id: string;
}

/** A decision still open: realized so far (partial closes) and the lots that remain. */
export interface OpenTrip extends TripFacts {
  qty_open: number;
  qty_closed: number;
  lots: OpenLot[];
}

export interface MatchResult {
  /** Closed decisions (single and position), in the order they closed (the matcher's: built on first read, every one). */
  trips: RoundTrip[];
  /** Closed legs of multi-leg opening orders, each on its own symbol, in the order they closed. */
  legTrips: RoundTrip[];
  /**
   * The same closed trips as rows (trip-rows.ts: read field by field, an object only for what is
   * listed); not enumerable, so a copy or JSON of the result is its trips.
   */
  readonly closed: TripRows;
  readonly closedLegs: TripRows;
  /** Decisions (single and position) with quantity still open. */
  open: OpenTrip[];
  /** Every open lot, by symbol then FIFO order. */
  lots: OpenLot[];
}
