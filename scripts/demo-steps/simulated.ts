/**
 * Demo: the whole flow without a key, clearly simulated (--simulated-models). A private sim server
 * whose profile requires a council ticket: the council (scripted stand-ins) votes on an order, the
 * ticket goes with place_order, the Opus stand-in confirms that exact order_hash, the sim broker
 * fills it, and trade memory shows the round trip once it is closed. Every result is labelled.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { PROFILES_DIR } from '../../src/paths.js';
import type { DemoContext, DemoStep } from '../demo.js';
import { OPEN_AT, startPrivateExecutor } from './private-server.js';

/** The executor profile plus council_vote, with a council ticket required for every order. */
function councilledExecutor(): string {
  const profile = JSON.parse(readFileSync(join(PROFILES_DIR, 'executor.json'), 'utf8')) as { name: string; tools: string[]; requireCouncilTicket: boolean };
  const path = join(mkdtempSync(join(tmpdir(), 'tars-demo-profile-')), 'executor-with-council.json');
  writeFileSync(path, JSON.stringify({ ...profile, name: 'executor-with-council', tools: [...profile.tools, 'council_vote'], requireCouncilTicket: true }));
  return path;
}

const text = (r: CallToolResult) => r.content.flatMap((c) => (c.type === 'text' ? [c.text] : []));
const structured = <T>(r: CallToolResult) => r.structuredContent as T;

async function vote(
  ctx: DemoContext,
  call: (t: string, a: Record<string, unknown>) => Promise<CallToolResult>,
  order: Record<string, unknown>,
): Promise<string | null> {
  const result = await call('council_vote', { question: 'Open a small AAPL position now?', order });
  const r = structured<{ decision: string; ticket?: { id?: string } | string | null; members: Array<{ model_served: string | null; vote: string | null }> }>(
    result,
  );
  ctx.print(`council_vote → ${r.decision}: ${r.members.map((m) => `${m.model_served} ${m.vote}`).join(', ')}`);
  const ticket = typeof r.ticket === 'string' ? r.ticket : (r.ticket?.id ?? null);
  return r.decision === 'APPROVE' ? ticket : null;
}

export const simulatedStep: DemoStep = {
  title: 'The whole flow with simulated models (no key): council approves, Opus stand-in confirms, the sim broker fills',
  profile: 'executor',
  async run(ctx) {
    const server = await startPrivateExecutor('simulated', { TRADING_MCP_SIMULATED_MODELS: 'true' }, councilledExecutor());
    try {
      ctx.print(`(a private sim server with --simulated-models; clock pinned to ${OPEN_AT}; its profile requires a council ticket)`);
      const order = {
        symbol: 'AAPL',
        side: 'buy',
        qty: 2,
        type: 'market',
        time_in_force: 'day',
        client_order_id: 'demo-sim-aapl-1',
        strategy: 'trend_following',
      };
      const ticket = await vote(ctx, server.call, order);
      if (!ticket) {
        ctx.print('the simulated council did not approve this order (its stand-ins vote by a hash of the prompt); nothing was placed');
        return;
      }
      const placed = await server.call('place_order', { ...order, council_ticket: ticket, rationale: 'demo: simulated end-to-end flow' });
      const p = structured<{
        status?: string;
        stages?: Array<{ stage: string; outcome: string }>;
        details?: { stages?: Array<{ stage: string; outcome: string }> };
      }>(placed);
      const stages = p.stages ?? p.details?.stages ?? [];
      ctx.print(`place_order → ${placed.isError ? 'REFUSED' : p.status}: ${stages.map((s) => `${s.stage} ${s.outcome}`).join(' → ')}`);
      ctx.print(`   ${text(placed).at(-1)}`);
      if (placed.isError) return;
      const orders = structured<{ orders: Array<{ symbol: string; status: string; filled_qty?: number; filled_avg_price?: number | null }> }>(
        await server.call('get_orders', { status: 'all' }),
      );
      const fill = orders.orders.find((o) => o.symbol === 'AAPL');
      ctx.print(`sim broker → AAPL order ${fill?.status ?? 'not found'}${fill?.filled_avg_price ? ` at ${fill.filled_avg_price}` : ''}`);
      // closing goes through the same gate: a council ticket for the sell, then the confirmation
      const sell = { ...order, side: 'sell', client_order_id: 'demo-sim-aapl-2' };
      const sellTicket = await vote(ctx, server.call, sell);
      const sold = sellTicket
        ? await server.call('place_order', { ...sell, council_ticket: sellTicket, rationale: 'demo: close the simulated position' })
        : null;
      ctx.print(
        `place_order sell 2 AAPL → ${sold === null ? 'not placed' : sold.isError ? `REFUSED ${structured<{ code: string }>(sold).code}` : structured<{ status: string }>(sold).status}`,
      );
      const memory = await server.call('get_trade_memory', { limit: 5 });
      ctx.print(`get_trade_memory → ${text(memory)[0]?.split('\n').slice(0, 3).join(' | ')}`);
    } finally {
      await server.close();
    }
  },
};
