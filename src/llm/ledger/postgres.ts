/**
 * The ledger on the shared PostgreSQL (SPEC §16): the same rows and semantics as the SQLite ledger, for
 * any number of server processes on any hosts.
 *
 * Transaction design (no overshoot): READ COMMITTED with a row lock on each per-period budget row, not
 * SERIALIZABLE. Every reservation writes the same one or three rows (`day:`, `month:`, and
 * `critical-day:` for critical calls), so under SERIALIZABLE nearly every concurrent pair would conflict
 * and be retried: wasted round trips and a tail that grows with the number of processes. `SELECT … FOR
 * UPDATE` queues the reservers instead (one round trip each, no retries); the totals they read are the
 * committed ones, no later reserver can read them until this one commits, so decide() never sees a stale
 * budget. Rows are always locked in one order (ORDER BY period) by reserve and settle alike, so they never
 * deadlock (withTransaction still retries a 40001/40P01). The lock is held for two round trips: the insert
 * and the bump go in one statement, then COMMIT.
 *
 * Settle and release are idempotent: the call row moves out of `reserved` in an UPDATE … WHERE state =
 * 'reserved' (a row lock), and the totals move only when that UPDATE matched.
 *
 * The critical tier's hourly confirmation count is read inside the reservation's lock on its
 * `critical-day:` row, so two replicas cannot both take the last confirmation of the hour.
 *
 * A database lost mid-run: every method throws ToolError STORE_UNAVAILABLE (withTransaction), so no
 * reservation, no paid call; the pool reconnects once the database answers again.
 */
import { budgetView, periodKeys, type LedgerView } from '../budget.js';
import { type PgClient, type PgPool, query, withTransaction } from '../../store/postgres/pool.js';
import {
  ABANDON_AFTER_MS,
  type BudgetLedger,
  type CallMeta,
  type CallRow,
  DEFAULT_CRITICAL_DAILY_NANO,
  type GroupRow,
  HOUR_MS,
  type LedgerBudgets,
  type Reservation,
  type ReserveDecision,
  type SettleInput,
  type TierModelRow,
  type TierModelSums,
  tierModelRowOf,
} from '../ledger.js';

type Db = PgPool | PgClient;

const INSERT_AND_BUMP = `
  WITH ins AS (
    INSERT INTO llm_calls (call_id, attempt, at, at_ms, day, month, tool, tier, model_requested, route, downgrade_step,
                           state, reserved_nano, cost_nano, outcome, error, pid, provider)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'reserved', $12, 0, 'pending', NULL, $13, $14) RETURNING id),
  bump AS (UPDATE llm_totals SET committed_nano = committed_nano + $12 WHERE period = ANY($15::text[]))
  SELECT id FROM ins`;

const CALL_COLUMNS = `id, call_id, attempt, at, day, month, tool, tier, model_requested, model_served, route, downgrade_step, state,
  reserved_nano, cost_nano, input_tokens, cached_tokens, output_tokens, reasoning_tokens, latency_ms, outcome, error, pid, usage_anomaly, provider`;

const periodsOf = (r: { day: string; month: string; tier: string }): string[] =>
  [`day:${r.day}`, `month:${r.month}`, ...(r.tier === 'critical' ? [`critical-day:${r.day}`] : [])].sort();

export class PgLedger implements BudgetLedger {
  readonly backend = 'postgres' as const;
  /** Period rows known to exist (created once per process; never deleted). */
  private readonly ensured = new Set<string>();

  private constructor(
    private readonly pool: PgPool,
    private readonly budgets: LedgerBudgets,
    private readonly now: () => Date,
    readonly where: string,
  ) {}

  /** The schema is migrated by openPostgres (store/postgres/migrations/ledger.ts); reservations older than 15 min are abandoned. */
  static async open(pool: PgPool, budgets: LedgerBudgets, o: { now?: () => Date; where?: string } = {}): Promise<PgLedger> {
    const ledger = new PgLedger(pool, budgets, o.now ?? (() => new Date()), o.where ?? 'postgres');
    await query(pool, `UPDATE llm_calls SET state = 'abandoned', cost_nano = reserved_nano, outcome = 'abandoned' WHERE state = 'reserved' AND at_ms < $1`, [
      ledger.now().getTime() - ABANDON_AFTER_MS,
    ]);
    return ledger;
  }

  private async ensurePeriods(periods: string[]): Promise<void> {
    const missing = periods.filter((p) => !this.ensured.has(p));
    if (!missing.length) return;
    await query(this.pool, `INSERT INTO llm_totals (period, committed_nano) SELECT unnest($1::text[]), 0 ON CONFLICT (period) DO NOTHING`, [missing]);
    for (const p of missing) this.ensured.add(p);
  }

