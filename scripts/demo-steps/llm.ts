/** Demo: LLM spend against the budgets (get_llm_usage, trading://usage). Embedded defaults have no gateway key. */
import { loadTierTable } from '../../src/llm/tiers.js';
import type { DemoStep } from '../demo.js';

const textOf = (r: { content: Array<{ type: string; text?: string }> }) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

export const llmStep: DemoStep = {
  title: 'LLM budget: spend today and this month, downgrade step (get_llm_usage, trading://usage)',
  profile: 'analyst',
  async run(ctx) {
    const usage = await ctx.call('get_llm_usage', { recent: 3 });
    ctx.print(textOf(usage));
    const u = usage.structuredContent as {
      today: { byTier: Array<{ key: string; calls: number; costUsd: number }> };
      recent: Array<{ tier: string; modelServed: string | null; costUsd: number; outcome: string }>;
    };
    for (const r of u.recent) ctx.print(`  recent: ${r.tier} → ${r.modelServed ?? '—'} $${r.costUsd.toFixed(6)} (${r.outcome})`);
    const res = await ctx.client.readResource({ uri: 'trading://usage' });
    ctx.print(`trading://usage: ${((res.contents[0] as { text?: string }).text ?? '').length} bytes of JSON`);
    const table = loadTierTable();
    ctx.print(
      `Tiers (profiles/tiers.json): ${Object.entries(table.tiers)
        .map(([tier, t]) => `${tier} ${t.models.join(' → ')}`)
        .join(' · ')}; critical is never downgraded.`,
    );
  },
};
