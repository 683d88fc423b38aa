/**
 * `doctor` checks for LLM routing: the tier table and its policies, each provider a tier uses (its key is set,
 * GET /models answers with it, the tiers' models are listed there), our prices against the gateway's, and
 * the routing statistics per tier × model. `--write-tiers` writes the table with the gateway's prices into
 * `<dataDir>/tiers.json` (use it with TRADING_MCP_TIERS=<that path>; a running server picks the file up
 * when it changes).
 *
 * Gateway prices are read OpenRouter-style (catalog.ts gatewayPrice).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import type { DoctorCheck, DoctorResult } from '../doctor/types.js';
import { gatewayPrice, type GatewayModel } from './catalog.js';
import { getRoutingStats } from './index.js';
import { GATEWAY_PROVIDER, resolveProviders, tierProviderNames, type ResolvedProvider } from './providers.js';
import { routingLines, routingReport } from './routing-report.js';
import { loadTierTable, policySpecOf, tiersPath, validateTierTable, type ModelPrice, type TierTable } from './tiers.js';
import { TIERS } from './types.js';

export { gatewayPrice } from './catalog.js';
const samePrice = (a: ModelPrice, b: ModelPrice) =>
  Math.abs(a.inputPerM - b.inputPerM) < 1e-9 &&
  Math.abs(a.outputPerM - b.outputPerM) < 1e-9 &&
  (b.cachedInputPerM === undefined || Math.abs((a.cachedInputPerM ?? a.inputPerM) - b.cachedInputPerM) < 1e-9);

const fmt = (p: ModelPrice) => `$${p.inputPerM}/$${p.outputPerM}${p.cachedInputPerM !== undefined ? ` (cached $${p.cachedInputPerM})` : ''}`;

/** The doctor line names of a provider's checks: the gateway's keep their old names. */
const keyCheck = (p: ResolvedProvider) => (p.name === GATEWAY_PROVIDER ? 'gateway key' : `provider ${p.name} key`);
const listedCheck = (p: ResolvedProvider) => (p.name === GATEWAY_PROVIDER ? 'tier models listed' : `provider ${p.name} models listed`);

