/**
 * The usage report behind `get_llm_usage` and `trading://usage`: both envelopes (SPEC §11) — the shared
 * budget today (America/New_York trading day) and this month, by tier, model and tool, with the current
 * downgrade step; and the critical tier's own daily cap and confirmations in the last hour — plus the
 * replies flagged as usage anomalies, and `routing` (SPEC §15: routing-report.ts). Reads the ledger and the
 * routing statistics only (no gateway call); works without a gateway key.
 */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { DOWNGRADE_STEPS } from './budget.js';
import type { BudgetLedger, GroupRow } from './ledger.js';
import { criticalEnvelope } from './envelope.js';
import { getLedger, getLlm, getRoutingStats, getTierTable } from './index.js';
import { resolveProviders } from './providers.js';
import { RoutingReportSchema, routingLines, routingReport, type RoutingReport } from './routing-report.js';
import { nanoToUsd } from './tiers.js';

const Group = z.strictObject({
  key: z.string(),
  calls: z.number().int().nonnegative().describe('logical calls'),
  attempts: z.number().int().nonnegative().describe('model attempts (failover and refusals included)'),
  failed: z.number().int().nonnegative().describe('attempts that failed or were refused'),
  costUsd: z.number(),
  inputTokens: z.number().int().nonnegative(),
  cachedInputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  reasoningTokens: z.number().int().nonnegative(),
});

const Period = z.strictObject({
  period: z.string().describe('trading day (America/New_York) or month'),
  budgetUsd: z.number(),
  spentUsd: z.number().describe('settled spend plus open reservations'),
  remainingUsd: z.number().describe('never below 0; a critical call may push spent past the budget'),
  byTier: z.array(Group),
  byModel: z.array(Group),
  byTool: z.array(Group),
});

const Anomaly = z.strictObject({
  at: z.string(),
  tool: z.string(),
  tier: z.string(),
  modelRequested: z.string(),
  modelServed: z.string().nullable(),
  costUsd: z.number().describe('charged as the gateway reported it'),
  detail: z.string().describe('what the reply reported against what the request allowed'),
});

export const UsageReportSchema = z.strictObject({
  gatewayConfigured: z.boolean(),
  today: Period.describe('the shared envelope today: every tier counts here; only non-critical calls are refused by it'),
  month: Period,
  critical: z
    .strictObject({
      period: z.string().describe('trading day (America/New_York)'),
      dailyBudgetUsd: z.number().describe('TRADING_MCP_CRITICAL_DAILY_BUDGET_USD'),
      spentUsd: z.number().describe('critical spend today: settled plus open reservations'),
      remainingUsd: z.number(),
      confirmationsLastHour: z.number().int().nonnegative().describe('critical calls sent in the last hour, approved or not'),
      maxConfirmationsPerHour: z.number().int().positive().describe("the profile's confirmation.maxConfirmationsPerHour"),
    })
    .describe("the critical tier's own envelope: past either limit place_order refuses with BUDGET_EXHAUSTED without calling the gateway"),
  usageAnomalies: z
    .strictObject({
      today: z.number().int().nonnegative(),
      month: z.number().int().nonnegative(),
      recent: z.array(Anomaly).describe('the latest of the month, newest first'),
    })
    .describe(
      'replies whose reported usage exceeded what the request allowed (completion above max_tokens, or prompt above 2× the worst-case estimate); each isolated its model',
    ),
  downgrade: z.strictObject({
    step: z.number().int().min(0).max(2),
    fractionLeft: z.number().min(0).max(1),
    meaning: z.string(),
    thresholds: z.string(),
  }),
  routing: RoutingReportSchema.describe('per tier its policy and providers, per model its durable routing statistics; the catalog and the providers'),
  recent: z.array(
    z.strictObject({
      at: z.string(),
      tool: z.string(),
      tier: z.string(),
      modelRequested: z.string(),
      modelServed: z.string().nullable(),
      costUsd: z.number(),
      latencyMs: z.number().nullable(),
      outcome: z.string(),
    }),
  ),
});
export type UsageReport = z.output<typeof UsageReportSchema>;

const toGroup = (g: GroupRow): z.output<typeof Group> => ({
  key: g.key,
  calls: g.calls,
  attempts: g.attempts,
  failed: g.failed,
  costUsd: nanoToUsd(g.cost_nano),
  inputTokens: g.input_tokens,
  cachedInputTokens: g.cached_tokens,
  outputTokens: g.output_tokens,
  reasoningTokens: g.reasoning_tokens,
});

async function anomalies(ledger: BudgetLedger, view: { day: string; month: string }): Promise<UsageReport['usageAnomalies']> {
  const a = await ledger.anomalies(view, 5);
  return {
    today: a.today,
    month: a.month,
    recent: a.recent.map((r) => ({
      at: r.at,
      tool: r.tool,
      tier: r.tier,
      modelRequested: r.model_requested,
      modelServed: r.model_served,
      costUsd: nanoToUsd(r.cost_nano),
      detail: r.usage_anomaly ?? '',
    })),
  };
}

