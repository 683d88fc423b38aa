/**
 * `doctor` checks for LLM routing: the tier table, the gateway key (GET /models answers), each tier's
 * models are listed, and our prices match the gateway's. `--write-tiers` writes the table with the
 * gateway's prices into `<dataDir>/tiers.json` (use it with TRADING_MCP_TIERS=<that path>).
 *
 * Gateway prices are read OpenRouter-style: `pricing: {prompt, completion, input_cache_read}` in USD per
 * token (strings or numbers), converted to our per-million figures.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DoctorCheck, DoctorResult } from '../doctor/types.js';
import { loadTierTable, tiersPath, validateTierTable, type ModelPrice, type TierTable } from './tiers.js';

interface GatewayModel {
  id: string;
  pricing?: Record<string, unknown>;
}

const perM = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1e6 * 1e6) / 1e6 : undefined;
};

export function gatewayPrice(m: GatewayModel): ModelPrice | undefined {
  const p = m.pricing;
  if (!p) return undefined;
  const inputPerM = perM(p.prompt);
  const outputPerM = perM(p.completion);
  if (inputPerM === undefined || outputPerM === undefined) return undefined;
  const cachedInputPerM = perM(p.input_cache_read);
  return { inputPerM, outputPerM, ...(cachedInputPerM !== undefined ? { cachedInputPerM } : {}) };
}

const samePrice = (a: ModelPrice, b: ModelPrice) =>
  Math.abs(a.inputPerM - b.inputPerM) < 1e-9 &&
  Math.abs(a.outputPerM - b.outputPerM) < 1e-9 &&
  (b.cachedInputPerM === undefined || Math.abs((a.cachedInputPerM ?? a.inputPerM) - b.cachedInputPerM) < 1e-9);

const fmt = (p: ModelPrice) => `$${p.inputPerM}/$${p.outputPerM}${p.cachedInputPerM !== undefined ? ` (cached $${p.cachedInputPerM})` : ''}`;

/** GET /models at the gateway: the listed models, or the doctor line saying why there are none. */
async function listGatewayModels(baseUrl: string, key: string): Promise<GatewayModel[] | DoctorResult> {
  try {
    const res = await fetch(`${baseUrl.replace(/\/$/, '')}/models`, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
    if (res.status === 401 || res.status === 403) return { name: 'gateway key', status: 'fail', detail: `the gateway refused the key (HTTP ${res.status})` };
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { data?: GatewayModel[] };
    return Array.isArray(body.data) ? body.data.filter((m) => typeof m?.id === 'string') : [];
  } catch (err) {
    return { name: 'gateway key', status: 'fail', detail: `GET /models at ${baseUrl} failed: ${(err as Error).message}` };
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
  results.push({
    name: 'budgets',
    status: 'ok',
    detail: `$${deps.config.budget.dailyUsd}/day, $${deps.config.budget.monthlyUsd}/month (America/New_York trading day)`,
  });

  const key = deps.config.gateway.apiKey;
  if (deps.config.simulatedModels) {
    results.push({
      name: 'gateway models',
      status: 'warn',
      detail: 'simulated models (--simulated-models): no gateway is called; votes and confirmations are scripted (sim broker only)',
    });
    return results;
  }
  if (!key) {
    results.push({ name: 'gateway models', status: 'warn', detail: 'no gateway key: models and prices not checked' });
    return results;
  }
  const listing = await listGatewayModels(deps.config.gateway.baseUrl, key);
  if (!Array.isArray(listing)) {
    results.push(listing);
    return results;
  }
  const listed = listing;
  results.push({ name: 'gateway key', status: 'ok', detail: `GET /models answered with ${listed.length} models` });

  const byId = new Map(listed.map((m) => [m.id, m]));
  const missing = tierModels.filter((m) => !byId.has(m));
  results.push({
    name: 'tier models listed',
    status: missing.length ? (table.tiers.critical.models.every((m) => missing.includes(m)) ? 'fail' : 'warn') : 'ok',
    detail: missing.length ? `not offered by the gateway: ${missing.join(', ')}` : `all ${tierModels.length} tier models are offered`,
  });

  const { refreshed, drift } = refreshPrices(table, byId, tierModels);
  results.push({
    name: 'prices',
    status: drift.length ? 'warn' : 'ok',
    detail: drift.length ? `differ from the gateway: ${drift.join('; ')}` : 'match the gateway where it lists prices',
  });

  if (options.writeTiers) {
    refreshed.updated = new Date().toISOString().slice(0, 10);
    refreshed.source = `refreshed from ${deps.config.gateway.baseUrl}/models by doctor --write-tiers`;
    const out = join(deps.dataDir, 'tiers.json');
    try {
      validateTierTable(refreshed, out);
      writeFileSync(out, JSON.stringify(refreshed, null, 2) + '\n', { mode: 0o600 });
      results.push({ name: 'write tiers', status: 'ok', detail: `wrote ${out}; use it with TRADING_MCP_TIERS=${out}` });
    } catch (err) {
      results.push({ name: 'write tiers', status: 'fail', detail: (err as Error).message });
    }
  }
  return results;
};
