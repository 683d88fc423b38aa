/**
 * Rows of trade memory into its values, the same on both stores: a fill from its raw column tuple,
 * a metadata row (tags text parsed once per distinct value, one frozen regime per trend × volatility).
 */
import type { Fill } from '../fills.js';
import type { Regime } from '../trips.js';
import type { MetaSinceRow, StoredMeta } from './contract.js';

/** The columns of a fill after its row counter, in this order (both stores select them so). */
export const FILL_COLUMNS = 'id, order_id, client_order_id, symbol, side, qty, price, fee, at, parent_order_id, asset_class, multiplier';

export type FillTuple = [
  row: number,
  id: string,
  order_id: string,
  client_order_id: string,
  symbol: string,
  side: Fill['side'],
  qty: number,
  price: number,
  fee: number | null,
  at: string,
  parent_order_id: string | null,
  asset_class: NonNullable<Fill['asset_class']> | null,
  multiplier: number | null,
];

/** The columns of a metadata row after client_order_id and its seq. */
export const META_COLUMNS = 'strategy, tags, rationale, audit_id, regime_state, regime_trend, regime_volatility';

export type MetaTuple = [
  client_order_id: string,
  seq: number,
  strategy: string | null,
  tags: string,
  rationale: string | null,
  audit_id: string | null,
  regime_state: StoredMeta['regime_state'],
  regime_trend: string | null,
  regime_volatility: string | null,
];

export interface MetaRow {
  strategy: string | null;
  tags: string;
  rationale: string | null;
  audit_id: string | null;
  regime_state: StoredMeta['regime_state'];
  regime_trend: string | null;
  regime_volatility: string | null;
}

export function metaOf(r: MetaRow): StoredMeta {
  const regime: Regime | null = r.regime_state === 'set' ? { trend: r.regime_trend, volatility: r.regime_volatility } : null;
  return { strategy: r.strategy, tags: JSON.parse(r.tags) as string[], rationale: r.rationale, audit_id: r.audit_id, regime, regime_state: r.regime_state };
}

/**
 * FILL_COLUMNS with the side as a number where it is one of the two (0 buy, 1 sell: no string made
 * per row), else the stored text as it is, so a row that holds anything else is still refused by
 * the matcher's checks. SQLite reads fills so (sqlite.ts); `fillOf(r, SIDES[r[5]] ?? r[5])`.
 */
export const FILL_COLUMNS_SIDE_CODED = FILL_COLUMNS.replace(' side,', " CASE side WHEN 'buy' THEN 0 WHEN 'sell' THEN 1 ELSE side END,");

/** A tuple of FILL_COLUMNS_SIDE_CODED: FillTuple with the side coded (0 buy, 1 sell) or the stored text. */
export type CodedFillTuple = [
  row: number,
  id: string,
  order_id: string,
  client_order_id: string,
  symbol: string,
  side: 0 | 1 | string,
  qty: number,
  price: number,
  fee: number | null,
  at: string,
  parent_order_id: string | null,
  asset_class: NonNullable<Fill['asset_class']> | null,
  multiplier: number | null,
];

/** The side a coded tuple stands for (by its code). */
export const SIDES: readonly Fill['side'][] = ['buy', 'sell'];

/** A fill from its raw row, with its side (decoded by the caller when coded). */
export function fillOf(r: FillTuple | CodedFillTuple, side: Fill['side']): Fill {
  const f: Fill = {
    id: r[1],
    order_id: r[2],
    client_order_id: r[3],
    symbol: r[4],
    side,
    qty: r[6],
    price: r[7],
    fee: r[8],
    at: r[9],
    parent_order_id: r[10],
  };
  if (r[11] !== null) f.asset_class = r[11];
  if (r[12] !== null) f.multiplier = r[12];
  return f;
}

/** Fills built straight from raw rows (100k at a cold start), with the last row read. */
export function fillsOf(rows: readonly FillTuple[], after: number): { fills: Fill[]; lastRow: number } {
  const fills = new Array<Fill>(rows.length);
  let lastRow = after;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    lastRow = r[0];
    fills[i] = fillOf(r, r[5]);
  }
  return { fills, lastRow };
}

/** One frozen regime per trend × volatility read (trips share it: trip-meta.ts). */
function sharedRegime(regimes: Map<string | null, Map<string | null, Regime>>, trend: string | null, volatility: string | null): Regime {
  let byVolatility = regimes.get(trend);
  if (byVolatility === undefined) {
    byVolatility = new Map();
    regimes.set(trend, byVolatility);
  }
  let regime = byVolatility.get(volatility);
  if (regime === undefined) {
    regime = Object.freeze({ trend, volatility });
    byVolatility.set(volatility, regime);
  }
  return regime;
}

/**
 * Metadata rows built into one literal each as they are read (an array of raw rows, or SQLite's
 * rows as they are stepped), the tags text parsed once per distinct value (a cold start reads one
 * row per order: ~100k); rows sharing a tags text share one frozen array, rows sharing
 * a regime one frozen regime.
 */
export function metaRowsOf(raw: Iterable<MetaTuple>, afterSeq: number): { rows: MetaSinceRow[]; lastSeq: number } {
  const tagsOf = new Map<string, readonly string[]>();
  const regimes = new Map<string | null, Map<string | null, Regime>>();
  const rows: MetaSinceRow[] = [];
  let lastSeq = afterSeq;
  for (const r of raw) {
    let tags = tagsOf.get(r[3]);
    if (tags === undefined) {
      tags = Object.freeze(JSON.parse(r[3]) as string[]);
      tagsOf.set(r[3], tags);
    }
    lastSeq = r[1];
    rows.push({
      client_order_id: r[0],
      strategy: r[2],
      tags,
      rationale: r[4],
      audit_id: r[5],
      regime: r[6] === 'set' ? sharedRegime(regimes, r[7], r[8]) : null,
      regime_state: r[6],
    });
  }
  return { rows, lastSeq };
}
