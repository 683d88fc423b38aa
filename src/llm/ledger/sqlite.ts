/**
 * The ledger on SQLite: `<dataDir>/llm-ledger.sqlite` (WAL, synchronous=NORMAL). A reservation is one BEGIN
 * IMMEDIATE transaction; several server processes on one data dir serialize on that write lock. The
 * connection's busy_timeout is 0: a write that finds the lock taken is retried after a jittered sleep of
 * well under a millisecond (store/sqlite-busy.ts), not SQLite's busy handler, whose sleeps grow to 100 ms
 * while each transaction holds the lock for a fraction of one. WAL checkpoints run when the process is idle
 * (store/sqlite-checkpoint.ts), not inside the reserve or settle whose commit crossed 1,000 pages.
 *
 * synchronous=NORMAL, not FULL, on purpose: in WAL mode a commit survives kill -9 and is seen by every process
 * at once (shared page cache); only an OS crash or power loss can drop the last commits. FULL adds an fsync to
 * each reserve and settle: 0.3 ms idle and 5+ ms on this shared disk under load, per LLM call (see bench llm).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openSqliteWith } from '../../store/sqlite.js';
import { retryBusy, retryBusySync } from '../../store/sqlite-busy.js';
import { QuietCheckpointer } from '../../store/sqlite-checkpoint.js';
import { budgetView, periodKeys, type LedgerView } from '../budget.js';
import {
  ABANDON_AFTER_MS,
  type BudgetLedger,
  type CallMeta,
  type CallRow,
  DEFAULT_CRITICAL_DAILY_NANO,
  type GroupRow,
  HOUR_MS,
  LEDGER_FILE,
  type LedgerBudgets,
  type Reservation,
  type ReserveDecision,
  type SettleInput,
  type TierModelRow,
  type TierModelSums,
  tierModelRowOf,
} from '../ledger.js';

/** What settle and release read back from the reservation they close. */
type OpenRow = { reserved_nano: number; day: string; month: string; tier: string };

export class SqliteLedger implements BudgetLedger {
  readonly backend = 'sqlite' as const;
  readonly path: string;
  get where(): string {
    return this.path;
  }
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly checkpointer: QuietCheckpointer;

  constructor(
    dataDir: string,
    private readonly budgets: LedgerBudgets,
    private readonly now: () => Date = () => new Date(),
    /** NORMAL: durable against process death (kill -9); FULL also against power loss, at one fsync per write. */
    synchronous: 'FULL' | 'NORMAL' = 'NORMAL',
  ) {
    this.path = join(dataDir, LEDGER_FILE);
    this.db = openSqliteWith(Database, this.path, { synchronous, busyTimeoutMs: 0 });
    this.checkpointer = new QuietCheckpointer(this.db);
    this.createTables();
    this.addColumnIfMissing('usage_anomaly', 'TEXT');
    this.addColumnIfMissing('provider', "TEXT NOT NULL DEFAULT 'gateway'");
    this.stmts = {
      getTotal: this.db.prepare<[string], { committed_nano: number }>('SELECT committed_nano FROM totals WHERE period = ?'),
      bump: this.db.prepare<[string, number]>(
        'INSERT INTO totals (period, committed_nano) VALUES (?, ?) ON CONFLICT(period) DO UPDATE SET committed_nano = committed_nano + excluded.committed_nano',
      ),
      insert: this.db.prepare(
        `INSERT INTO calls (call_id, attempt, at, at_ms, day, month, tool, tier, model_requested, route, downgrade_step, state, reserved_nano, cost_nano, outcome, error, pid, provider)
         VALUES (@call_id, @attempt, @at, @at_ms, @day, @month, @tool, @tier, @model_requested, @route, @downgrade_step, @state, @reserved_nano, @cost_nano, @outcome, @error, @pid, @provider)`,
      ),
      settle: this.db.prepare(
        `UPDATE calls SET state = 'settled', model_served = @model_served, cost_nano = @cost_nano, input_tokens = @input_tokens,
         cached_tokens = @cached_tokens, output_tokens = @output_tokens, reasoning_tokens = @reasoning_tokens,
         latency_ms = @latency_ms, outcome = @outcome, error = @error, usage_anomaly = @usage_anomaly WHERE id = @id AND state = 'reserved'
         RETURNING reserved_nano, day, month, tier`,
      ),
      confirmationsSince: this.db.prepare<[number], { n: number }>(
        `SELECT COUNT(DISTINCT call_id) AS n FROM calls WHERE tier = 'critical' AND at_ms >= ? AND state <> 'refused'`,
      ),
      release: this.db.prepare(
        `UPDATE calls SET state = 'released', model_served = @model_served, latency_ms = @latency_ms, outcome = @outcome, error = @error
         WHERE id = @id AND state = 'reserved' RETURNING reserved_nano, day, month, tier`,
      ),
      abandon: this.db.prepare<[number]>(
        `UPDATE calls SET state = 'abandoned', cost_nano = reserved_nano, outcome = 'abandoned' WHERE state = 'reserved' AND at_ms < ?`,
      ),
    };
    retryBusySync(() => this.db.transaction(() => this.stmts.abandon.run(this.now().getTime() - ABANDON_AFTER_MS)).immediate());
  }

