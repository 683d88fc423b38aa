/** The council log's rows as both stores read and write them (SQLite and PostgreSQL keep the same columns). */
import type { MemberOutcome } from '../aggregate.js';
import type { CouncilFinish, CouncilLogEntry } from '../store.js';

/** Longest raw reply kept for an invalid answer (for diagnosis; valid votes keep their reasoning). */
const RAW_KEEP = 2000;

export type Row = Record<string, unknown>;

/** The row one member's outcome is journalled as (raw text only for answers that were not valid votes). */
export function voteRow(councilId: string, o: MemberOutcome, rawContent: string | null): Row {
  return {
    council_id: councilId,
    member: o.member,
    tier: o.tier,
    model_requested: o.model_requested,
    model_served: o.model_served,
    status: o.status,
    vote: o.vote,
    confidence: o.confidence,
    reasoning: o.reasoning,
    error_code: o.error?.code ?? null,
    error_message: o.error?.message ?? null,
    latency_ms: o.latency_ms,
    cost_usd: o.cost_usd,
    raw_content: o.status === 'valid' || rawContent === null ? null : rawContent.slice(0, RAW_KEEP),
    at: new Date().toISOString(),
  };
}

function toVoteEntry(v: Row): CouncilLogEntry['votes'][number] {
  return {
    member: v.member as number,
    tier: v.tier as string,
    model_requested: (v.model_requested as string | null) ?? null,
    model_served: (v.model_served as string | null) ?? null,
    status: v.status as string,
    vote: (v.vote as string | null) ?? null,
    confidence: (v.confidence as number | null) ?? null,
    reasoning: (v.reasoning as string | null) ?? null,
    error_code: (v.error_code as string | null) ?? null,
    error_message: (v.error_message as string | null) ?? null,
    latency_ms: v.latency_ms as number,
    cost_usd: v.cost_usd as number,
    at: v.at as string,
  };
}

/** The lesson ids in a journalled result; null when there is none (an older row, a vote on no order, a result not readable). */
function lessonIdsOf(json: unknown): string[] | null {
  if (typeof json !== 'string') return null;
  try {
    const lessons = (JSON.parse(json) as { lessons?: unknown }).lessons;
    return Array.isArray(lessons) ? lessons.map((l) => String((l as { id?: unknown }).id)) : null;
  } catch {
    return null;
  }
}

export function toLogEntry(r: Row, votes: Row[]): CouncilLogEntry {
  return {
    council_id: r.id as string,
    at: r.at as string,
    question: r.question as string,
    order_hash: (r.order_hash as string | null) ?? null,
    status: r.status as CouncilLogEntry['status'],
    decision: (r.decision as string | null) ?? null,
    consensus: (r.consensus as number | null) ?? null,
    valid_votes: (r.valid_votes as number | null) ?? null,
    quorum: r.quorum as number,
    members_total: r.members_total as number,
    wall_ms: (r.wall_ms as number | null) ?? null,
    cost_usd: (r.cost_usd as number | null) ?? null,
    ticket_id: (r.ticket_id as string | null) ?? null,
    ticket_expires_at: (r.ticket_expires_at as string | null) ?? null,
    lessons: lessonIdsOf(r.result_json),
    votes: votes.map(toVoteEntry),
  };
}

/** A finished council's row values (the result journalled as JSON text on both stores). */
export const finishRow = (id: string, f: CouncilFinish): Row => ({
  id,
  decision: f.decision,
  consensus: f.consensus,
  validVotes: f.validVotes,
  wallMs: f.wallMs,
  costUsd: f.costUsd,
  ticketId: f.ticketId,
  ticketExpiresAt: f.ticketExpiresAt,
  resultJson: JSON.stringify(f.result),
});
