/**
 * Pure aggregation of member outcomes into a council decision (SPEC §8). No I/O, no clock.
 *
 * Rules (documented in the tool description too):
 * - only `valid` outcomes are votes; invalid answers, failures and timeouts never count, least of all as approval;
 * - fewer valid votes than the quorum → decision `NO_QUORUM` (no ticket);
 * - `APPROVE` needs more than half of the valid votes; otherwise `REJECT` when rejections are at least
 *   as many as abstentions (and there is one), else `ABSTAIN` — a tie never resolves to approval;
 * - consensus = share of valid votes equal to the decision; `high_consensus` at 0.7 or more;
 * - outliers = valid votes that differ from the decision.
 */
import type { Vote } from './vote.js';

export const HIGH_CONSENSUS = 0.7;

export type MemberStatus = 'valid' | 'invalid' | 'failed' | 'timeout';
export type CouncilDecision = Vote | 'NO_QUORUM';

export interface MemberOutcome {
  member: number;
  tier: string;
  model_requested: string | null;
  model_served: string | null;
  status: MemberStatus;
  vote: Vote | null;
  confidence: number | null;
  reasoning: string | null;
  error: { code: string; message: string } | null;
  latency_ms: number;
  cost_usd: number;
  downgrade_step: number | null;
}

export interface Breakdown {
  APPROVE: number;
  REJECT: number;
  ABSTAIN: number;
  invalid: number;
  failed: number;
  timeout: number;
}

export interface Outlier {
  member: number;
  model: string | null;
  vote: Vote;
  confidence: number;
}

export interface CouncilAggregate {
  decision: CouncilDecision;
  consensus: number;
  high_consensus: boolean;
  average_confidence: number | null;
  valid_votes: number;
  quorum: number;
  breakdown: Breakdown;
  outliers: Outlier[];
}

const round = (x: number, places = 4) => Math.round(x * 10 ** places) / 10 ** places;

export function aggregateVotes(outcomes: readonly MemberOutcome[], quorum: number): CouncilAggregate {
  const breakdown: Breakdown = { APPROVE: 0, REJECT: 0, ABSTAIN: 0, invalid: 0, failed: 0, timeout: 0 };
  const valid: Array<MemberOutcome & { vote: Vote; confidence: number }> = [];
  for (const o of outcomes) {
    if (o.status === 'valid' && o.vote !== null && o.confidence !== null) {
      breakdown[o.vote] += 1;
      valid.push(o as MemberOutcome & { vote: Vote; confidence: number });
    } else if (o.status === 'valid' || o.status === 'invalid') {
      breakdown.invalid += 1;
    } else {
      breakdown[o.status] += 1;
    }
  }
  const n = valid.length;
  const average_confidence = n ? round(valid.reduce((s, v) => s + v.confidence, 0) / n) : null;
  if (n < Math.max(1, quorum)) {
    return { decision: 'NO_QUORUM', consensus: 0, high_consensus: false, average_confidence, valid_votes: n, quorum, breakdown, outliers: [] };
  }
  const decision: Vote = breakdown.APPROVE * 2 > n ? 'APPROVE' : breakdown.REJECT > 0 && breakdown.REJECT >= breakdown.ABSTAIN ? 'REJECT' : 'ABSTAIN';
  const consensus = round(breakdown[decision] / n);
  const outliers = valid
    .filter((v) => v.vote !== decision)
    .map((v) => ({ member: v.member, model: v.model_served ?? v.model_requested, vote: v.vote, confidence: v.confidence }));
  return { decision, consensus, high_consensus: consensus >= HIGH_CONSENSUS, average_confidence, valid_votes: n, quorum, breakdown, outliers };
}
