/**
 * The ledger on the shared PostgreSQL (SPEC §16): the same rows and semantics as the SQLite ledger, for
 * any number of server processes on any hosts.
 *
 * No overshoot, READ COMMITTED with a row lock on each per-period budget row (`day:`, `month:`, and
 * `critical-day:` for critical calls), not SERIALIZABLE: every reservation writes the same rows, so under
 * SERIALIZABLE nearly every concurrent pair would conflict and retry. Rows are always locked in one order
 * (ORDER BY period), by every function alike, so they never deadlock (a 40001/40P01 is retried anyway).
 *
 * Every operation is one statement, a function installed by migration ledger v2 (pg-functions.ts), so it
 * is its own transaction: no BEGIN/COMMIT round trips, and the period locks are held for the microseconds
 * of the check and the bump, never across a round trip to this process. A reservation is two statements:
 * the totals, read without a lock (or the totals this process's last statement returned, under a second
 * old, for a non-critical call), then decide(), then ledger_reserve, which locks the periods and commits
 * the decision only if their totals are still inside its bounds (bounds.ts: the same downgrade step, the
 * amount still fits, no more critical confirmations); else decide runs again on the totals read under the
 * lock. A refusal is always decided on totals read for it. After OPTIMISTIC_ATTEMPTS such misses (totals
 * moving under heavy contention each time) the reservation takes the locked transaction (reserveLocked),
 * which holds the locks across decide and always ends. Settle and release are one statement each.
 *
 * Settle and release are idempotent: the call row moves out of `reserved` in an UPDATE … WHERE state =
 * 'reserved' (a row lock), and the totals move only when that UPDATE matched.
 *
 * The critical tier's hourly confirmation count is checked under the lock of one undated row,
 * `critical-confirmations` (ledger v3), taken before the dated ones: an hour that spans New York's
 * midnight (and a month's end) spans two `critical-day:` rows, so that row could not serialise it; two
 * replicas cannot both take the last confirmation of the hour.
 *
 * Durability: commits wait for the server's synchronous_commit (leave it `on`, the default): a reservation
 * acknowledged and then lost in a server crash would let a paid call go uncounted, and the budget could be
 * overshot. The ledger does not set it: the test cluster runs with it and fsync off, production must not.
 *
 * A database lost mid-run: every method throws ToolError STORE_UNAVAILABLE, so no reservation, no paid
 * call; the pool reconnects once the database answers again.
 */
import { budgetView, periodKeys, type LedgerView } from '../budget.js';
import { type PgClient, type PgPool, query, statement, withTransaction } from '../../store/postgres/pool.js';
import { failClosedMethods } from '../../store/postgres/fail-closed.js';
import { reservationBounds } from './bounds.js';
import * as reports from './pg-reports.js';
import { ensuredOf, lockConfirmations, PERIOD_ROWS_MISSING, periodsOf, rowsMissing, viewPeriodsOf } from './pg-rows.js';
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
} from '../ledger.js';

type Db = PgPool | PgClient;

const INSERT_AND_BUMP = `
  WITH ins AS (
    INSERT INTO llm_calls (call_id, attempt, at, at_ms, day, month, tool, tier, model_requested, route, downgrade_step,
                           state, reserved_nano, cost_nano, outcome, error, pid, provider)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'reserved', $12, 0, 'pending', NULL, $13, $14) RETURNING id),
  bump AS (UPDATE llm_totals SET committed_nano = committed_nano + $12 WHERE period = ANY($15::text[]))
  SELECT id FROM ins`;

