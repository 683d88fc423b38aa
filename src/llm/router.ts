/**
 * The router (SPEC §9): tier → model under the budget, reserve → send → settle, retries and failover.
 * Loaded lazily by getLlm (it imports openai and cockatiel); never imported at start-up.
 *
 * The parts, each testable on its own: route.ts decides where a call may go and what it reserves (pure),
 * resilience.ts retries and breaks circuits per model, complete.ts and embed.ts run one call against the
 * ledger. The openai client's own retries are off (maxRetries: 0) so only the resilience policy retries.
 *
 * @example
 *   const router = createRouter(deps, table, ledger);
 *   const q = await router.quote({ tier: 'reasoning', tool: 'council_vote', messages }); // what it would reserve now
 *   const reply = await router.complete({ tier: 'reasoning', tool: 'council_vote', messages });
 */
import OpenAI from 'openai';
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import type { RouterParts } from './call.js';
import { complete } from './complete.js';
import { embed } from './embed.js';
import type { BudgetLedger } from './ledger.js';
import { createResilience, type ResilienceOptions } from './resilience.js';
import { quoteRoute, routeBudget } from './route.js';
import type { TierTable } from './tiers.js';
import type { LlmRouter } from './types.js';

export { isTransient, sameModel } from './failures.js';

export interface RouterOptions extends ResilienceOptions {
  /** The draw of weighted policies (split). */
  random?: () => number;
  /** The fetch the openai client uses (the bench passes an in-process one to isolate our own time). */
  fetch?: typeof fetch;
}

export function createRouter(deps: Deps, table: TierTable, ledger: BudgetLedger, opts: RouterOptions = {}): LlmRouter {
  const apiKey = deps.config.gateway.apiKey;
  if (!apiKey) throw new ToolError('GATEWAY_NOT_CONFIGURED', 'no gateway key');
  const log = deps.log.child({ area: 'llm' });
  const parts: RouterParts = {
    table,
    ledger,
    log,
    client: new OpenAI({ apiKey, baseURL: deps.config.gateway.baseUrl, maxRetries: 0, timeout: 120_000, ...(opts.fetch ? { fetch: opts.fetch } : {}) }),
    resilience: createResilience(opts, log),
    random: opts.random ?? Math.random,
    maxConfirmationsPerHour: () => deps.profile.confirmation.maxConfirmationsPerHour,
  };
  return {
    configured: true,
    complete: (req) => complete(parts, req),
    quote: async (req) => quoteRoute(table, req, routeBudget(ledger.view(), parts.maxConfirmationsPerHour()), parts.resilience),
    embed: (req) => embed(parts, req),
    embeddingModel: () => table.tiers.embedding.models[0]!,
    async close() {
      // the ledger is closed by deps.onClose; the HTTP agent holds nothing that outlives the process
    },
  };
}
