/**
 * The routing statistics in SQLite: `<dataDir>/llm-routing.sqlite` (WAL, synchronous=NORMAL: a lost last
 * observation after a power cut costs a sample, never money). One row per model attempt in `observations`;
 * the council's verdict per call in `agreements` (one per call id, written after the call). Several server
 * processes share the file: each keeps the latest KEEP_RECENT observations per tier × model in memory
 * (window.ts), its own at once, the others' read incrementally (by row id) by `refresh()` at most every
 * `refreshMs`. The statements are synchronous (better-sqlite3); the interface is the asynchronous one
 * PostgreSQL needs too, so a failed statement rejects instead of throwing.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openSqliteWith } from '../../store/sqlite.js';
import type { Observation } from '../policies/evidence.js';
import {
  KEEP_RECENT,
  quantile,
  type ObservationInput,
  type RoutingStatsStore,
  type SummaryRow,
  type TierModelStats,
  toTierModelStats,
  type Verdict,
} from './store.js';
import { ObservationWindow } from './window.js';

export const ROUTING_STATS_FILE = 'llm-routing.sqlite';

interface ObservationRow {
  id: number;
  at_ms: number;
  call_id: string;
  tier: string;
  model: string;
  outcome: 'ok' | 'failed';
  valid: number | null;
  latency_ms: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  cost_nano: number;
  agreed: number | null;
}

const bool = (v: number | null): boolean | null => (v === null ? null : v !== 0);

function toObservation(r: ObservationRow): Observation {
  return {
    at: r.at_ms,
    callId: r.call_id,
    outcome: r.outcome,
    valid: bool(r.valid),
    agreed: bool(r.agreed),
    latencyMs: r.latency_ms,
    inputTokens: r.input_tokens,
    cachedTokens: r.cached_tokens,
    outputTokens: r.output_tokens,
    costNano: r.cost_nano,
  };
}

/** An observation as its `observations` row. */
const observationRow = (o: ObservationInput) => ({
  at_ms: o.at,
  call_id: o.callId,
  tier: o.tier,
  model: o.model,
  provider: o.provider,
  outcome: o.outcome,
  valid: o.valid === null ? null : o.valid ? 1 : 0,
  latency_ms: Math.round(o.latencyMs * 100) / 100,
  input_tokens: o.inputTokens,
  cached_tokens: o.cachedTokens,
  output_tokens: o.outputTokens,
  cost_nano: o.costNano,
});

