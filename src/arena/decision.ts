/**
 * An arena model's decision (SPEC §14): the JSON schema it answers with (`response_format: json_schema`,
 * strict) and the strict parser that says whether a reply is a decision at all. A reply that is not JSON,
 * misses or adds a key, is out of range or names a symbol outside the round is `invalid`: it fills nothing.
 */
import { z } from 'zod';
import { MAX_REASONING_CHARS, replyJson, schemaIssues } from '../council/vote.js';

export const ACTIONS = ['BUY', 'SELL', 'HOLD'] as const;
export type Action = (typeof ACTIONS)[number];

export function decisionJsonSchema(symbols: readonly string[]): Record<string, unknown> {
  return {
    type: 'object',
    properties: {
      action: { type: 'string', enum: [...ACTIONS] },
      symbol: { type: 'string', enum: [...symbols] },
      qty_fraction: { type: 'number', minimum: 0, maximum: 1 },
      confidence: { type: 'number', minimum: 0, maximum: 1 },
      reasoning: { type: 'string' },
    },
    required: ['action', 'symbol', 'qty_fraction', 'confidence', 'reasoning'],
    additionalProperties: false,
  };
}

const DecisionSchema = z.strictObject({
  action: z.enum(ACTIONS),
  symbol: z.string(),
  qty_fraction: z.number().min(0).max(1),
  confidence: z.number().min(0).max(1),
  reasoning: z.string().trim().min(1, 'reasoning is empty'),
});
export type Decision = z.output<typeof DecisionSchema>;

export type ParsedDecision = { ok: true; decision: Decision } | { ok: false; reason: string };

export function parseDecision(content: string, symbols: readonly string[]): ParsedDecision {
  const json = replyJson(content);
  if (!json.ok) return json;
  const parsed = DecisionSchema.safeParse(json.value);
  if (!parsed.success) return { ok: false, reason: `answer does not match the decision schema: ${schemaIssues(parsed.error.issues)}` };
  if (!symbols.includes(parsed.data.symbol)) return { ok: false, reason: `symbol ${parsed.data.symbol} is not in this round (${symbols.join(', ')})` };
  const r = parsed.data.reasoning;
  return { ok: true, decision: { ...parsed.data, reasoning: r.length > MAX_REASONING_CHARS ? `${r.slice(0, MAX_REASONING_CHARS)}…` : r } };
}
