/**
 * arena_round (SPEC §14): every arena model decides on the same snapshot; each decision fills in that
 * model's own shadow account. Read-only for the brokerage account (the broker is only quoted); it spends
 * LLM dollars and writes the arena's store.
 */
import { z } from 'zod';
import { EQUITY_SYMBOL } from '../orders/order.js';
import { defineTool } from '../tool.js';
import { ArenaRoundOutputSchema, renderRound } from './arena-schemas.js';

export const arenaRoundTool = defineTool({
  name: 'arena_round',
  title: 'Arena round',
  description: [
    "Play one arena round: the market (a quote, daily bars and the technicals) is read once per symbol, then every arena model (the profile's arena.models, default the council's members) decides in parallel BUY, SELL or HOLD one symbol with a qty_fraction, on the same snapshot and its own shadow account.",
    'Each decision fills in that model’s own sim sub-account only (whole shares, long only, at the mid plus the profile’s slippage) — never at the broker. A failing, hanging or malformed model never fails the round; every reply is kept in ModelChat (get_model_chat).',
    'The budget is checked first: when the round cannot be covered, BUDGET_EXHAUSTED and no model is asked. Returns the decisions, fills, consensus and outliers, and each model’s cost and latency; progress notifications as models finish.',
  ].join(' '),
  group: 'arena',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  inputSchema: z.strictObject({
    symbols: z
      .array(z.string().regex(EQUITY_SYMBOL, 'symbols are uppercase US equity tickers such as SPY or BRK.B'))
      .min(1, 'name at least one symbol')
      .max(10, 'at most 10 symbols a round')
      .refine((s) => new Set(s).size === s.length, 'symbols must not repeat')
      .describe('the symbols the models may trade this round'),
    context: z
      .string()
      .max(16000, 'context is limited to 16000 characters')
      .optional()
      .describe('evidence for every model (news, a thesis); treated as untrusted data'),
  }),
  outputSchema: ArenaRoundOutputSchema,
  async handler(input, ctx) {
    const [{ getLlm }, { getArenaStore }, { runArenaRound }, { getBroker }] = await Promise.all([
      import('../llm/index.js'),
      import('../arena/store.js'),
      import('../arena/round.js'),
      import('../broker/index.js'),
    ]);
    const router = await getLlm(ctx.deps);
    const result = await runArenaRound(ctx.deps, router, await getArenaStore(ctx.deps), await getBroker(ctx.deps), input, {
      signal: ctx.signal,
      progress: (done, total, message) => ctx.progress(done, total, message),
    });
    const structured = {
      ...result,
      snapshots: result.snapshots.map((s) => ({ symbol: s.symbol, bid: s.bid, ask: s.ask, mid: s.mid, quoted_at: s.quoted_at, signals: s.signals })),
      decisions: result.plays.map(({ decision, call_id: _call, fill, ...p }) => ({
        ...p,
        action: decision?.action ?? null,
        symbol: decision?.symbol ?? null,
        qty_fraction: decision?.qty_fraction ?? null,
        confidence: decision?.confidence ?? null,
        reasoning: decision?.reasoning ?? null,
        fill: fill && { side: fill.side, qty: fill.qty, price: fill.price, mid: fill.mid },
      })),
    };
    const { plays: _plays, ...out } = structured;
    return { structured: out, text: renderRound(out) };
  },
});
