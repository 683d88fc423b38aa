/**
 * council_vote (SPEC §8): several models vote in parallel on a question or an order. Read-only.
 *
 * NO_QUORUM is a normal result (decision "NO_QUORUM", no ticket), not an isError: the council ran,
 * the members were asked (and paid), and the per-member breakdown is what the caller needs to act.
 * It can never authorise anything: place_order accepts only an APPROVE ticket.
 */
import { z } from 'zod';
import { defineTool } from '../tool.js';
import { OrderInputSchema } from '../orders/order.js';

const VoteEnum = z.enum(['APPROVE', 'REJECT', 'ABSTAIN']);

const MemberSchema = z.strictObject({
  member: z.number().int().nonnegative(),
  tier: z.string(),
  model_requested: z.string().nullable(),
  model_served: z.string().nullable(),
  status: z.enum(['valid', 'invalid', 'failed', 'timeout']),
  vote: VoteEnum.nullable(),
  confidence: z.number().min(0).max(1).nullable(),
  reasoning: z.string().nullable(),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  latency_ms: z.number().nonnegative(),
  cost_usd: z.number().nonnegative(),
  downgrade_step: z.number().int().nonnegative().nullable(),
});

export const CouncilVoteOutputSchema = z.strictObject({
  council_id: z.string(),
  question: z.string(),
  decision: z.enum(['APPROVE', 'REJECT', 'ABSTAIN', 'NO_QUORUM']),
  consensus: z.number().min(0).max(1).describe('share of valid votes equal to the decision'),
  high_consensus: z.boolean().describe('consensus >= 0.7'),
  average_confidence: z.number().min(0).max(1).nullable(),
  valid_votes: z.number().int().nonnegative(),
  quorum: z.number().int().positive(),
  members_total: z.number().int().positive(),
  breakdown: z.strictObject({
    APPROVE: z.number().int().nonnegative(),
    REJECT: z.number().int().nonnegative(),
    ABSTAIN: z.number().int().nonnegative(),
    invalid: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    timeout: z.number().int().nonnegative(),
  }),
  outliers: z.array(
    z.strictObject({ member: z.number().int().nonnegative(), model: z.string().nullable(), vote: VoteEnum, confidence: z.number().min(0).max(1) }),
  ),
  members: z.array(MemberSchema),
  order_hash: z.string().nullable(),
  ticket: z.string().nullable().describe('single-use HMAC ticket over order_hash, decision and expiry; pass it to place_order as council_ticket'),
  ticket_expires_at: z.string().nullable(),
  wall_ms: z.number().nonnegative(),
  cost_usd: z.number().nonnegative(),
  remaining_daily_usd: z.number().nullable(),
  lessons: z
    .array(z.strictObject({ id: z.string(), title: z.string() }))
    .nullable()
    .describe("the lessons matching the order that the members' prompt carried (SPEC §13); null when the vote was on no order"),
});

export const councilVoteTool = defineTool({
  name: 'council_vote',
  title: 'Council vote',
  description: [
    "Ask a council of several models (the profile's members, e.g. the reasoning and options tiers) to vote APPROVE, REJECT or ABSTAIN on a question, optionally about one order (same fields as check_risk/place_order).",
    'Members answer in parallel; an invalid answer, a failure or a timeout is never a vote. A quorum of valid votes (profile, default 2) is needed, else decision NO_QUORUM.',
    'APPROVE needs more than half of the valid votes; otherwise REJECT when rejections are at least as many as abstentions, else ABSTAIN. high_consensus at consensus >= 0.7.',
    'With an order, the result carries a single-use ticket bound to that order_hash (expires per profile); place_order accepts it only when the decision is APPROVE.',
    'The question, context and rationale are passed to the members as untrusted data. Every vote is journalled (resource trading://council).',
  ].join(' '),
  group: 'council',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  inputSchema: z.strictObject({
    question: z.string().trim().min(1, 'question is empty').max(4000, 'question is limited to 4000 characters').describe('what the council should decide'),
    order: OrderInputSchema.optional().describe('the order under vote; its order_hash binds the ticket'),
    context: z
      .string()
      .max(16000, 'context is limited to 16000 characters')
      .optional()
      .describe('evidence for the members (market data, risk result, lessons); treated as untrusted data'),
  }),
  outputSchema: CouncilVoteOutputSchema,
  async handler(input, ctx) {
    const [{ getLlm }, { getCouncilStore }, { runCouncil }] = await Promise.all([
      import('../llm/index.js'),
      import('../council/store.js'),
      import('../council/council.js'),
    ]);
    const router = await getLlm(ctx.deps);
    const store = await getCouncilStore(ctx.deps);
    const result = await runCouncil(ctx.deps, router, store, input, {
      signal: ctx.signal,
      progress: (done, total, message) => ctx.progress(done, total, message),
    });
    return { structured: result, text: renderCouncil(result) };
  },
});

function renderCouncil(r: z.output<typeof CouncilVoteOutputSchema>): string {
  const pct = (x: number) => `${Math.round(x * 100)}%`;
  const head =
    r.decision === 'NO_QUORUM'
      ? `Council: NO_QUORUM — ${r.valid_votes} valid vote(s) of ${r.members_total}, quorum ${r.quorum}. Nothing is approved.`
      : `Council: ${r.decision} — consensus ${pct(r.consensus)}${r.high_consensus ? ' (high)' : ''}, ${r.valid_votes}/${r.members_total} valid votes, average confidence ${r.average_confidence ?? '-'}.`;
  const lines = r.members.map((m) => {
    const model = m.model_served ?? m.model_requested ?? m.tier;
    const what =
      m.status === 'valid'
        ? `${m.vote} ${m.confidence} — ${(m.reasoning ?? '').slice(0, 160)}`
        : `${m.status.toUpperCase()} ${m.error?.code ?? ''}: ${m.error?.message.slice(0, 120) ?? ''}`;
    return `- [${m.tier}] ${model}: ${what} (${Math.round(m.latency_ms)} ms, $${m.cost_usd.toFixed(6)})`;
  });
  const tail = [
    `wall ${Math.round(r.wall_ms)} ms, cost $${r.cost_usd.toFixed(6)}${r.remaining_daily_usd !== null ? `, remaining today $${r.remaining_daily_usd.toFixed(4)}` : ''}.`,
  ];
  if (r.lessons) tail.push(r.lessons.length ? `Lessons shown to the members: ${r.lessons.map((l) => l.id).join(', ')}.` : 'No lesson matched this order.');
  if (r.order_hash)
    tail.push(
      r.ticket
        ? `Ticket for order_hash ${r.order_hash.slice(0, 12)}… (${r.decision}), expires ${r.ticket_expires_at}: ${r.ticket}`
        : `No ticket for order_hash ${r.order_hash.slice(0, 12)}… (no quorum).`,
    );
  return [head, ...lines, ...tail].join('\n');
}
