/**
 * The PostgreSQL ledger's period rows (src/llm/ledger/postgres.ts): which `llm_totals` rows a view shows,
 * a reservation locks and bumps, and must exist first; and the hourly confirmations' one lock.
 */
import type { PgClient } from '../../store/postgres/pool.js';
import { CONFIRMATIONS_ROW } from './pg-functions.js';

/** SQLSTATE of ledger_lock (and the locked path) when a period row to lock is missing (no_data_found). */
export const PERIOD_ROWS_MISSING = 'P0002';

export const rowsMissing = (periods: string[] | string): Error =>
  Object.assign(new Error(`ledger period rows missing: ${periods}`), { code: PERIOD_ROWS_MISSING });

/** The periods a view shows, in the order ledger_totals returns them. */
export const viewPeriodsOf = (k: { day: string; month: string }): string[] => [`critical-day:${k.day}`, `day:${k.day}`, `month:${k.month}`];

/** The periods a reservation locks and bumps, sorted (the lock order). */
export const periodsOf = (r: { day: string; month: string; tier: string }): string[] =>
  [`day:${r.day}`, `month:${r.month}`, ...(r.tier === 'critical' ? [`critical-day:${r.day}`] : [])].sort();

/** The rows a reservation needs: its periods, and the confirmations row for a critical call. */
export const ensuredOf = (r: { day: string; month: string; tier: string }): string[] => [
  ...periodsOf(r),
  ...(r.tier === 'critical' ? [CONFIRMATIONS_ROW] : []),
];

/** The hourly confirmation count's one lock, as ledger_reserve takes it: before the dated rows (which sort after it). */
export async function lockConfirmations(c: PgClient): Promise<void> {
  const { rowCount } = await c.query('SELECT 1 FROM llm_totals WHERE period = $1 FOR UPDATE', [CONFIRMATIONS_ROW]);
  if (!rowCount) throw rowsMissing(CONFIRMATIONS_ROW);
}
