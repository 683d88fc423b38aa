/**
 * Prometheus metrics (SPEC §17) with prom-client, the Node client the Prometheus project lists. Tool calls are
 * counted in-process (counters.ts); everything else is read from the stores the server writes when scraped, so
 * the figures are the ledger's, the audit's and the halt's own — across every process on the data dir:
 *   tars_tool_calls_total{tool,outcome}          this process's tool calls, by `ok` or error code
 *   tars_llm_calls / tars_llm_cost_usd / tars_llm_tokens{kind}   by tier and model, this month (the ledger)
 *   tars_llm_budget_remaining_usd{envelope}      day, month and critical
 *   tars_llm_downgrade_step
 *   tars_orders{status}                          place_order attempts by outcome (the audit)
 *   tars_trading_halted                          1 when the kill switch is on
 * Loaded only when /metrics is served.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Deps } from '../deps.js';
import { toolCallCounts } from './counters.js';

type Labels = Record<string, string>;

function gauge(registry: Registry, name: string, help: string, labelNames: string[], rows: Array<[Labels, number]>): void {
  const g = new Gauge({ name, help, labelNames, registers: [registry] });
  for (const [labels, v] of rows) g.set(labels, v);
}

async function llmMetrics(deps: Deps, registry: Registry): Promise<void> {
  const { usageReport } = await import('../llm/usage.js');
  const u = await usageReport(deps, 0);
  const byTierModel = await tierModelRows(deps);
  gauge(
    registry,
    'tars_llm_calls',
    'LLM calls this month by tier and model (the ledger)',
    ['tier', 'model'],
    byTierModel.map((r) => [{ tier: r.tier, model: r.model }, r.calls]),
  );
  gauge(
    registry,
    'tars_llm_cost_usd',
    'LLM dollars this month by tier and model (the ledger)',
    ['tier', 'model'],
    byTierModel.map((r) => [{ tier: r.tier, model: r.model }, r.costUsd]),
  );
  gauge(
    registry,
    'tars_llm_tokens',
    'LLM tokens this month by tier, model and kind (the ledger)',
    ['tier', 'model', 'kind'],
    byTierModel.flatMap((r) => [
      [{ tier: r.tier, model: r.model, kind: 'input' }, r.inputTokens],
      [{ tier: r.tier, model: r.model, kind: 'output' }, r.outputTokens],
    ]),
  );
  gauge(
    registry,
    'tars_llm_budget_remaining_usd',
    'what is left of each LLM budget envelope',
    ['envelope'],
    [
      [{ envelope: 'day' }, u.today.remainingUsd],
      [{ envelope: 'month' }, u.month.remainingUsd],
      [{ envelope: 'critical' }, u.critical.remainingUsd],
    ],
  );
  gauge(registry, 'tars_llm_downgrade_step', 'the budget downgrade step (0 primary, 1 cheapest of the tier, 2 cheapest overall)', [], [[{}, u.downgrade.step]]);
}

async function tierModelRows(deps: Deps) {
  const { getLedger } = await import('../llm/index.js');
  const ledger = await getLedger(deps);
  return ledger.groupByTierModel({ month: (await ledger.view()).month });
}

async function orderMetrics(deps: Deps, registry: Registry): Promise<void> {
  const [{ getGateStore }, { getRiskState }] = await Promise.all([import('../execution/gate-store.js'), import('../risk/state.js')]);
  const counts = await (await getGateStore(deps)).auditCounts();
  gauge(
    registry,
    'tars_orders',
    'place_order attempts by outcome (the audit, every process)',
    ['status'],
    Object.entries(counts).map(([status, n]) => [{ status }, n]),
  );
  const halt = await (await getRiskState(deps)).isHalted();
  gauge(registry, 'tars_trading_halted', '1 when the kill switch is on', [], [[{}, halt.halted ? 1 : 0]]);
}

/** The exposition text (Prometheus text format 0.0.4) and its content type. */
export async function scrape(deps: Deps): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const calls = new Counter({
    name: 'tars_tool_calls_total',
    help: 'tool calls of this process by tool and outcome (ok or the error code)',
    labelNames: ['tool', 'outcome'],
    registers: [registry],
  });
  for (const c of toolCallCounts()) calls.inc({ tool: c.tool, outcome: c.outcome }, c.count);
  await Promise.all([llmMetrics(deps, registry), orderMetrics(deps, registry)]);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
