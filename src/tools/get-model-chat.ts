/** get_model_chat (SPEC §14): ModelChat — every decision a model gave the arena or the council, with its prompt digest and full reply. */
import { z } from 'zod';
import { EQUITY_SYMBOL } from '../orders/order.js';
import { defineTool } from '../tool.js';
import { ModelChatOutputSchema } from './arena-schemas.js';

export const getModelChatTool = defineTool({
  name: 'get_model_chat',
  title: 'ModelChat',
  description:
    'ModelChat: the decisions models gave us, newest first — arena rounds and council votes — each with the prompt digest, the full reply, the parsed action and reasoning, the model requested and served, cost, latency, the ledger call id and the shadow fill. Failures and malformed replies are kept too. Filter by model, symbol, round (a round or council id) and since.',
  group: 'arena',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputSchema: z.strictObject({
    model: z.string().min(1).max(200).optional(),
    symbol: z.string().regex(EQUITY_SYMBOL, 'symbol must be an uppercase US equity ticker').optional(),
    round: z.string().min(1).max(100).optional().describe('an arena round id or a council id'),
    since: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 instant: entries at or after it'),
    limit: z.number().int().min(1).max(200).optional().describe('default 20'),
  }),
  outputSchema: ModelChatOutputSchema,
  async handler(input, ctx) {
    const { getArenaStore } = await import('../arena/store.js');
    const store = await getArenaStore(ctx.deps);
    const since = input.since ? new Date(input.since).toISOString() : undefined;
    const entries = await store.chat({ model: input.model, symbol: input.symbol, round: input.round, since, limit: input.limit ?? 20 });
    const text = entries.length
      ? entries
          .map(
            (e) =>
              `- ${e.at} ${e.kind} ${e.ref.slice(0, 8)} ${e.model}: ${e.action ?? e.status}${e.symbol ? ` ${e.symbol}` : ''}${e.error_code ? ` (${e.error_code})` : ''} — ${(e.reasoning ?? e.error_message ?? '').slice(0, 140)}`,
          )
          .join('\n')
      : 'ModelChat: no entry matches.';
    return { structured: { entries, count: entries.length }, text };
  },
});
