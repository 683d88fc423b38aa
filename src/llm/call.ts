/**
 * What complete() and embed() share: the router's parts, a reservation that records its own refusal, the
 * attribution every gateway call carries (SPEC §15), and the receipt every LLM-using tool reports.
 */
import { ToolError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LedgerView } from './budget.js';
import type { Endpoints } from './endpoints.js';
import type { BudgetLedger, CallMeta, Reservation, ReserveDecision } from './ledger.js';
import type { Resilience } from './resilience.js';
import type { RoutingStatsStore } from './stats/store.js';
import { nanoToUsd } from './tiers.js';
import type { CallReceipt, Tier } from './types.js';

export interface RouterParts {
  /** The table (with listed prices), the providers and their clients, the route inputs: one view per call. */
  endpoints: Endpoints;
  ledger: BudgetLedger;
  /** Circuits per endpoint (providers.ts endpointKey). */
  resilience: Resilience;
  log: Logger;
  random: () => number;
  /** The profile's confirmation.maxConfirmationsPerHour (the critical envelope). */
  maxConfirmationsPerHour: () => number;
  /** Per tier × model results (the adaptive policy's evidence, get_llm_usage's `routing`); null: not kept. */
  stats: RoutingStatsStore | null;
  /** The active profile's name, for the attribution. */
  profile: string;
}

/**
 * SPEC §15: what the gateway's request logs and dashboards split spend by. The request id is our call id,
 * the one in the ledger (and, for a confirmation, in the order audit); it stays the same across a call's
 * retries and failovers.
 */
export function attribution(callId: string, tool: string, tier: Tier, profile: string): { headers: Record<string, string>; user: string } {
  return {
    headers: { 'x-request-id': callId, 'x-trading-mcp-tool': tool, 'x-trading-mcp-tier': tier, 'x-trading-mcp-profile': profile },
    user: `tars-trading-mcp:${profile}`,
  };
}

export type { Reservation };

/**
 * Reserve on the ledger, refusing (and recording the refusal) when nothing may be called. An unreachable
 * store (STORE_UNAVAILABLE) refuses the call without a record: nothing is sent (fail closed).
 */
export async function reserveOrRefuse(
  ledger: BudgetLedger,
  meta: CallMeta,
  firstModel: string,
  decide: (v: LedgerView) => ReserveDecision,
): Promise<Reservation> {
  try {
    return await ledger.reserve(meta, decide);
  } catch (err) {
    if (err instanceof ToolError && err.code !== 'STORE_UNAVAILABLE') {
      const step = (await ledger.view()).step;
      await ledger.refuse(meta, { modelRequested: firstModel, outcome: err.code.toLowerCase(), error: err.message, step });
    }
    throw err;
  }
}

export interface ReplyUsage {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

export function receipt(
  callId: string,
  tier: Tier,
  modelRequested: string,
  modelServed: string,
  u: ReplyUsage,
  cost: number,
  latencyMs: number,
  step: number,
  view: LedgerView,
): CallReceipt {
  return {
    callId,
    tier,
    modelRequested,
    modelServed,
    inputTokens: u.input,
    cachedInputTokens: u.cached,
    outputTokens: u.output,
    reasoningTokens: u.reasoning,
    costUsd: nanoToUsd(cost),
    latencyMs: Math.round(latencyMs * 100) / 100,
    downgradeStep: step,
    remainingDailyUsd: nanoToUsd(Math.max(0, view.dayLeftNano)),
    remainingMonthlyUsd: nanoToUsd(Math.max(0, view.monthLeftNano)),
  };
}

/** The per-attempt timeout: the tier's, cut short by what is left of the call's deadline. */
export const attemptTimeout = (tierTimeoutMs: number, deadline: number): number => Math.max(1, Math.min(tierTimeoutMs, deadline - Date.now()));