  /** The totals of a day and month; `lock`: FOR UPDATE on the rows asked (sorted), inside a transaction. */
  private async viewAt(db: Db, now: Date, lock: string[] | null, withConfirmations: boolean): Promise<LedgerView> {
    const { day, month } = periodKeys(now);
    const periods = lock ?? [`critical-day:${day}`, `day:${day}`, `month:${month}`];
    const sql = `SELECT period, committed_nano FROM llm_totals WHERE period = ANY($1::text[]) ORDER BY period${lock ? ' FOR UPDATE' : ''}`;
    const rows = (await db.query<{ period: string; committed_nano: number }>(sql, [periods])).rows;
    const total = (p: string) => rows.find((r) => r.period === p)?.committed_nano ?? 0;
    const lockedCritical = lock ? lock.includes(`critical-day:${day}`) : true;
    const c = lockedCritical ? total(`critical-day:${day}`) : await this.totalOf(db, `critical-day:${day}`);
    const confirmations = withConfirmations ? await this.confirmationsSince(db, now.getTime() - HOUR_MS) : 0;
    const criticalBudget = this.budgets.criticalDailyNano ?? DEFAULT_CRITICAL_DAILY_NANO;
    return {
      ...budgetView(day, month, this.budgets.dailyNano, this.budgets.monthlyNano, total(`day:${day}`), total(`month:${month}`)),
      critical: { day, dailyBudgetNano: criticalBudget, committedNano: c, leftNano: criticalBudget - c, confirmationsLastHour: confirmations },
    };
  }

  private async totalOf(db: Db, period: string): Promise<number> {
    const r = await db.query<{ committed_nano: number }>('SELECT committed_nano FROM llm_totals WHERE period = $1', [period]);
    return r.rows[0]?.committed_nano ?? 0;
  }

  private async confirmationsSince(db: Db, sinceMs: number): Promise<number> {
    const r = await db.query<{ n: number }>(
      `SELECT COUNT(DISTINCT call_id) AS n FROM llm_calls WHERE tier = 'critical' AND at_ms >= $1 AND state <> 'refused'`,
      [sinceMs],
    );
    return r.rows[0]?.n ?? 0;
  }

  async view(): Promise<LedgerView> {
    return withTransaction(this.pool, (c) => this.viewAt(c, this.now(), null, true), { isolation: 'repeatable read' });
  }

  async reserve(meta: CallMeta, decide: (view: LedgerView) => ReserveDecision): Promise<Reservation> {
    const first = periodKeys(this.now());
    const periods = periodsOf({ ...first, tier: meta.tier });
    await this.ensurePeriods(periods);
    return withTransaction(this.pool, async (c) => {
      const now = this.now();
      const keys = periodKeys(now);
      // a reservation straddling midnight reads (and ensures) the new day's rows
      const lock = periodsOf({ ...keys, tier: meta.tier });
      if (lock.some((p) => !this.ensured.has(p))) await this.ensurePeriods(lock);
      const view = await this.viewAt(c, now, lock, meta.tier === 'critical');
      const decision = decide(view);
      const { rows } = await c.query<{ id: number }>(INSERT_AND_BUMP, [
        meta.callId,
        meta.attempt,
        now.toISOString(),
        now.getTime(),
        view.day,
        view.month,
        meta.tool,
        meta.tier,
        decision.model,
        decision.route,
        decision.step,
        decision.reserveNano,
        process.pid,
        decision.provider ?? 'gateway',
        lock,
      ]);
      return { rowId: Number(rows[0]!.id), decision, view };
    });
  }

  /** Lock the row's periods in the common order and move them by delta (inside the caller's transaction). */
  private async bump(c: PgClient, r: { day: string; month: string; tier: string }, deltaNano: number): Promise<void> {
    const periods = periodsOf(r);
    await c.query('SELECT 1 FROM llm_totals WHERE period = ANY($1::text[]) ORDER BY period FOR UPDATE', [periods]);
    await c.query('UPDATE llm_totals SET committed_nano = committed_nano + $2 WHERE period = ANY($1::text[])', [periods, deltaNano]);
  }

  async settle(rowId: number, s: SettleInput): Promise<LedgerView> {
    return withTransaction(this.pool, async (c) => {
      const { rows } = await c.query<{ day: string; month: string; tier: string; reserved_nano: number }>(
        `UPDATE llm_calls SET state = 'settled', model_served = $2, cost_nano = $3, input_tokens = $4, cached_tokens = $5, output_tokens = $6,
           reasoning_tokens = $7, latency_ms = $8, outcome = $9, error = $10, usage_anomaly = $11
         WHERE id = $1 AND state = 'reserved' RETURNING day, month, tier, reserved_nano`,
        [
          rowId,
          s.modelServed,
          s.costNano,
          s.inputTokens,
          s.cachedInputTokens,
          s.outputTokens,
          s.reasoningTokens,
          Math.round(s.latencyMs),
          s.outcome,
          s.error ?? null,
          s.usageAnomaly ?? null,
        ],
      );
      const row = rows[0];
      if (row && s.costNano !== row.reserved_nano) await this.bump(c, row, s.costNano - row.reserved_nano);
      return this.viewAt(c, this.now(), null, false);
    });
  }