export class SqliteRoutingStats implements RoutingStatsStore {
  readonly backend = 'sqlite' as const;
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly window = new ObservationWindow();
  private readonly own = new Set<number>();
  private lastObservationId = 0;
  private lastAgreementRowid = 0;
  private refreshedAt = 0;
  private unreadable = false;
  private readonly pending: Array<{ o: ObservationInput; resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(
    dataDir: string,
    private readonly refreshMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly onError: (message: string, err: unknown) => void = () => undefined,
  ) {
    this.path = join(dataDir, ROUTING_STATS_FILE);
    this.db = openSqliteWith(Database, this.path, { synchronous: 'NORMAL' });
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS observations (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, call_id TEXT NOT NULL,
        tier TEXT NOT NULL, model TEXT NOT NULL, provider TEXT NOT NULL, outcome TEXT NOT NULL, valid INTEGER,
        latency_ms REAL NOT NULL, input_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL, cost_nano INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS observations_arm ON observations(tier, model, id);
      CREATE INDEX IF NOT EXISTS observations_call ON observations(call_id);
      CREATE TABLE IF NOT EXISTS agreements (call_id TEXT PRIMARY KEY, agreed INTEGER NOT NULL, at_ms INTEGER NOT NULL);
    `);
    const select = `SELECT o.id, o.at_ms, o.call_id, o.tier, o.model, o.outcome, o.valid, o.latency_ms, o.input_tokens, o.cached_tokens,
      o.output_tokens, o.cost_nano, CASE WHEN o.outcome = 'ok' THEN a.agreed END AS agreed
      FROM observations o LEFT JOIN agreements a ON a.call_id = o.call_id`;
    this.stmts = {
      insert: this.db.prepare(
        `INSERT INTO observations (at_ms, call_id, tier, model, provider, outcome, valid, latency_ms, input_tokens, cached_tokens, output_tokens, cost_nano)
         VALUES (@at_ms, @call_id, @tier, @model, @provider, @outcome, @valid, @latency_ms, @input_tokens, @cached_tokens, @output_tokens, @cost_nano)`,
      ),
      agree: this.db.prepare<[string, number, number]>('INSERT OR REPLACE INTO agreements (call_id, agreed, at_ms) VALUES (?, ?, ?)'),
      answered: this.db.prepare<[string], { n: number }>("SELECT COUNT(*) AS n FROM observations WHERE call_id = ? AND outcome = 'ok'"),
      latest: this.db.prepare<[number], ObservationRow>(
        `SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY tier, model ORDER BY id DESC) AS rn FROM (${select})) WHERE rn <= ? ORDER BY id`,
      ),
      since: this.db.prepare<[number], ObservationRow>(`${select} WHERE o.id > ? ORDER BY o.id`),
      agreementsSince: this.db.prepare<[number], { rowid: number; call_id: string; agreed: number }>(
        'SELECT rowid, call_id, agreed FROM agreements WHERE rowid > ? ORDER BY rowid',
      ),
      maxAgreement: this.db.prepare<[], { m: number | null }>('SELECT MAX(rowid) AS m FROM agreements'),
    };
    this.load();
  }

  private load(): void {
    for (const r of this.stmts.latest.all(KEEP_RECENT)) {
      this.window.add(r.tier, r.model, toObservation(r));
      this.lastObservationId = Math.max(this.lastObservationId, r.id);
    }
    this.lastAgreementRowid = this.stmts.maxAgreement.get()?.m ?? 0;
    this.refreshedAt = this.now();
  }

  async refresh(): Promise<void> {
    if (this.now() - this.refreshedAt < this.refreshMs || !this.db.open) return;
    this.refreshedAt = this.now();
    try {
      this.pull();
    } catch (err) {
      if (!this.unreadable) this.onError('routing statistics not refreshed; routing on what this process holds', err);
      this.unreadable = true;
      return;
    }
    this.unreadable = false;
  }

  /** Other processes' observations and agreements since the last look. */
  private pull(): void {
    this.flush();
    for (const r of this.stmts.since.all(this.lastObservationId)) {
      this.lastObservationId = Math.max(this.lastObservationId, r.id);
      if (this.own.delete(r.id)) continue;
      this.window.add(r.tier, r.model, toObservation(r));
    }
    for (const a of this.stmts.agreementsSince.all(this.lastAgreementRowid)) {
      this.lastAgreementRowid = Math.max(this.lastAgreementRowid, a.rowid);
      this.window.agree(a.call_id, a.agreed !== 0);
    }
  }

  /**
   * In memory at once; on disk with the other observations of this turn of the event loop, in one commit
   * (a council's members answer together: one write for them, not one each). Resolves once written.
   */
  record(o: ObservationInput): Promise<void> {
    this.window.addOwn(o); // in memory whether or not the write lands (a lost write costs a sample of the file, not of this process)
    return new Promise((resolve, reject) => {
      this.pending.push({ o, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  /** The observations waiting for their commit, written now (before anything reads the file or closes it). */
  private flush(): void {
    const batch = this.pending.splice(0);
    if (!batch.length) return;
    try {
      if (!this.db.open) throw new TypeError('the routing statistics database is closed');
      this.db.transaction(() => {
        for (const { o } of batch) this.own.add(Number(this.stmts.insert.run(observationRow(o)).lastInsertRowid));
      })();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    for (const p of batch) p.resolve();
  }

  private agreeOne(callId: string, agreed: boolean): boolean {
    this.flush(); // the call's observation must be in the file to be agreed with
    if (!(this.stmts.answered.get(callId)?.n ?? 0)) return false;
    this.stmts.agree.run(callId, agreed ? 1 : 0, this.now()); // read back at the next refresh too: the same verdict, harmless
    this.window.agree(callId, agreed);
    return true;
  }

  async recordAgreement(callId: string, agreed: boolean): Promise<boolean> {
    return this.agreeOne(callId, agreed);
  }

  /** One commit for a council's members, not one per member; the last verdict of a repeated call wins. */
  async recordAgreements(verdicts: readonly Verdict[]): Promise<number> {
    const last = new Map(verdicts.map((v) => [v.callId, v.agreed]));
    return this.db.transaction(() => [...last].filter(([callId, agreed]) => this.agreeOne(callId, agreed)).length).immediate();
  }

  recent(tier: string, model: string): readonly Observation[] {
    return this.window.recent(tier, model);
  }

  async summary(): Promise<TierModelStats[]> {
    this.flush();
    const rows = this.db
      .prepare<[], SummaryRow>(
        `SELECT o.tier, o.model, COUNT(*) AS calls, SUM(o.outcome = 'failed') AS failed,
           SUM(o.valid IS NOT NULL) AS valid_n, COALESCE(SUM(o.valid = 1), 0) AS valid_ok,
           SUM(o.outcome = 'ok' AND a.agreed IS NOT NULL) AS agree_n, COALESCE(SUM(o.outcome = 'ok' AND a.agreed = 1), 0) AS agree_ok,
           AVG(CASE WHEN o.outcome = 'ok' THEN o.cost_nano END) AS mean_cost, MAX(o.at_ms) AS last_at
         FROM observations o LEFT JOIN agreements a ON a.call_id = o.call_id
         GROUP BY o.tier, o.model ORDER BY o.tier, calls DESC, o.model`,
      )
      .all();
    const latencies = this.db.prepare<[string, string, number], { latency_ms: number }>(
      "SELECT latency_ms FROM observations WHERE tier = ? AND model = ? AND outcome = 'ok' ORDER BY id DESC LIMIT ?",
    );
    return rows.map((r) => {
      const lat = latencies.all(r.tier, r.model, KEEP_RECENT).map((x) => x.latency_ms);
      return toTierModelStats(r, quantile(lat, 0.5), quantile(lat, 0.95));
    });
  }

  async close(): Promise<void> {
    this.flush();
    if (this.db.open) this.db.close();
  }
}