/** Named: prepared once per connection (the hot path is bind + execute). */
const TOTALS = { name: 'ledger_totals', text: 'SELECT totals, confirmations FROM ledger_totals($1::text[], $2::bigint)' };
const RESERVE = {
  name: 'ledger_reserve',
  text: `SELECT id, totals, confirmations FROM ledger_reserve($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint, $6::integer, $7::bigint,
           $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
};
const SETTLE = {
  name: 'ledger_settle',
  text: 'SELECT ledger_settle($1::bigint, $2, $3::bigint, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::integer, $9, $10, $11, $12::text[]) AS totals',
};
const RELEASE = { name: 'ledger_release', text: 'SELECT ledger_release($1::bigint, $2, $3::integer, $4, $5) AS released' };

/** Unlocked reads decided on before the locked path is taken (contention moving the totals out of bounds each time). */
const OPTIMISTIC_ATTEMPTS = 4;

/** How long the totals of this process's last ledger statement stand in for a read before a non-critical reserve. */
const REUSE_VIEW_MS = 1_000;

interface Totals {
  /** int8[] arrives as strings. */
  totals: Array<string | number>;
  confirmations: number;
}

export class PgLedger implements BudgetLedger {
  readonly backend = 'postgres' as const;
  /** Period rows known to exist (created once per process; forgotten when a reserve finds one gone). */
  private readonly ensured = new Set<string>();
  /** The shared totals this process read last (a settle's, a reservation's), for the next non-critical reserve. */
  private last: { at: number; day: string; month: string; totals: Totals } | null = null;

  private constructor(
    private readonly pool: PgPool,
    private readonly budgets: LedgerBudgets,
    private readonly now: () => Date,
    readonly where: string,
    private readonly optimisticAttempts: number,
  ) {}

  /** The schema is migrated by openPostgres (store/postgres/migrations/ledger.ts); reservations older than 15 min are abandoned. */
  static async open(
    pool: PgPool,
    budgets: LedgerBudgets,
    o: { now?: () => Date; where?: string /** 0: every reservation takes the locked transaction (tests). */; optimisticAttempts?: number } = {},
  ): Promise<PgLedger> {
    const ledger = new PgLedger(pool, budgets, o.now ?? (() => new Date()), o.where ?? 'postgres', o.optimisticAttempts ?? OPTIMISTIC_ATTEMPTS);
    await query(pool, `UPDATE llm_calls SET state = 'abandoned', cost_nano = reserved_nano, outcome = 'abandoned' WHERE state = 'reserved' AND at_ms < $1`, [
      ledger.now().getTime() - ABANDON_AFTER_MS,
    ]);
    // any database error of a money operation (a statement timeout, a read-only standby, retries spent) is
    // STORE_UNAVAILABLE, not a raw driver error answered INTERNAL: the call is refused either way
    return failClosedMethods(ledger, 'the budget ledger', ['view', 'reserve', 'settle', 'release', 'refuse']);
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
    // a locked row missing would take a reservation counted nowhere: as ledger_lock, refuse with P0002
    if (lock && rows.length !== lock.length) throw rowsMissing(lock);
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

  private remember(keys: { day: string; month: string }, totals: Totals): Totals {
    this.last = { at: performance.now(), ...keys, totals };
    return totals;
  }

  /**
   * The last totals read, when younger than REUSE_VIEW_MS and of the same day: a non-critical reserve
   * decides on them without reading (ledger_reserve's bounds still check them under the lock).
   */
  private reusable(keys: { day: string; month: string }): LedgerView | null {
    const l = this.last;
    if (!l || l.day !== keys.day || l.month !== keys.month || performance.now() - l.at > REUSE_VIEW_MS) return null;
    return this.viewFrom(keys, l.totals);
  }

  /** A view from ledger_totals' answer for the periods of `viewPeriodsOf(keys)`. */
  private viewFrom(keys: { day: string; month: string }, t: Totals): LedgerView {
    const [c, d, m] = t.totals.map(Number) as [number, number, number];
    const criticalBudget = this.budgets.criticalDailyNano ?? DEFAULT_CRITICAL_DAILY_NANO;
    return {
      ...budgetView(keys.day, keys.month, this.budgets.dailyNano, this.budgets.monthlyNano, d, m),
      critical: { day: keys.day, dailyBudgetNano: criticalBudget, committedNano: c, leftNano: criticalBudget - c, confirmationsLastHour: t.confirmations },
    };
  }

  /**
   * Two statements, no transaction: the totals (unlocked), decide, then ledger_reserve inserts it only
   * if the locked totals are still inside the decision's bounds (bounds.ts); else decide again on the
   * totals it read under the lock. After OPTIMISTIC_ATTEMPTS misses, the locked transaction.
   */
  async reserve(meta: CallMeta, decide: (view: LedgerView) => ReserveDecision): Promise<Reservation> {
    try {
      return await this.reserveOnce(meta, decide);
    } catch (err) {
      if ((err as { code?: string }).code !== PERIOD_ROWS_MISSING) throw err;
      // the period rows this process created are gone (the database recreated or truncated under it):
      // forget them and create them again, once; anything else, or a second miss, fails closed
      this.ensured.clear();
      this.last = null;
      return this.reserveOnce(meta, decide);
    }
  }

  private async reserveOnce(meta: CallMeta, decide: (view: LedgerView) => ReserveDecision): Promise<Reservation> {
    const now = this.now();
    const keys = periodKeys(now);
    const critical = meta.tier === 'critical';
    await this.ensurePeriods(ensuredOf({ ...keys, tier: meta.tier }));
    const viewPeriods = viewPeriodsOf(keys);
    const since = critical ? now.getTime() - HOUR_MS : null;
    if (this.optimisticAttempts === 0) return this.reserveLocked(meta, decide);
    const read = async (): Promise<LedgerView> =>
      this.viewFrom(keys, this.remember(keys, (await statement<Totals>(this.pool, TOTALS, [viewPeriods, since]))[0]!));
    const reused = critical ? null : this.reusable(keys);
    let view = reused ?? (await read());
    let fresh = reused === null;
    for (let attempt = 0; attempt < this.optimisticAttempts; ) {
      let decision: ReserveDecision;
      try {
        decision = decide(view);
      } catch (err) {
        if (fresh) throw err;
        // a refusal is made on totals read now: a reused view may predate money given back
        view = await read();
        fresh = true;
        continue;
      }
      attempt++;
      const bounds = reservationBounds(view, decision.reserveNano, critical);
      const [r] = await statement<Totals & { id: number | null }>(this.pool, RESERVE, [
        bounds.map((b) => b.period),
        bounds.map((b) => b.lo),
        bounds.map((b) => b.hi),
        viewPeriods,
        since,
        critical ? view.critical.confirmationsLastHour : null,
        decision.reserveNano,
        meta.callId,
        meta.attempt,
        now.toISOString(),
        now.getTime(),
        keys.day,
        keys.month,
        meta.tool,
        meta.tier,
        decision.model,
        decision.route,
        decision.step,
        process.pid,
        decision.provider ?? 'gateway',
      ]);
      if (!critical && r!.totals) this.remember(keys, r!);
      if (r!.id !== null) return { rowId: Number(r!.id), decision, view };
      view = this.viewFrom(keys, r!);
      fresh = true;
    }
    return this.reserveLocked(meta, decide);
  }

  /** One READ COMMITTED transaction holding the period rows' locks across decide: always succeeds, at the cost of round trips under the lock. */
  private reserveLocked(meta: CallMeta, decide: (view: LedgerView) => ReserveDecision): Promise<Reservation> {
    return withTransaction(this.pool, async (c) => {
      const now = this.now();
      const keys = periodKeys(now);
      // a reservation straddling midnight reads (and ensures) the new day's rows
      const lock = periodsOf({ ...keys, tier: meta.tier });
      await this.ensurePeriods(ensuredOf({ ...keys, tier: meta.tier }));
      if (meta.tier === 'critical') await lockConfirmations(c);
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

  /** One statement (ledger_settle): the row leaves `reserved` once, its periods move by cost − reserved; the totals after. */
  async settle(rowId: number, s: SettleInput): Promise<LedgerView> {
    const keys = periodKeys(this.now());
    const [r] = await statement<{ totals: Array<string | number> }>(this.pool, SETTLE, [
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
      viewPeriodsOf(keys),
    ]);
    return this.viewFrom(keys, this.remember(keys, { totals: r!.totals, confirmations: 0 }));
  }

  /** One statement (ledger_release): the row leaves `reserved` once and gives its reservation back. */
  async release(rowId: number, r: { outcome: string; error?: string; latencyMs: number; modelServed?: string }): Promise<void> {
    await statement(this.pool, RELEASE, [rowId, r.modelServed ?? null, Math.round(r.latencyMs), r.outcome, r.error ?? null]);
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

  groupBy(column: 'tier' | 'model' | 'tool', period: { day: string } | { month: string }): Promise<GroupRow[]> {
    return reports.groupBy(this.pool, column, period);
  }

  groupByTierModel(period: { month: string }): Promise<TierModelRow[]> {
    return reports.groupByTierModel(this.pool, period);
  }

  anomalies(period: { day: string; month: string }, limit: number): Promise<{ today: number; month: number; recent: CallRow[] }> {
    return reports.anomalies(this.pool, period, limit);
  }

  recent(limit: number): Promise<CallRow[]> {
    return reports.recent(this.pool, limit);
  }

  rowsForCall(callId: string): Promise<CallRow[]> {
    return reports.rowsForCall(this.pool, callId);
  }

  /** The pool belongs to the process (store/postgres/index.ts closes it). */
  async close(): Promise<void> {}
}