  /** The schema (idempotent; several processes may open the file at once, and busy_timeout is 0: retried here). */
  private createTables(): void {
    retryBusySync(() =>
      this.db.exec(`
      CREATE TABLE IF NOT EXISTS totals (period TEXT PRIMARY KEY, committed_nano INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS calls (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        call_id TEXT NOT NULL, attempt INTEGER NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL,
        day TEXT NOT NULL, month TEXT NOT NULL, tool TEXT NOT NULL, tier TEXT NOT NULL,
        model_requested TEXT NOT NULL, model_served TEXT, route TEXT NOT NULL, downgrade_step INTEGER NOT NULL,
        state TEXT NOT NULL, reserved_nano INTEGER NOT NULL, cost_nano INTEGER NOT NULL DEFAULT 0,
        input_tokens INTEGER NOT NULL DEFAULT 0, cached_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0, reasoning_tokens INTEGER NOT NULL DEFAULT 0,
        latency_ms INTEGER, outcome TEXT NOT NULL, error TEXT, pid INTEGER NOT NULL, usage_anomaly TEXT
      );
      -- one index for every call: each one is another page written per reserve/settle (reports filter by month, then day)
      CREATE INDEX IF NOT EXISTS calls_month ON calls(month);
      -- partial: written only for critical rows, so cheap calls pay nothing for the hourly confirmation count
      CREATE INDEX IF NOT EXISTS calls_critical_at ON calls(at_ms) WHERE tier = 'critical';
    `),
    );
  }

  /** A ledger written by an older version lacks the column: add it once, under the write lock (several processes may open it). */
  private addColumnIfMissing(name: string, type: string): void {
    retryBusySync(() =>
      this.db
        .transaction(() => {
          const cols = this.db.prepare<[], { name: string }>('PRAGMA table_info(calls)').all();
          if (!cols.some((c) => c.name === name)) this.db.exec(`ALTER TABLE calls ADD COLUMN ${name} ${type}`);
        })
        .immediate(),
    );
  }

  private viewAt(now: Date): LedgerView {
    const { day, month } = periodKeys(now);
    const d = this.stmts.getTotal.get(`day:${day}`)?.committed_nano ?? 0;
    const m = this.stmts.getTotal.get(`month:${month}`)?.committed_nano ?? 0;
    const c = this.stmts.getTotal.get(`critical-day:${day}`)?.committed_nano ?? 0;
    const criticalBudget = this.budgets.criticalDailyNano ?? DEFAULT_CRITICAL_DAILY_NANO;
    const countSince = this.stmts.confirmationsSince;
    let confirmations: number | undefined;
    return {
      ...budgetView(day, month, this.budgets.dailyNano, this.budgets.monthlyNano, d, m),
      critical: {
        day,
        dailyBudgetNano: criticalBudget,
        committedNano: c,
        leftNano: criticalBudget - c,
        // counted on first read (inside reserve's transaction for a critical call): cheap calls never pay for the query
        get confirmationsLastHour() {
          confirmations ??= countSince.get(now.getTime() - HOUR_MS)?.n ?? 0;
          return confirmations;
        },
      },
    };
  }

