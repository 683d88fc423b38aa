/** get_leaderboard (SPEC §14): every model's shadow account, ranked by P&L net of its LLM cost; `chart` adds the equity curves. */
import { z } from 'zod';
import { defineTool } from '../tool.js';
import { LeaderboardOutputSchema, renderBoard } from './arena-schemas.js';

export const RANKED_BY = 'net_usd = P&L − LLM cost, highest first (ties: lower LLM cost, then model id)';
export const ROUTING_SIGNAL =
  'per model { score: winning sells / sells, n: sells } → adaptive routing reads it as at most externalWeight pseudo-observations of quality';

export const getLeaderboardTool = defineTool({
  name: 'get_leaderboard',
  title: 'Arena leaderboard',
  description: [
    'The arena leaderboard: per model (arena players and council members that voted on orders) its shadow account — equity, cash, positions marked at the current mid, P&L, return, max drawdown, trades, win rate — and the LLM dollars its decisions cost, return per LLM dollar, and its rank by P&L net of that cost.',
    '`chart: true` adds a 960×640 PNG of the equity curves, one line per model. Reads the arena store and quotes held symbols; never touches an order.',
  ].join(' '),
  group: 'arena',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputSchema: z.strictObject({ chart: z.boolean().optional().describe('add a PNG of the equity curves (default false)') }),
  outputSchema: LeaderboardOutputSchema,
  async handler(input, ctx) {
    const [{ getArenaStore }, { boardNow }, { fillModelText }] = await Promise.all([
      import('../arena/store.js'),
      import('../arena/board.js'),
      import('../arena/round.js'),
    ]);
    const prices = await import('../broker/index.js').then((m) => m.getBroker(ctx.deps)).catch(() => null);
    const board = await boardNow(ctx.deps, await getArenaStore(ctx.deps), prices, { curves: input.chart === true });
    const structured = {
      at: board.at,
      ranked_by: RANKED_BY,
      fill_model: fillModelText(ctx.deps.profile.arena.slippageBps),
      models: board.rows,
      unquoted: board.unquoted,
      routing_signal: ROUTING_SIGNAL,
    };
    if (!input.chart || !board.rows.length) return { structured, text: renderBoard(structured) };
    const { equityPng } = await import('../arena/chart.js');
    const { png } = await equityPng(board.curves, ctx.deps.profile.arena.initialCash);
    return { structured, text: renderBoard(structured), images: [{ data: png.toString('base64'), mimeType: 'image/png' }] };
  },
});
