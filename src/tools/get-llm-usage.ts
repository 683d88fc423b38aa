/** get_llm_usage: LLM spend today and this month against both envelopes, by tier, model and tool, and routing (SPEC §9, §11, §15). */
import { z } from 'zod';
import { defineTool } from '../tool.js';
import { renderUsage, usageReport, UsageReportSchema } from '../llm/usage.js';

export const getLlmUsageTool = defineTool({
  name: 'get_llm_usage',
  title: 'LLM usage and budget',
  description:
    "LLM spend for today (US trading day, America/New_York) and this month against the daily and monthly budgets, broken down by tier, model and tool, with the remaining budget, the current downgrade step (0 primary models, 1 cheapest of each tier, 2 cheapest overall) and the most recent calls. Also the Opus confirmations' own envelope (daily cap, spend, confirmations in the last hour against the profile's limit), the replies whose reported usage exceeded what the request allowed, and `routing`: each tier's policy (fixed, split, adaptive) and providers, and per model its calls, share, valid rate, council agreement rate, latency p50/p95, mean cost and quality (adaptive tiers: incumbent, warm or cold), plus the models the gateway no longer lists. Reads local state only; costs nothing.",
  group: 'llm',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputSchema: z.strictObject({
    recent: z.number().int().min(0).max(100).optional().describe('how many recent calls to list (default 10)'),
  }),
  outputSchema: UsageReportSchema,
  async handler(input, ctx) {
    const report = await usageReport(ctx.deps, input.recent ?? 10);
    return { structured: report, text: renderUsage(report) };
  },
});
