/** Demo: a council vote on one order — refused clearly without a gateway key; with one, the votes and the ticket. */
import type { DemoStep } from '../demo.js';

export const councilStep: DemoStep = {
  title: 'Council: several models vote on an order (council_vote)',
  profile: 'council',
  async run(ctx) {
    const order = { symbol: 'AAPL', side: 'buy', qty: 5, type: 'limit', limit_price: 180, time_in_force: 'day', rationale: 'pullback to support; small size' };
    ctx.print(`council_vote on: buy 5 AAPL limit 180 (day)`);
    const result = await ctx.call('council_vote', { question: 'Should we place this order now?', order });
    const structured = (result.structuredContent ?? {}) as Record<string, unknown>;
    if (result.isError) {
      const code = String(structured.code ?? 'ERROR');
      ctx.print(`refused: ${code} — ${String(structured.message ?? '')}`);
      if (code === 'GATEWAY_NOT_CONFIGURED') {
        ctx.print('No LLM gateway key, so no model is asked and no ticket is issued (nothing is spent).');
        ctx.print('With LLM_GATEWAY_API_KEY set, the reasoning and options tiers vote in parallel; the result carries');
        ctx.print('the decision, consensus, each model with latency and cost, and a single-use ticket for this order_hash.');
      }
      return;
    }
    const first = result.content[0];
    ctx.print(first && first.type === 'text' ? first.text : JSON.stringify(structured));
    const log = await ctx.client.readResource({ uri: 'trading://council' });
    const body = log.contents[0];
    const councils = body && 'text' in body ? (JSON.parse(body.text) as { councils: unknown[] }).councils : [];
    ctx.print(`trading://council now lists ${councils.length} council(s), each vote with its reasoning.`);
  },
};
