/**
 * The PostgreSQL ledger's read-only reports (src/llm/ledger/postgres.ts): spend grouped by tier, model or
 * tool, by tier × model, usage anomalies, and the call rows — the same queries as the SQLite ledger's.
 */
import { query, type PgPool } from '../../store/postgres/pool.js';
import { type CallRow, type GroupRow, type TierModelRow, type TierModelSums, tierModelRowOf } from '../ledger.js';

const CALL_COLUMNS = `id, call_id, attempt, at, day, month, tool, tier, model_requested, model_served, route, downgrade_step, state,
  reserved_nano, cost_nano, input_tokens, cached_tokens, output_tokens, reasoning_tokens, latency_ms, outcome, error, pid, usage_anomaly, provider`;

export async function groupBy(pool: PgPool, column: 'tier' | 'model' | 'tool', period: { day: string } | { month: string }): Promise<GroupRow[]> {
  const col = column === 'model' ? 'COALESCE(model_served, model_requested)' : column;
  const [where, args] = 'day' in period ? ['month = $1 AND day = $2', [period.day.slice(0, 7), period.day]] : ['month = $1', [period.month]];
  return query<GroupRow>(
    pool,
    `SELECT ${col} AS key, COUNT(DISTINCT call_id)::int AS calls, COUNT(*)::int AS attempts,
       SUM(CASE WHEN state IN ('released','refused') OR outcome LIKE 'rejected_%' THEN 1 ELSE 0 END)::int AS failed,
       SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE cost_nano END) AS cost_nano,
       SUM(input_tokens) AS input_tokens, SUM(cached_tokens) AS cached_tokens,
       SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens
     FROM llm_calls WHERE ${where} GROUP BY ${col} ORDER BY cost_nano DESC, key`,
    args,
  );
}

export async function groupByTierModel(pool: PgPool, period: { month: string }): Promise<TierModelRow[]> {
  const rows = await query<TierModelSums>(
    pool,
    `SELECT tier, COALESCE(model_served, model_requested) AS model, COUNT(DISTINCT call_id)::int AS calls,
       SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE cost_nano END) AS cost_nano,
       SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens
     FROM llm_calls WHERE month = $1 GROUP BY tier, COALESCE(model_served, model_requested) ORDER BY tier, model`,
    [period.month],
  );
  return rows.map(tierModelRowOf);
}

export async function anomalies(
  pool: PgPool,
  period: { day: string; month: string },
  limit: number,
): Promise<{ today: number; month: number; recent: CallRow[] }> {
  const [count] = await query<{ today: number; month: number }>(
    pool,
    `SELECT COUNT(*) FILTER (WHERE day = $1)::int AS today, COUNT(*)::int AS month FROM llm_calls WHERE month = $2 AND usage_anomaly IS NOT NULL`,
    [period.day, period.month],
  );
  const recent = await query<CallRow>(pool, `SELECT ${CALL_COLUMNS} FROM llm_calls WHERE month = $1 AND usage_anomaly IS NOT NULL ORDER BY id DESC LIMIT $2`, [
    period.month,
    limit,
  ]);
  return { today: count?.today ?? 0, month: count?.month ?? 0, recent };
}

export function recent(pool: PgPool, limit: number): Promise<CallRow[]> {
  return query<CallRow>(pool, `SELECT ${CALL_COLUMNS} FROM llm_calls ORDER BY id DESC LIMIT $1`, [limit]);
}

export function rowsForCall(pool: PgPool, callId: string): Promise<CallRow[]> {
  return query<CallRow>(pool, `SELECT ${CALL_COLUMNS} FROM llm_calls WHERE call_id = $1 ORDER BY attempt, id`, [callId]);
}
