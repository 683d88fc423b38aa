/**
 * The council's vote contract (SPEC §8): the JSON schema each member must answer with, and the
 * strict parser that decides whether an answer is a vote at all. An answer that does not parse,
 * has missing or extra keys, or is out of range is `invalid` — never a vote, never an approval.
 */
import { z } from 'zod';

export const VOTES = ['APPROVE', 'REJECT', 'ABSTAIN'] as const;
export type Vote = (typeof VOTES)[number];

/** Sent as `response_format: { type: 'json_schema', json_schema: { name: 'council_vote', strict: true, schema } }`. */
export const VOTE_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    vote: { type: 'string', enum: [...VOTES] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasoning: { type: 'string' },
  },
  required: ['vote', 'confidence', 'reasoning'],
  additionalProperties: false,
};

export const MemberVoteSchema = z.strictObject({
  vote: z.enum(VOTES),
  confidence: z.number().min(0).max(1),
  reasoning: z.string().trim().min(1, 'reasoning is empty'),
});
export type MemberVote = z.output<typeof MemberVoteSchema>;

/** Longest reasoning kept per vote (the log and the result); longer text is cut, never dropped. */
export const MAX_REASONING_CHARS = 4000;

export type ParsedVote = { ok: true; vote: MemberVote } | { ok: false; reason: string };

/**
 * The JSON inside a structured reply. Tolerates only presentation noise a json_schema reply can carry
 * (surrounding whitespace, one ```json fence, a leading <think>…</think> block from R1-class models).
 */
export function replyJson(content: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  let text = content.trim();
  text = text.replace(/^<think>[\s\S]*?<\/think>\s*/, '');
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(text);
  if (fenced) text = (fenced[1] ?? '').trim();
  if (text === '') return { ok: false, reason: 'empty answer' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, reason: `answer is not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
}

/** The schema's complaints, one line. */
export const schemaIssues = (issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string =>
  issues.map((i) => `${i.path.join('.') || '(answer)'} ${i.message}`).join('; ');

/** Parse a member's reply content: the JSON inside (replyJson) must match the vote schema exactly. */
export function parseVote(content: string): ParsedVote {
  const json = replyJson(content);
  if (!json.ok) return json;
  const parsed = MemberVoteSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: `answer does not match the vote schema: ${schemaIssues(parsed.error.issues)}` };
  const reasoning = parsed.data.reasoning.length > MAX_REASONING_CHARS ? `${parsed.data.reasoning.slice(0, MAX_REASONING_CHARS)}…` : parsed.data.reasoning;
  return { ok: true, vote: { ...parsed.data, reasoning } };
}
