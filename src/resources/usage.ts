import { defineResource } from '../resource.js';

export const usageResource = defineResource({
  uri: 'trading://usage',
  name: 'usage',
  title: 'LLM usage and budget',
  description:
    "LLM spend today (America/New_York trading day) and this month against the budgets, by tier, model and tool; remaining budget; current downgrade step; the Opus confirmations' own envelope; usage anomalies.",
  requiresTool: 'get_llm_usage',
  async read(deps) {
    const { usageReport } = await import('../llm/usage.js');
    return usageReport(deps);
  },
});
