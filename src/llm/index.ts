/**
 * Entry point of the LLM routing layer (SPEC §9). Cheap to import: the router (openai, cockatiel) and
 * the ledger (better-sqlite3) load on first use.
 *
 * @example
 *   const llm = await getLlm(ctx.deps);
 *   const reply = await llm.complete({ tier: 'analysis', tool: 'get_technicals', messages, maxTokens: 600 });
 *   return { structured: { narrative: reply.content, llm: receiptSummary(reply) }, text: reply.content };
 *
 * `CompletionRequest.timeoutMs` bounds the whole call (retries and failover included); each attempt is
 * further bounded by the tier's `timeoutMs`. Errors: ToolError GATEWAY_NOT_CONFIGURED (no key; nothing
 * is sent), UNKNOWN_PRICE, BUDGET_EXHAUSTED (nothing is sent), GATEWAY_UNAVAILABLE (details.reason:
 * rate_limited, http_5xx, timeout, connection_error, malformed_reply, circuit_open, model_substituted, aborted).
 */
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import { notify } from '../telemetry/notify.js';
import type { BudgetLedger } from './ledger.js';
import { resolveProviders } from './providers.js';
import type { ExternalQuality } from './policies/index.js';
import type { RouterOptions } from './router.js';
import type { RoutingStatsStore } from './stats/store.js';
import { loadTierTable, tiersPath, usdToNano, type TierTable } from './tiers.js';
import type { CallReceipt, LlmRouter } from './types.js';

export type { CallQuote, CallReceipt, Completion, CompletionRequest, Embeddings, LlmRouter } from './types.js';

/** The tier table this process routes with (validated; bootstrap already refused a bad one). */
export const getTierTable = (deps: Deps): Promise<TierTable> => deps.service('llm-tiers', async (d) => loadTierTable(d.config.tiersPath));

/** The spend ledger under the data dir (shared by the router, get_llm_usage and trading://usage). */
export const getLedger = (deps: Deps): Promise<BudgetLedger> =>
  deps.service('llm-ledger', async (d) => {
    const { dailyUsd, monthlyUsd, criticalDailyUsd } = d.config.budget;
    const { openLedger } = await import('./ledger/open.js');
    const ledger = await openLedger(d, {
      dailyNano: usdToNano(dailyUsd),
      monthlyNano: usdToNano(monthlyUsd),
      criticalDailyNano: usdToNano(criticalDailyUsd),
    });
    d.onClose(() => ledger.close());
    return ledger;
  });

/**
 * The routing statistics (the router's evidence; get_llm_usage's `routing`; doctor): PostgreSQL when
 * TRADING_MCP_DATABASE_URL is set (shared by the replicas), else SQLite under the data dir.
 */
export const getRoutingStats = (deps: Deps): Promise<RoutingStatsStore> =>
  deps.service('llm-routing-stats', async (d) => {
    const log = d.log.child({ area: 'llm' });
    const onError = (message: string, err?: unknown) => log.warn(message, err === undefined ? {} : { error: (err as Error).message });
    const { storeBackend } = await import('../store/backend.js');
    let stats: RoutingStatsStore;
    if (storeBackend(d) === 'postgres') {
      const [{ getAdvicePostgres }, { PgRoutingStats }] = await Promise.all([import('../store/postgres/index.js'), import('./stats/postgres.js')]);
      stats = await PgRoutingStats.open((await getAdvicePostgres(d)).pool, { onError });
    } else {
      const { SqliteRoutingStats } = await import('./stats/sqlite.js');
      stats = new SqliteRoutingStats(d.dataDir, 1000, Date.now, onError);
    }
    d.onClose(() => stats.close());
    return stats;
  });

/** Whether any provider a tier uses has its key (the gateway's, or a tier's own provider's). */
export function anyProviderKey(deps: Deps, table: TierTable, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return [...resolveProviders(table, deps.config.gateway, env).values()].some((p) => p.apiKey);
}

