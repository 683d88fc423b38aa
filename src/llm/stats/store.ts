/**
 * Routing statistics per tier × model (SPEC §15): every model attempt's result, durable, behind one small
 * interface so PostgreSQL (SPEC §16) can stand beside the SQLite store (sqlite.ts) with the same contract.
 * The router records; the adaptive policy reads each model's recent observations synchronously from memory
 * (window.ts: this process's own at once, other processes' — or replicas' on PostgreSQL, postgres.ts —
 * picked up by `refresh()`, which the router awaits before a routing decision at most every second);
 * get_llm_usage and doctor read the totals.
 *
 * Writes are asynchronous and rejected on a store error; the router does not wait for them and logs a
 * failed one (observe.ts): a routing statistic is advice, not money, so a lost write costs a sample and
 * never fails the call.
 *
 * @example
 *   await store.record({ tier: 'parse', model: 'deepseek-v3.2', provider: 'gateway', callId, at, outcome: 'ok', valid: true, ... });
 *   await store.recordAgreement(callId, true); // the council's majority agreed with this member
 *   await store.refresh();                     // other processes' observations since the last look
 *   store.recent('parse', 'deepseek-v3.2');    // oldest first, at most about KEEP_RECENT
 */
import type { Observation } from '../policies/evidence.js';

/** How many of each model's latest observations the store keeps in memory (the largest policy window). */
export const KEEP_RECENT = 1000;

export interface ObservationInput extends Omit<Observation, 'agreed'> {
  tier: string;
  model: string;
  provider: string;
}

/** Durable totals of one model in one tier. Rates are over the observations that carry the signal; null: none did. */
export interface TierModelStats {
  tier: string;
  model: string;
  /** Attempts recorded (answered or failed). */
  calls: number;
  failed: number;
  validRate: number | null;
  validN: number;
  agreementRate: number | null;
  agreementN: number;
  /** Over the latest KEEP_RECENT answered attempts. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  meanCostUsd: number | null;
  /** Valid and agreement signals together: successes / signals (null: no signal yet). */
  quality: number | null;
  lastAt: string | null;
}

export interface Verdict {
  callId: string;
  agreed: boolean;
}

export interface RoutingStatsStore {
  readonly backend: 'sqlite' | 'postgres';
  /** Durable when it resolves; in memory (recent) at once. */
  record(o: ObservationInput): Promise<void>;
  /** The council's verdict on a recorded call (its answered attempt, recorded by any process); false when no such call was recorded. */
  recordAgreement(callId: string, agreed: boolean): Promise<boolean>;
  /** Several verdicts as one write (one commit on SQLite, one statement on PostgreSQL); resolves to how many landed on a recorded call. */
  recordAgreements(verdicts: readonly Verdict[]): Promise<number>;
  /**
   * Other processes' observations and verdicts since the last look, when that look is older than the
   * store's refresh interval. Never rejects, and is bounded in time: a store that cannot be read leaves
   * memory as it is (logged once per outage), so routing decides on what it has.
   */
  refresh(): Promise<void>;
  /** The model's latest observations in the tier, oldest first (at most about KEEP_RECENT), from memory. */
  recent(tier: string, model: string): readonly Observation[];
  summary(): Promise<TierModelStats[]>;
  /** After this process's writes in flight have ended. */
  close(): Promise<void>;
}

/** The q-quantile (0..1) of a list of numbers, nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** One tier × model's aggregates as both stores' SQL returns them (counts of signals and of their successes). */
export interface SummaryRow {
  tier: string;
  model: string;
  calls: number;
  failed: number;
  valid_n: number;
  valid_ok: number;
  agree_n: number;
  agree_ok: number;
  mean_cost: number | null;
  last_at: number | null;
}

export function toTierModelStats(r: SummaryRow, latencyP50Ms: number | null, latencyP95Ms: number | null): TierModelStats {
  const signals = r.valid_n + r.agree_n;
  return {
    tier: r.tier,
    model: r.model,
    calls: r.calls,
    failed: r.failed,
    validRate: r.valid_n ? r.valid_ok / r.valid_n : null,
    validN: r.valid_n,
    agreementRate: r.agree_n ? r.agree_ok / r.agree_n : null,
    agreementN: r.agree_n,
    latencyP50Ms,
    latencyP95Ms,
    meanCostUsd: r.mean_cost === null ? null : Math.round(r.mean_cost) / 1e9,
    quality: signals ? (r.valid_ok + r.agree_ok) / signals : null,
    lastAt: r.last_at === null ? null : new Date(r.last_at).toISOString(),
  };
}