/** Routing as the router sees it now (the live table, its catalog), or the start-up table when no router is configured. */
export async function routingNow(deps: Deps): Promise<RoutingReport> {
  const [router, stats] = await Promise.all([getLlm(deps), getRoutingStats(deps)]);
  const sources = router.routingSources?.() ?? {
    table: await getTierTable(deps),
    providers: resolveProviders(await getTierTable(deps), deps.config.gateway, process.env),
  };
  const [totals] = await Promise.all([stats.summary(), stats.refresh()]);
  return routingReport({ ...sources, stats: totals, recent: (tier, model) => stats.recent(tier, model) });
}

export async function usageReport(deps: Deps, recentLimit = 10): Promise<UsageReport> {
  const ledger = await getLedger(deps);
  const view = await ledger.view();
  const period = async (which: 'day' | 'month') => {
    const p = which === 'day' ? { day: view.day } : { month: view.month };
    const budget = which === 'day' ? view.dailyBudgetNano : view.monthlyBudgetNano;
    const committed = which === 'day' ? view.dayCommittedNano : view.monthCommittedNano;
    return {
      period: which === 'day' ? view.day : view.month,
      budgetUsd: nanoToUsd(budget),
      spentUsd: nanoToUsd(committed),
      remainingUsd: nanoToUsd(Math.max(0, budget - committed)),
      byTier: (await ledger.groupBy('tier', p)).map(toGroup),
      byModel: (await ledger.groupBy('model', p)).map(toGroup),
      byTool: (await ledger.groupBy('tool', p)).map(toGroup),
    };
  };
  return {
    gatewayConfigured: Boolean(deps.config.gateway.apiKey),
    today: await period('day'),
    month: await period('month'),
    downgrade: {
      step: view.step,
      fractionLeft: Math.round(view.fractionLeft * 10_000) / 10_000,
      meaning: DOWNGRADE_STEPS[view.step].meaning,
      thresholds: '>50% left: step 0 (primary); 25–50%: step 1 (cheapest of the tier); <25%: step 2 (cheapest overall); critical: never downgraded',
    },
    critical: criticalEnvelope(view, deps.profile.confirmation.maxConfirmationsPerHour),
    usageAnomalies: await anomalies(ledger, view),
    routing: await routingNow(deps),
    recent: (await ledger.recent(recentLimit)).map((r) => ({
      at: r.at,
      tool: r.tool,
      tier: r.tier,
      modelRequested: r.model_requested,
      modelServed: r.model_served,
      costUsd: nanoToUsd(r.state === 'reserved' ? r.reserved_nano : r.cost_nano),
      latencyMs: r.latency_ms,
      outcome: r.state === 'reserved' ? 'in_flight' : r.outcome,
    })),
  };
}

export function renderUsage(r: UsageReport): string {
  const usd = (n: number) => `$${n.toFixed(4)}`;
  const lines = [
    `LLM spend today (${r.today.period}, New York): ${usd(r.today.spentUsd)} of ${usd(r.today.budgetUsd)}, ${usd(r.today.remainingUsd)} left; month ${r.month.period}: ${usd(r.month.spentUsd)} of ${usd(r.month.budgetUsd)}.`,
    `Downgrade step ${r.downgrade.step} (${Math.round(r.downgrade.fractionLeft * 100)}% left): ${r.downgrade.meaning}.`,
  ];
  const c = r.critical;
  lines.push(
    `Opus confirmations (own envelope): ${usd(c.spentUsd)} of ${usd(c.dailyBudgetUsd)} today, ${usd(c.remainingUsd)} left; ${c.confirmationsLastHour} of ${c.maxConfirmationsPerHour} in the last hour.`,
  );
  if (r.usageAnomalies.month)
    lines.push(`Usage anomalies (gateway reported more than allowed): ${r.usageAnomalies.today} today, ${r.usageAnomalies.month} this month.`);
  if (r.today.byTier.length) lines.push(`Today by tier: ${r.today.byTier.map((g) => `${g.key} ${g.calls} call(s) ${usd(g.costUsd)}`).join('; ')}.`);
  const routing = routingLines(r.routing);
  if (routing.length) lines.push(`Routing: ${routing.join(' | ')}.`);
  if (r.routing.catalog.unlisted.length) {
    lines.push(
      `Not listed by their provider (skipped, never called): ${r.routing.catalog.unlisted.map((u) => `${u.model} (${u.tier}, ${u.provider})`).join(', ')}.`,
    );
  }
  if (!r.gatewayConfigured) lines.push('No gateway key is configured: LLM tools answer GATEWAY_NOT_CONFIGURED.');
  return lines.join('\n');
}