  async release(rowId: number, r: { outcome: string; error?: string; latencyMs: number; modelServed?: string }): Promise<void> {
    await withTransaction(this.pool, async (c) => {
      const { rows } = await c.query<{ day: string; month: string; tier: string; reserved_nano: number }>(
        `UPDATE llm_calls SET state = 'released', model_served = $2, latency_ms = $3, outcome = $4, error = $5
         WHERE id = $1 AND state = 'reserved' RETURNING day, month, tier, reserved_nano`,
        [rowId, r.modelServed ?? null, Math.round(r.latencyMs), r.outcome, r.error ?? null],
      );
      const row = rows[0];
      if (row && row.reserved_nano !== 0) await this.bump(c, row, -row.reserved_nano);
    });
  }

  async refuse(meta: CallMeta, r: { modelRequested: string; outcome: string; error: string; step: number }): Promise<void> {
    const now = this.now();
    const { day, month } = periodKeys(now);
    await query(
      this.pool,
      `INSERT INTO llm_calls (call_id, attempt, at, at_ms, day, month, tool, tier, model_requested, route, downgrade_step,
                              state, reserved_nano, cost_nano, outcome, error, pid, provider)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'refused', $10, 'refused', 0, 0, $11, $12, $13, 'gateway')`,
      [
        meta.callId,
        meta.attempt,
        now.toISOString(),
        now.getTime(),
        day,
        month,
        meta.tool,
        meta.tier,
        r.modelRequested,
        r.step,
        r.outcome,
        r.error,
        process.pid,
      ],
    );
  }

  async groupBy(column: 'tier' | 'model' | 'tool', period: { day: string } | { month: string }): Promise<GroupRow[]> {
    const col = column === 'model' ? 'COALESCE(model_served, model_requested)' : column;
    const [where, args] = 'day' in period ? ['month = $1 AND day = $2', [period.day.slice(0, 7), period.day]] : ['month = $1', [period.month]];
    return query<GroupRow>(
      this.pool,
      `SELECT ${col} AS key, COUNT(DISTINCT call_id)::int AS calls, COUNT(*)::int AS attempts,
         SUM(CASE WHEN state IN ('released','refused') OR outcome LIKE 'rejected_%' THEN 1 ELSE 0 END)::int AS failed,
         SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE cost_nano END) AS cost_nano,
         SUM(input_tokens) AS input_tokens, SUM(cached_tokens) AS cached_tokens,
         SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens
       FROM llm_calls WHERE ${where} GROUP BY ${col} ORDER BY cost_nano DESC, key`,
      args,
    );
  }

  async groupByTierModel(period: { month: string }): Promise<TierModelRow[]> {
    const rows = await query<TierModelSums>(
      this.pool,
      `SELECT tier, COALESCE(model_served, model_requested) AS model, COUNT(DISTINCT call_id)::int AS calls,
         SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE cost_nano END) AS cost_nano,
         SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens
       FROM llm_calls WHERE month = $1 GROUP BY tier, COALESCE(model_served, model_requested) ORDER BY tier, model`,
      [period.month],
    );
    return rows.map(tierModelRowOf);
  }

  async anomalies(period: { day: string; month: string }, limit: number): Promise<{ today: number; month: number; recent: CallRow[] }> {
    const [count] = await query<{ today: number; month: number }>(
      this.pool,
      `SELECT COUNT(*) FILTER (WHERE day = $1)::int AS today, COUNT(*)::int AS month FROM llm_calls WHERE month = $2 AND usage_anomaly IS NOT NULL`,
      [period.day, period.month],
    );
    const recent = await query<CallRow>(
      this.pool,
      `SELECT ${CALL_COLUMNS} FROM llm_calls WHERE month = $1 AND usage_anomaly IS NOT NULL ORDER BY id DESC LIMIT $2`,
      [period.month, limit],
    );
    return { today: count?.today ?? 0, month: count?.month ?? 0, recent };
  }

  recent(limit: number): Promise<CallRow[]> {
    return query<CallRow>(this.pool, `SELECT ${CALL_COLUMNS} FROM llm_calls ORDER BY id DESC LIMIT $1`, [limit]);
  }

  rowsForCall(callId: string): Promise<CallRow[]> {
    return query<CallRow>(this.pool, `SELECT ${CALL_COLUMNS} FROM llm_calls WHERE call_id = $1 ORDER BY attempt, id`, [callId]);
  }

  /** The pool belongs to the process (store/postgres/index.ts closes it). */
  async close(): Promise<void> {}
}