  async view(): Promise<LedgerView> {
    return retryBusy(() => this.viewAt(this.now()));
  }

  /** Move the committed totals of a row's periods: the shared day and month, and the critical day for critical rows. */
  private bumpTotals(r: { day: string; month: string; tier: string }, deltaNano: number): void {
    this.stmts.bump.run(`day:${r.day}`, deltaNano);
    this.stmts.bump.run(`month:${r.month}`, deltaNano);
    if (r.tier === 'critical') this.stmts.bump.run(`critical-day:${r.day}`, deltaNano);
  }

  /**
   * One write transaction: `decide` sees the current totals (all processes) and returns the model and the
   * amount to reserve, or throws (e.g. ToolError BUDGET_EXHAUSTED); nothing is written when it throws.
   */
  async reserve(meta: CallMeta, decide: (view: LedgerView) => ReserveDecision): Promise<Reservation> {
    const run = this.db.transaction(() => {
      const now = this.now();
      const view = this.viewAt(now);
      const decision = decide(view);
      const info = this.stmts.insert.run({
        call_id: meta.callId,
        attempt: meta.attempt,
        at: now.toISOString(),
        at_ms: now.getTime(),
        day: view.day,
        month: view.month,
        tool: meta.tool,
        tier: meta.tier,
        model_requested: decision.model,
        route: decision.route,
        downgrade_step: decision.step,
        state: 'reserved',
        reserved_nano: decision.reserveNano,
        cost_nano: 0,
        outcome: 'pending',
        error: null,
        pid: process.pid,
        provider: decision.provider ?? 'gateway',
      });
      this.bumpTotals({ day: view.day, month: view.month, tier: meta.tier }, decision.reserveNano);
      return { rowId: Number(info.lastInsertRowid), decision, view };
    });
    return this.committed(await retryBusy(() => run.immediate()));
  }

  /** After each write transaction: counts it towards the next checkpoint, taken when the process is idle. */
  private committed<T>(result: T): T {
    this.checkpointer.wrote();
    return result;
  }

  /** Replace the reservation by the reported cost (in the periods the reservation was made in). */
  async settle(rowId: number, s: SettleInput): Promise<LedgerView> {
    // one statement finds the open reservation and settles it (RETURNING what the totals need)
    const run = this.db.transaction(() => {
      const row = this.stmts.settle.get({
        id: rowId,
        model_served: s.modelServed,
        cost_nano: s.costNano,
        input_tokens: s.inputTokens,
        cached_tokens: s.cachedInputTokens,
        output_tokens: s.outputTokens,
        reasoning_tokens: s.reasoningTokens,
        latency_ms: Math.round(s.latencyMs),
        outcome: s.outcome,
        error: s.error ?? null,
        usage_anomaly: s.usageAnomaly ?? null,
      }) as OpenRow | undefined;
      if (!row) return this.viewAt(this.now());
      const delta = s.costNano - row.reserved_nano;
      if (delta !== 0) this.bumpTotals(row, delta);
      return this.viewAt(this.now());
    });
    return this.committed(await retryBusy(() => run.immediate()));
  }

  /** The call failed without a billable reply: give the reservation back. */
  async release(rowId: number, r: { outcome: string; error?: string; latencyMs: number; modelServed?: string }): Promise<void> {
    const run = this.db.transaction(() => {
      const row = this.stmts.release.get({
        id: rowId,
        model_served: r.modelServed ?? null,
        latency_ms: Math.round(r.latencyMs),
        outcome: r.outcome,
        error: r.error ?? null,
      }) as OpenRow | undefined;
      if (row) this.bumpTotals(row, -row.reserved_nano);
    });
    this.committed(await retryBusy(() => run.immediate()));
  }

