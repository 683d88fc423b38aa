/**
 * What complete() and embed() share: the router's parts, a reservation that records its own refusal, and
 * the receipt every LLM-using tool reports.
 */
import type OpenAI from 'openai';
import { ToolError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LedgerView } from './budget.js';
import type { BudgetLedger, CallMeta, ReserveDecision } from './ledger.js';
import type { Resilience } from './resilience.js';
import { nanoToUsd, type TierTable } from './tiers.js';
import type { CallReceipt, Tier } from './types.js';

export interface RouterParts {
  table: TierTable;
  ledger: BudgetLedger;
  client: OpenAI;
  resilience: Resilience;
  log: Logger;
  random: () => number;
  /** The profile's confirmation.maxConfirmationsPerHour (the critical envelope). */
  maxConfirmationsPerHour: () => number;
}

export type Reservation = ReturnType<BudgetLedger['reserve']>;

/** Reserve on the ledger, refusing (and recording the refusal) when nothing may be called. */
export function reserveOrRefuse(ledger: BudgetLedger, meta: CallMeta, firstModel: string, decide: (v: LedgerView) => ReserveDecision): Reservation {
  try {
    return ledger.reserve(meta, decide);
  } catch (err) {
    if (err instanceof ToolError) {
      ledger.refuse(meta, { modelRequested: firstModel, outcome: err.code.toLowerCase(), error: err.message, step: ledger.view().step });
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
