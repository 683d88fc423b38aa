/**
 * draft_order: a free-text order intent → a structured order draft, by the `parse` tier, held to the order
 * contract (SPEC §4) without coercion. Read-only: it places, reserves and checks nothing at the broker; its
 * `order` passes straight into check_risk, council_vote or place_order, which run their own gates.
 */
import { z } from 'zod';
import { defineTool } from '../tool.js';

export const DraftOrderOutputSchema = z.strictObject({
  valid: z.boolean().describe('the draft passes the order contract (the same strict rules as check_risk and place_order)'),
  order: z.record(z.string(), z.unknown()).nullable().describe('the order as the contract reads it, defaults applied; null when not valid'),
  order_hash: z.string().nullable().describe('what check_risk and place_order would bind for this order in this mode; null when not valid'),
  proposed: z.record(z.string(), z.unknown()).nullable().describe("the parse model's draft as it came (fields it left unstated omitted)"),
  problems: z.array(z.string()).describe('why the draft does not pass, field by field'),
  ambiguities: z.array(z.string()).describe('what the model guessed or found missing: read them before using the draft'),
  llm: z.strictObject({ tier: z.string(), model: z.string(), costUsd: z.number(), remainingDailyUsd: z.number() }),
});

export const draftOrderTool = defineTool({
  name: 'draft_order',
  title: 'Draft an order from text',
  description: [
    'Turn a free-text order intent (e.g. "buy 10 AAPL at 185 limit, good till cancelled") into a structured order draft with the cheap parse-tier model.',
    'The draft is then held to the same strict order rules as check_risk and place_order: nothing is coerced or repaired; a draft that does not pass comes back with its problems.',
    'The model never invents a quantity, a price or a symbol the text does not state (they come back as problems or ambiguities). Read-only: nothing is placed, reserved or checked at the broker.',
    'Pass a valid `order` to check_risk, council_vote or place_order. Needs a gateway key (else GATEWAY_NOT_CONFIGURED).',
  ].join(' '),
  group: 'llm',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  inputSchema: z.strictObject({
    intent: z.string().trim().min(1, 'intent is empty').max(2000, 'intent is limited to 2000 characters').describe('the order in plain words (untrusted text)'),
  }),
  outputSchema: DraftOrderOutputSchema,
  async handler(input, ctx) {
    const [{ getLlm }, { draftOrder }] = await Promise.all([import('../llm/index.js'), import('../drafts/order-draft.js')]);
    const result = await draftOrder(ctx.deps, await getLlm(ctx.deps), input.intent, ctx.signal);
    return { structured: result, text: renderDraft(result) };
  },
});

function renderDraft(r: z.output<typeof DraftOrderOutputSchema>): string {
  const head = r.valid
    ? `Order draft (valid, order_hash ${r.order_hash?.slice(0, 12)}…): ${JSON.stringify(r.order)}`
    : `No valid order draft: ${r.problems.join('; ')}${r.proposed ? `. Proposed: ${JSON.stringify(r.proposed)}` : ''}`;
  const notes = r.ambiguities.length ? `\nAmbiguities: ${r.ambiguities.join('; ')}` : '';
  return `${head}${notes}\n(${r.llm.tier} tier, ${r.llm.model}, $${r.llm.costUsd.toFixed(6)}; nothing was placed)`;
}