function notConfigured(table: TierTable): LlmRouter {
  const refuse = async (): Promise<never> => {
    throw new ToolError('GATEWAY_NOT_CONFIGURED', 'no LLM gateway key is configured: set LLM_GATEWAY_API_KEY (or TETRATE_API_KEY) and restart the server', {
      env: ['LLM_GATEWAY_API_KEY', 'TETRATE_API_KEY', 'TARS_API_KEY'],
    });
  };
  return {
    configured: false,
    complete: refuse,
    quote: refuse,
    embed: refuse,
    embeddingModel: () => table.tiers.embedding.models[0]!,
    close: async () => undefined,
  };
}

/**
 * Build a router for these deps (tests and the bench pass options; tools use getLlm). It routes with the
 * tier table file as it changes (table-source.ts) and keeps its statistics under the data dir.
 */
export async function createLlm(deps: Deps, options: RouterOptions = {}): Promise<LlmRouter> {
  const table = await getTierTable(deps);
  if (!anyProviderKey(deps, table, options.env)) return notConfigured(table);
  const [ledger, stats, { createRouter }, { tableSource }] = await Promise.all([
    getLedger(deps),
    getRoutingStats(deps),
    import('./router.js'),
    import('./table-source.js'),
  ]);
  const source = tableSource(tiersPath(deps.config.tiersPath), table, deps.log.child({ area: 'llm' }));
  const external = guarded(deps, options.external ?? (await externalFor(deps)));
  // --simulated-models: every provider's client talks to the scripted stand-ins, never to a network
  const fetchOption = deps.config.simulatedModels ? { fetch: (await import('./simulated.js')).simulatedFetch() } : {};
  return createRouter(deps, { table: source, ledger, stats }, { ...options, ...fetchOption, ...(external ? { external } : {}) });
}

/**
 * A per-model quality from outside routing (the arena's, SPEC §14 → §15), provided by the composition root
 * (bootstrap.ts) so routing never imports the domain that measures it. A source that cannot load is left out.
 */
const externalSources = new WeakMap<Deps, () => Promise<ExternalQuality>>();

export function provideExternalQuality(deps: Deps, load: () => Promise<ExternalQuality>): void {
  externalSources.set(deps, load);
}

async function externalFor(deps: Deps): Promise<ExternalQuality | undefined> {
  try {
    return await externalSources.get(deps)?.();
  } catch (err) {
    deps.log.warn('routing runs without the external quality source', { err: (err as Error).message });
    return undefined;
  }
}

/** The source as routing calls it: one that throws counts as no evidence (a route never fails on advice). */
function guarded(deps: Deps, source: ExternalQuality | undefined): ExternalQuality | undefined {
  if (!source) return undefined;
  return (model) => {
    try {
      return source(model);
    } catch (err) {
      deps.log.warn('the external quality source failed; routing without it for this call', { model, err: (err as Error).message });
      return null;
    }
  };
}

export const getLlm = (deps: Deps): Promise<LlmRouter> => deps.service('llm', async (d) => withStepNotices(d, await createLlm(d)));

/** A change of the budget's downgrade step, as calls see it, goes to the notification sinks (SPEC §17). */
function withStepNotices(deps: Deps, router: LlmRouter): LlmRouter {
  if (!router.configured) return router;
  let step: number | null = null;
  const complete = router.complete.bind(router);
  router.complete = async (req) => {
    const c = await complete(req);
    if (step !== null && c.downgradeStep !== step) {
      notify(deps, 'budget_step', `LLM budget downgrade step ${step} → ${c.downgradeStep} ($${c.remainingDailyUsd.toFixed(4)} left today)`);
    }
    step = c.downgradeStep;
    return c;
  };
  return router;
}

export interface ReceiptSummary {
  tier: string;
  model: string;
  costUsd: number;
  remainingDailyUsd: number;
}

/** What an LLM-using tool puts in its structured result. */
export function receiptSummary(receipt: CallReceipt): ReceiptSummary {
  return { tier: receipt.tier, model: receipt.modelServed, costUsd: receipt.costUsd, remainingDailyUsd: receipt.remainingDailyUsd };
}
