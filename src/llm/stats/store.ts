/**
 * Routing statistics per tier × model (SPEC §15): every model attempt's result, durable, behind one small
 * interface so PostgreSQL (SPEC §16) can stand beside the SQLite store (sqlite.ts) with the same contract.
 * The router records; the adaptive policy reads each model's recent observations (kept in memory, other
 * processes' picked up at the next refresh); get_llm_usage and doctor read the totals.
 *
 * @example
 *   store.record({ tier: 'parse', model: 'deepseek-v3.2', provider: 'gateway', callId, at, outcome: 'ok', valid: true, ... });
 *   store.recordAgreement(callId, true);   // the council's majority agreed with this member
 *   store.recent('parse', 'deepseek-v3.2'); // oldest first, at most KEEP_RECENT
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

export interface RoutingStatsStore {
  record(o: ObservationInput): void;
  /** The council's verdict on a recorded call (its answered attempt); false when no such call was recorded. */
  recordAgreement(callId: string, agreed: boolean): boolean;
  /** Run several writes as one (one commit); optional: a store without it writes each on its own. */
  inOneWrite?<T>(write: () => T): T;
  /** The model's latest observations in the tier, oldest first (at most KEEP_RECENT). */
  recent(tier: string, model: string): readonly Observation[];
  summary(): TierModelStats[];
  close(): void;
}

/** The q-quantile (0..1) of a list of numbers, nearest rank; null when empty. */
export function quantile(values: readonly number[], q: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