  /** A call refused before anything was sent (budget, unknown price, open circuits): recorded, costs nothing. */
  async refuse(meta: CallMeta, r: { modelRequested: string; outcome: string; error: string; step: number }): Promise<void> {
    const now = this.now();
    const { day, month } = periodKeys(now);
    const row = {
      call_id: meta.callId,
      attempt: meta.attempt,
      at: now.toISOString(),
      at_ms: now.getTime(),
      day,
      month,
      tool: meta.tool,
      tier: meta.tier,
      model_requested: r.modelRequested,
      route: 'refused',
      downgrade_step: r.step,
      state: 'refused',
      reserved_nano: 0,
      cost_nano: 0,
      outcome: r.outcome,
      error: r.error,
      pid: process.pid,
      provider: 'gateway',
    };
    this.committed(await retryBusy(() => this.stmts.insert.run(row)));
  }

  /** Spend per tier / model / tool in a period ('day' or 'month' key). Open reservations count at their reserved amount. */
  async groupBy(column: 'tier' | 'model' | 'tool', period: { day: string } | { month: string }): Promise<GroupRow[]> {
    const col = column === 'model' ? 'COALESCE(model_served, model_requested)' : column;
    const [where, args] = 'day' in period ? ['month = ? AND day = ?', [period.day.slice(0, 7), period.day]] : ['month = ?', [period.month]];
    return this.db
      .prepare<string[], GroupRow>(
        `SELECT ${col} AS key, COUNT(DISTINCT call_id) AS calls, COUNT(*) AS attempts,
           SUM(CASE WHEN state IN ('released','refused') OR outcome LIKE 'rejected_%' THEN 1 ELSE 0 END) AS failed,
           SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE cost_nano END) AS cost_nano,
           SUM(input_tokens) AS input_tokens, SUM(cached_tokens) AS cached_tokens,
           SUM(output_tokens) AS output_tokens, SUM(reasoning_tokens) AS reasoning_tokens
         FROM calls WHERE ${where} GROUP BY ${col} ORDER BY cost_nano DESC, key`,
      )
      .all(...args);
  }

  /** Spend per tier × model in a month (the served model where known), for /metrics. */
  async groupByTierModel(period: { month: string }): Promise<TierModelRow[]> {
    const rows = this.db
      .prepare<[string], TierModelSums>(
        `SELECT tier, COALESCE(model_served, model_requested) AS model, COUNT(DISTINCT call_id) AS calls,
           SUM(CASE WHEN state = 'reserved' THEN reserved_nano ELSE cost_nano END) AS cost_nano,
           SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens
         FROM calls WHERE month = ? GROUP BY tier, COALESCE(model_served, model_requested) ORDER BY tier, model`,
      )
      .all(period.month);
    return rows.map(tierModelRowOf);
  }

  /** Replies flagged as usage anomalies: how many today and this month, and the latest few of the month. */
  async anomalies(period: { day: string; month: string }, limit: number): Promise<{ today: number; month: number; recent: CallRow[] }> {
    const count = this.db.prepare<[string, string], { today: number; month: number }>(
      'SELECT COALESCE(SUM(day = ?), 0) AS today, COUNT(*) AS month FROM calls WHERE month = ? AND usage_anomaly IS NOT NULL',
    );
    const { today, month } = count.get(period.day, period.month) ?? { today: 0, month: 0 };
    const recent = this.db
      .prepare<[string, number], CallRow>('SELECT * FROM calls WHERE month = ? AND usage_anomaly IS NOT NULL ORDER BY id DESC LIMIT ?')
      .all(period.month, limit);
    return { today, month, recent };
  }

  async recent(limit: number): Promise<CallRow[]> {
    return this.db.prepare<[number], CallRow>('SELECT * FROM calls ORDER BY id DESC LIMIT ?').all(limit);
  }

  async rowsForCall(callId: string): Promise<CallRow[]> {
    return this.db.prepare<[string], CallRow>('SELECT * FROM calls WHERE call_id = ? ORDER BY attempt').all(callId);
  }

  async close(): Promise<void> {
    this.checkpointer.stop();
    if (this.db.open) this.db.close();
  }
}
