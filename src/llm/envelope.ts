/**
 * The critical tier's own envelope (SPEC §11): the shared budget never blocks an Opus confirmation, but
 * its own daily cap (TRADING_MCP_CRITICAL_DAILY_BUDGET_USD) and the profile's maxConfirmationsPerHour do.
 * Checked inside the ledger's reservation transaction, so concurrent confirmations (several processes
 * too) cannot overshoot either; a refusal sends nothing.
 *
 * @example
 *   ledger.reserve(meta, (view) => { refuseOutsideCriticalEnvelope(view, worst(model), attempt === 1, 12); return {...}; });
 */
import { ToolError } from '../errors.js';
import type { LedgerView } from './budget.js';
import { nanoToUsd } from './tiers.js';

export interface CriticalEnvelopeReport {
  period: string;
  dailyBudgetUsd: number;
  spentUsd: number;
  remainingUsd: number;
  confirmationsLastHour: number;
  maxConfirmationsPerHour: number;
}

export function criticalEnvelope(view: Pick<LedgerView, 'critical'>, maxConfirmationsPerHour: number): CriticalEnvelopeReport {
  const c = view.critical;
  return {
    period: c.day,
    dailyBudgetUsd: nanoToUsd(c.dailyBudgetNano),
    spentUsd: nanoToUsd(c.committedNano),
    remainingUsd: nanoToUsd(Math.max(0, c.leftNano)),
    confirmationsLastHour: c.confirmationsLastHour,
    maxConfirmationsPerHour,
  };
}

/**
 * Throws BUDGET_EXHAUSTED when a critical call may not be sent: the hourly count is checked on a call's
 * first attempt only (a failover to the next Opus model is the same confirmation); the daily cap on every
 * attempt, against settled spend plus open reservations, so spend over-reported by the gateway blocks too.
 */
export function refuseOutsideCriticalEnvelope(
  view: Pick<LedgerView, 'critical'>,
  worstNano: number,
  firstAttempt: boolean,
  maxConfirmationsPerHour: number,
): void {
  const c = view.critical;
  const details = { envelope: 'critical', worstCaseUsd: nanoToUsd(worstNano), ...criticalEnvelope(view, maxConfirmationsPerHour) };
  if (firstAttempt && c.confirmationsLastHour >= maxConfirmationsPerHour) {
    throw new ToolError(
      'BUDGET_EXHAUSTED',
      `${c.confirmationsLastHour} Opus confirmations were made in the last hour, the profile's limit (confirmation.maxConfirmationsPerHour = ${maxConfirmationsPerHour}); nothing was sent. Wait, or stop placing orders that keep being refused`,
      { ...details, reason: 'confirmations_per_hour' },
    );
  }
  if (c.leftNano <= 0 || worstNano > c.leftNano) {
    throw new ToolError(
      'BUDGET_EXHAUSTED',
      `the Opus confirmation envelope cannot cover another call today (worst case $${nanoToUsd(worstNano)}, $${nanoToUsd(Math.max(0, c.leftNano))} left of $${nanoToUsd(c.dailyBudgetNano)}, TRADING_MCP_CRITICAL_DAILY_BUDGET_USD); nothing was sent`,
      { ...details, reason: 'critical_daily_cap' },
    );
  }
}
