/**
 * The LLM spend ledger (SPEC §9, §16): one interface, two stores. SQLite under the data dir
 * (`ledger/sqlite.ts`, the embedded default) or the shared PostgreSQL of TRADING_MCP_DATABASE_URL
 * (`ledger/postgres.ts`). Every call attempt is a row; per-period totals (settled spend + open
 * reservations) make a reservation one short transaction: read totals, decide, insert, bump. Any number
 * of processes on one store serialize on it, so they cannot overshoot together.
 *
 * Two envelopes: the shared one (`day:`/`month:` totals, every tier) and the critical tier's own
 * (`critical-day:` totals plus the count of critical calls in the last hour), read in the same transaction.
 *
 * A process killed mid-call leaves its reservation counted in full (marked `abandoned` after 15 min):
 * the gateway may have billed it, and an over-count is the safe side of a hard budget.
 *
 * @example
 *   const ledger = await openLedger(deps, budgets);
 *   const r = await ledger.reserve(meta, (view) => decide(view));   // throws BUDGET_EXHAUSTED: nothing written
 *   await ledger.settle(r.rowId, usage);                             // or release(): idempotent both
 */
import { ToolError } from '../errors.js';
import type { LedgerView } from './budget.js';

export const LEDGER_FILE = 'llm-ledger.sqlite';
export const ABANDON_AFTER_MS = 15 * 60_000;
export const HOUR_MS = 3_600_000;
/** SPEC §11 default of TRADING_MCP_CRITICAL_DAILY_BUDGET_USD ($5), for ledgers opened without one (reports, tests). */
export const DEFAULT_CRITICAL_DAILY_NANO = 5_000_000_000;

export interface LedgerBudgets {
  dailyNano: number;
  monthlyNano: number;
  /** The critical tier's own daily cap. */
  criticalDailyNano?: number;
}

export interface CallMeta {
  callId: string;
  attempt: number;
  tool: string;
  tier: string;
}

export interface ReserveDecision {
  model: string;
  /** Where the call goes (providers.ts); absent: the gateway. */
  provider?: string;
  reserveNano: number;
  step: number;
  route: string;
}

export interface SettleInput {
  modelServed: string;
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  costNano: number;
  latencyMs: number;
  /** rejected_*: the reply was billed but not used (another model than asked; usage the request did not allow). */
  outcome: 'ok' | 'substituted' | 'rejected_substitution' | 'rejected_usage';
  error?: string;
  /** The reply reported more usage than the request allowed (charged as reported all the same). */
  usageAnomaly?: string | null;
}

export interface CallRow {
  id: number;
  call_id: string;
  attempt: number;
  at: string;
  day: string;
  month: string;
  tool: string;
  tier: string;
  model_requested: string;
  model_served: string | null;
  route: string;
  downgrade_step: number;
  state: 'reserved' | 'settled' | 'released' | 'refused' | 'abandoned';
  reserved_nano: number;
  cost_nano: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  latency_ms: number | null;
  outcome: string;
  error: string | null;
  pid: number;
  usage_anomaly: string | null;
  /** The provider the attempt went to (`gateway` unless its tier names its own). */
  provider: string;
}

export interface GroupRow {
  key: string;
  calls: number;
  attempts: number;
  failed: number;
  cost_nano: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
}

export interface Reservation {
  rowId: number;
  decision: ReserveDecision;
  view: LedgerView;
}

export interface TierModelRow {
  tier: string;
  model: string;
  calls: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
}

/** A tier × model row as either store's SQL returns it (sums are null over no tokens). */
export interface TierModelSums {
  tier: string;
  model: string;
  calls: number;
  cost_nano: number;
  input_tokens: number | null;
  output_tokens: number | null;
}

export const tierModelRowOf = (r: TierModelSums): TierModelRow => ({
  tier: r.tier,
  model: r.model,
  calls: r.calls,
  costUsd: r.cost_nano / 1e9,
  inputTokens: r.input_tokens ?? 0,
  outputTokens: r.output_tokens ?? 0,
});

/** The ledger's contract (test/unit/llm/ledger-contract.test.ts runs it on both stores). */
export interface BudgetLedger {
  readonly backend: 'sqlite' | 'postgres';
  /** The SQLite file, or the database URL without its password. */
  readonly where: string;
  view(): Promise<LedgerView>;
  /**
   * `decide` sees the totals (all processes) and returns the model and the amount to reserve, or throws
   * (e.g. ToolError BUDGET_EXHAUSTED); nothing is written when it throws. The reservation is committed
   * against totals at which that decision holds: SQLite decides inside the write transaction; PostgreSQL
   * may call decide more than once (ledger/postgres.ts), so it must be safe to call again, and a function of the view that
   * depends on the totals only through the step, whether its amount fits each budget, and the critical
   * confirmations (ledger/bounds.ts), as the router's and the embedding path's do.
   */
  reserve(meta: CallMeta, decide: (view: LedgerView) => ReserveDecision): Promise<Reservation>;
  /** Replace the reservation by the reported cost (in the periods the reservation was made in); a second settle changes nothing. */
  settle(rowId: number, s: SettleInput): Promise<LedgerView>;
  /** The call failed without a billable reply: give the reservation back (once). */
  release(rowId: number, r: { outcome: string; error?: string; latencyMs: number; modelServed?: string }): Promise<void>;
  /** A call refused before anything was sent (budget, unknown price, open circuits): recorded, costs nothing. */
  refuse(meta: CallMeta, r: { modelRequested: string; outcome: string; error: string; step: number }): Promise<void>;
  /** Spend per tier / model / tool in a period ('day' or 'month' key). Open reservations count at their reserved amount. */
  groupBy(column: 'tier' | 'model' | 'tool', period: { day: string } | { month: string }): Promise<GroupRow[]>;
  /** Spend per tier × model in a month (the served model where known), for /metrics. */
  groupByTierModel(period: { month: string }): Promise<TierModelRow[]>;
  /** Replies flagged as usage anomalies: how many today and this month, and the latest few of the month. */
  anomalies(period: { day: string; month: string }, limit: number): Promise<{ today: number; month: number; recent: CallRow[] }>;
  recent(limit: number): Promise<CallRow[]>;
  rowsForCall(callId: string): Promise<CallRow[]>;
  close(): Promise<void>;
}

/**
 * Settle a reply that came back (so it may be billed). Any failure to record it — a lost database, a
 * statement timeout, a busy SQLite file — becomes STORE_UNAVAILABLE, which the callers rethrow without
 * releasing: the reservation stays counted (later abandoned at its reserved amount) and the call does
 * not fail over to another paid model.
 */
export async function settleRecorded(ledger: BudgetLedger, rowId: number, s: SettleInput): Promise<LedgerView> {
  try {
    return await ledger.settle(rowId, s);
  } catch (err) {
    if (err instanceof ToolError && err.code === 'STORE_UNAVAILABLE') throw err;
    throw new ToolError('STORE_UNAVAILABLE', `the budget ledger could not record a model reply (${(err as Error).message}); its reservation stays counted`, {
      reason: 'settle_failed',
    });
  }
}
