/**
 * Each model attempt's result into the routing statistics (stats/store.ts): an answered attempt with its
 * validity against the requested schema (validity.ts), a failed one as not valid when the failure is the
 * model's or its endpoint's (a timeout, a 5xx, a broken body, a dropped connection) and as no signal when
 * it is not (rate limits, our own cancellation, an open circuit, a request the gateway refused). Recording
 * is best effort: the call does not wait for the write (it is in memory at once), and a write that fails
 * is logged and never fails the call — a routing statistic is advice, not money.
 */
import type { Logger } from '../log.js';
import type { RoutingStatsStore } from './stats/store.js';
import type { Tier } from './types.js';

/** Failure outcomes (failures.ts classifyFailure) that say something about the model's quality. */
const MODEL_FAILURES = new Set(['timeout', 'malformed_reply', 'connection_error']);
const isModelFailure = (outcome: string) => MODEL_FAILURES.has(outcome) || /^http_5\d\d$/.test(outcome);

export interface AttemptResult {
  callId: string;
  tier: Tier;
  model: string;
  provider: string;
  latencyMs: number;
}

export interface AnsweredAttempt extends AttemptResult {
  valid: boolean | null;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  costNano: number;
}

export function observeAnswer(stats: RoutingStatsStore | null, log: Logger, a: AnsweredAttempt): void {
  write(stats, log, { ...a, at: Date.now(), outcome: 'ok' });
}

export function observeFailure(stats: RoutingStatsStore | null, log: Logger, a: AttemptResult & { outcome: string; costNano?: number }): void {
  write(stats, log, {
    ...a,
    at: Date.now(),
    outcome: 'failed',
    valid: isModelFailure(a.outcome) ? false : null,
    inputTokens: 0,
    cachedTokens: 0,
    outputTokens: 0,
    costNano: a.costNano ?? 0,
  });
}

function write(stats: RoutingStatsStore | null, log: Logger, o: Parameters<RoutingStatsStore['record']>[0]): void {
  if (!stats) return;
  const lost = (err: unknown) => log.warn('routing statistics not recorded', { tier: o.tier, model: o.model, error: (err as Error).message });
  try {
    stats.record(o).catch(lost);
  } catch (err) {
    lost(err); // a store that throws instead of rejecting
  }
}