/** GET /models at a provider: the listed models, or the doctor line saying why there are none. */
async function listModels(p: ResolvedProvider): Promise<GatewayModel[] | DoctorResult> {
  try {
    const res = await fetch(`${p.baseUrl.replace(/\/$/, '')}/models`, {
      headers: { authorization: `Bearer ${p.apiKey}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status === 401 || res.status === 403)
      return { name: keyCheck(p), status: 'fail', detail: `${p.name} refused the key in ${p.keyEnv} (HTTP ${res.status})` };
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { data?: GatewayModel[] };
    return Array.isArray(body.data) ? body.data.filter((m) => typeof m?.id === 'string') : [];
  } catch (err) {
    return { name: keyCheck(p), status: 'fail', detail: `GET /models at ${p.baseUrl} failed: ${(err as Error).message}` };
  }
}

/** The table with the gateway's prices where it lists them, and a line per model whose price differs. */
function refreshPrices(table: TierTable, byId: Map<string, GatewayModel>, tierModels: string[]): { refreshed: TierTable; drift: string[] } {
  const refreshed = structuredClone(table);
  const drift: string[] = [];
  for (const id of tierModels) {
    const gp = byId.get(id) && gatewayPrice(byId.get(id)!);
    if (!gp) continue;
    const ours = table.models[id];
    if (!ours || !samePrice(ours, gp)) drift.push(`${id}: ours ${ours ? fmt(ours) : 'none'}, gateway ${fmt(gp)}`);
    refreshed.models[id] = {
      ...gp,
      ...(gp.cachedInputPerM === undefined && ours?.cachedInputPerM !== undefined ? { cachedInputPerM: ours.cachedInputPerM } : {}),
    };
  }
  return { refreshed, drift };
}

/** One line naming each tier's policy (critical is fixed, always: the table is refused otherwise). */
function policyLine(table: TierTable): DoctorResult {
  const parts = TIERS.map((t) => {
    const p = policySpecOf(table.tiers[t]);
    const detail =
      p.kind === 'split'
        ? ` ${Object.entries(p.weights)
            .map(([m, w]) => `${m}=${w}`)
            .join(',')}`
        : p.kind === 'adaptive'
          ? ` (explore ${p.explore}, min ${p.minObservations} obs, window ${p.window}${p.minQuality !== undefined ? `, quality ≥ ${p.minQuality}` : ''}${p.maxLatencyMs ? `, ≤ ${p.maxLatencyMs} ms` : ''})`
          : '';
    const via = tierProviderNames(table, t).join(' → ');
    return `${t} ${p.kind}${detail}${via !== GATEWAY_PROVIDER ? ` via ${via}` : ''}`;
  });
  return { name: 'routing policies', status: 'ok', detail: `${parts.join('; ')}${table.catalog ? `; catalog every ${table.catalog.refreshSec} s` : ''}` };
}

/** Each provider the tiers use: its key, its listing, the tier models it lists. The gateway's listing is returned for the price checks. */
async function providerChecks(
  table: TierTable,
  providers: Map<string, ResolvedProvider>,
): Promise<{ results: DoctorResult[]; gateway: GatewayModel[] | null }> {
  const results: DoctorResult[] = [];
  let gateway: GatewayModel[] | null = null;
  for (const p of providers.values()) {
    const tiers = TIERS.filter((t) => tierProviderNames(table, t).includes(p.name));
    const models = [...new Set(tiers.flatMap((t) => table.tiers[t].models))];
    if (!p.apiKey) {
      results.push(
        p.name === GATEWAY_PROVIDER
          ? { name: 'gateway models', status: 'warn', detail: 'no gateway key: models and prices not checked' }
          : { name: keyCheck(p), status: 'warn', detail: `${p.keyEnv} is not set: ${tiers.join(', ')} skip ${p.name}` },
      );
      continue;
    }
    if (!p.listsModels) {
      results.push({ name: keyCheck(p), status: 'ok', detail: `${p.keyEnv} is set; ${p.name} does not list models (not checked)` });
      continue;
    }
    const listing = await listModels(p);
    if (!Array.isArray(listing)) {
      results.push(listing);
      continue;
    }
    if (p.name === GATEWAY_PROVIDER) gateway = listing;
    results.push({ name: keyCheck(p), status: 'ok', detail: `GET /models at ${p.name} answered with ${listing.length} models` });
    const ids = new Set(listing.map((m) => m.id));
    const missing = models.filter((m) => !ids.has(m));
    const criticalLost = tiers.includes('critical') && table.tiers.critical.models.every((m) => missing.includes(m));
    results.push({
      name: listedCheck(p),
      status: missing.length ? (criticalLost ? 'fail' : 'warn') : 'ok',
      detail: missing.length
        ? `not offered by ${p.name === GATEWAY_PROVIDER ? 'the gateway' : p.name}: ${missing.join(', ')}${table.catalog ? ' (routing skips them there)' : ''}`
        : `all ${models.length} tier models are offered`,
    });
  }
  return { results, gateway };
}

async function routingStatsLines(deps: Deps, table: TierTable, providers: Map<string, ResolvedProvider>): Promise<DoctorResult[]> {
  try {
    const stats = await getRoutingStats(deps);
    await stats.refresh();
    const lines = routingLines(routingReport({ table, providers, stats: await stats.summary(), recent: (t, m) => stats.recent(t, m) }));
    return [{ name: 'routing statistics', status: 'ok', detail: lines.length ? lines.join(' | ') : 'no calls recorded yet' }];
  } catch (err) {
    return [{ name: 'routing statistics', status: 'warn', detail: `cannot read them: ${(err as Error).message}` }];
  }
}

function writeTiers(deps: Deps, refreshed: TierTable): DoctorResult {
  refreshed.updated = new Date().toISOString().slice(0, 10);
  refreshed.source = `refreshed from ${deps.config.gateway.baseUrl}/models by doctor --write-tiers`;
  const out = join(deps.dataDir, 'tiers.json');
  try {
    validateTierTable(refreshed, out);
    writeFileSync(out, `${JSON.stringify(refreshed, null, 2)}\n`, { mode: 0o600 });
    return { name: 'write tiers', status: 'ok', detail: `wrote ${out}; use it with TRADING_MCP_TIERS=${out} (a running server picks up changes to that file)` };
  } catch (err) {
    return { name: 'write tiers', status: 'fail', detail: (err as Error).message };
  }
}

export const llmChecks: DoctorCheck = async (deps, options) => {
  const results: DoctorResult[] = [];
  let table: TierTable;
  const path = tiersPath(deps.config.tiersPath);
  try {
    table = loadTierTable(deps.config.tiersPath);
  } catch (err) {
    return [{ name: 'tier table', status: 'fail', detail: (err as Error).message }];
  }
  const tierModels = [...new Set(Object.values(table.tiers).flatMap((t) => t.models))];
  const unpriced = tierModels.filter((m) => !table.models[m]);
  results.push({
    name: 'tier table',
    status: unpriced.length ? 'warn' : 'ok',
    detail: `${path}: critical → ${table.tiers.critical.models.join(', ')}${unpriced.length ? `; no price (never called): ${unpriced.join(', ')}` : ''}`,
  });
  results.push(policyLine(table));
  results.push({
    name: 'budgets',
    status: 'ok',
    detail: `$${deps.config.budget.dailyUsd}/day, $${deps.config.budget.monthlyUsd}/month (America/New_York trading day)`,
  });
  if (deps.config.simulatedModels) {
    results.push({
      name: 'gateway models',
      status: 'warn',
      detail: 'simulated models (--simulated-models): no gateway or provider is called; votes and confirmations are scripted (sim broker only)',
    });
    return results;
  }
  const providers = resolveProviders(table, deps.config.gateway, process.env);
  const checked = await providerChecks(table, providers);
  results.push(...checked.results);
  results.push(...(await routingStatsLines(deps, table, providers)));
  if (!checked.gateway) return results;

  const byId = new Map(checked.gateway.map((m) => [m.id, m]));
  const { refreshed, drift } = refreshPrices(table, byId, tierModels);
  results.push({
    name: 'prices',
    status: drift.length ? 'warn' : 'ok',
    detail: drift.length ? `differ from the gateway: ${drift.join('; ')}` : 'match the gateway where it lists prices',
  });
  if (options.writeTiers) results.push(writeTiers(deps, refreshed));
  return results;
};
