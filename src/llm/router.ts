/**
 * The router (SPEC §9, §15): tier → model × provider under the budget and the tier's policy, reserve → send
 * → settle, retries and failover, every attempt observed. Loaded lazily by getLlm (it imports openai,
 * cockatiel, ajv); never imported at start-up.
 *
 * The parts, each testable on its own: route.ts decides where a call may go and what it reserves (pure, with
 * the policies of policies/), endpoints.ts holds the live table, prices, providers and clients, resilience.ts
 * retries and breaks circuits per endpoint, complete.ts and embed.ts run one call against the ledger, and
 * stats/ keeps what each model did. The openai clients' own retries are off (maxRetries: 0) so only the
 * resilience policy retries.
 *
 * @example
 *   const router = createRouter(deps, table, ledger);
 *   const q = await router.quote({ tier: 'reasoning', tool: 'council_vote', messages }); // what it would reserve now
 *   const reply = await router.complete({ tier: 'reasoning', tool: 'council_vote', messages });
 */
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import type { RouterParts } from './call.js';
import { complete } from './complete.js';
import { embed } from './embed.js';
import { createEndpoints } from './endpoints.js';
import type { BudgetLedger } from './ledger.js';
import type { ExternalQuality } from './policies/index.js';
import { createResilience, type ResilienceOptions } from './resilience.js';
import { quoteRoute, routeBudget } from './route.js';
import type { RoutingStatsStore } from './stats/store.js';
import { fixedTable, type TableSource } from './table-source.js';
import type { TierTable } from './tiers.js';
import type { LlmRouter } from './types.js';

export { isTransient, sameModel } from './failures.js';

export interface RouterOptions extends ResilienceOptions {
  /** The draw of the policies that draw (split, adaptive). */
  random?: () => number;
  /** The fetch the openai clients use (the bench passes an in-process one to isolate our own time). */
  fetch?: typeof fetch;
  /** The arena's per-model quality for the adaptive policy (SPEC §14 → §15); absent: routing's own evidence only. */
  external?: ExternalQuality;
  /** Where the providers' keys are read (providers.ts keyEnv); default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface RouterSources {
  /** The table, live (table-source.ts) or fixed. */
  table: TableSource | TierTable;
  ledger: BudgetLedger;
  /** The routing statistics (stats/sqlite.ts, stats/postgres.ts); null: none kept (the adaptive policy then stays on its incumbent). */
  stats: RoutingStatsStore | null;
}

export function createRouter(deps: Deps, sources: RouterSources, opts: RouterOptions = {}): LlmRouter {
  const source = 'current' in sources.table ? sources.table : fixedTable(sources.table);
  const log = deps.log.child({ area: 'llm' });
  const endpoints = createEndpoints({
    source,
    gateway: deps.config.gateway,
    env: opts.env ?? process.env,
    stats: sources.stats,
    external: opts.external,
    log,
    profile: deps.profile.name,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  if (![...endpoints.view().providers.values()].some((p) => p.apiKey)) throw new ToolError('GATEWAY_NOT_CONFIGURED', 'no gateway key');
  const { ledger, stats } = sources;
  const parts: RouterParts = {
    endpoints,
    ledger,
    log,
    resilience: createResilience(opts, log),
    random: opts.random ?? Math.random,
    maxConfirmationsPerHour: () => deps.profile.confirmation.maxConfirmationsPerHour,
    stats,
    profile: deps.profile.name,
  };
  // verdicts are advice, not money: written without waiting, a failed write logged, never thrown into the council
  const feedback: NonNullable<LlmRouter['feedback']> = (callId, signal) => {
    if (signal.agreedWithMajority === undefined || !stats) return;
    stats.recordAgreement(callId, signal.agreedWithMajority).catch((err: unknown) => {
      log.warn('council agreement not recorded', { callId, error: (err as Error).message });
    });
  };
  return {
    configured: true,
    complete: (req) => complete(parts, req),
    quote: async (req) => {
      await endpoints.ready();
      const view = endpoints.view();
      return quoteRoute(view.table, req, routeBudget(await ledger.view(), parts.maxConfirmationsPerHour()), parts.resilience, view.inputs);
    },
    embed: (req) => embed(parts, req),
    feedback,
    feedbackAll(signals) {
      if (!stats) return;
      // one write for a council's members, not one per member (one commit on SQLite, one statement on PostgreSQL)
      const verdicts = signals.flatMap(({ callId, signal }) =>
        signal.agreedWithMajority === undefined ? [] : [{ callId, agreed: signal.agreedWithMajority }],
      );
      if (!verdicts.length) return;
      stats.recordAgreements(verdicts).catch((err: unknown) => {
        log.warn('council agreements not recorded', { calls: verdicts.length, error: (err as Error).message });
      });
    },
    routingSources() {
      const view = endpoints.view();
      return {
        table: view.table,
        providers: view.providers,
        catalog: { report: endpoints.catalog.report(), listed: endpoints.catalog.listed },
        ...(opts.external ? { external: opts.external } : {}),
      };
    },
    embeddingModel: () => endpoints.view().table.tiers.embedding.models[0]!,
    async close() {
      // the ledger is closed by deps.onClose; the HTTP agent holds nothing that outlives the process
    },
  };
}
