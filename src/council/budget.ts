/**
 * "Can the budget pay for a quorum?" — asked before any member is sent (issue 9). The router has no
 * such question in its contract, so this file answers it from the routing layer's public pieces
 * (getTierTable, getLedger().view(), worstCaseInputTokens, costNano),
 * with the router's own arithmetic: the same tier table, the same worst-case reservation
 * (worstCaseInputTokens of the messages + schema, the tier's maxTokens at the model's price) and the
 * same downgrade pools per step. A member's cheapest possible call is the cheapest model the router
 * could pick for it at the current step; the quorum is affordable when the `quorum` cheapest members
 * together fit in what is left today and this month. It is a necessary condition, checked once: the
 * router still reserves each call atomically, so a race lost later yields failed members, never overspend.
 */
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import { downgradePool, worstCaseInputTokens, type BudgetView } from '../llm/budget.js';
import { costNano, nanoToUsd, priceOf, type TierTable } from '../llm/tiers.js';
import type { ChatMessage } from '../llm/types.js';
import type { Profile } from '../profiles.js';

type Member = Profile['council']['members'][number];

/** The worst-case cost (nano-USD) of the cheapest call the router could make for each member at `step`; null when no model of its pool has a price. */
export function memberWorstCasesNano(table: TierTable, members: readonly Member[], step: number, messages: readonly ChatMessage[], schema: Record<string, unknown>): Array<number | null> {
  const inputTokens = worstCaseInputTokens(messages.map((m) => m.content), Buffer.byteLength(JSON.stringify(schema)));
  return members.map((member) => {
    const spec = table.tiers[member.tier];
    const pool = downgradePool(table, member.tier, step, member.model);
    const costs = pool
      .map((m) => priceOf(table, m))
      .filter((p) => p !== undefined)
      .map((p) => costNano(p, { inputTokens, cachedInputTokens: 0, outputTokens: spec.maxTokens }));
    return costs.length ? Math.min(...costs) : null;
  });
}

export interface QuorumBudget {
  affordable: boolean;
  needNano: number;
  leftNano: number;
  perMemberNano: Array<number | null>;
}

export function quorumBudget(view: BudgetView, table: TierTable, members: readonly Member[], quorum: number, messages: readonly ChatMessage[], schema: Record<string, unknown>): QuorumBudget {
  const perMemberNano = memberWorstCasesNano(table, members, view.step, messages, schema);
  const priced = perMemberNano.filter((c): c is number => c !== null).sort((a, b) => a - b);
  const leftNano = Math.max(0, Math.min(view.dayLeftNano, view.monthLeftNano));
  if (priced.length < quorum) return { affordable: false, needNano: Number.POSITIVE_INFINITY, leftNano, perMemberNano };
  const needNano = priced.slice(0, quorum).reduce((s, c) => s + c, 0);
  return { affordable: needNano <= leftNano, needNano, leftNano, perMemberNano };
}

/** Throws BUDGET_EXHAUSTED (nothing sent) when a quorum of members cannot be paid for. */
export async function assertBudgetCoversQuorum(
  deps: Deps,
  members: readonly Member[],
  quorum: number,
  messages: readonly ChatMessage[],
  schema: Record<string, unknown>,
): Promise<QuorumBudget> {
  const { getTierTable, getLedger } = await import('../llm/index.js');
  const [table, ledger] = await Promise.all([getTierTable(deps), getLedger(deps)]);
  const view = ledger.view();
  const q = quorumBudget(view, table, members, quorum, messages, schema);
  if (!q.affordable) {
    throw new ToolError(
      'BUDGET_EXHAUSTED',
      `the LLM budget cannot pay for a council quorum of ${quorum} (worst case $${Number.isFinite(q.needNano) ? nanoToUsd(q.needNano) : '∞'}, $${nanoToUsd(q.leftNano)} left today/this month); no member was asked`,
      {
        quorum,
        worstCaseUsd: Number.isFinite(q.needNano) ? nanoToUsd(q.needNano) : null,
        remainingDailyUsd: nanoToUsd(Math.max(0, view.dayLeftNano)),
        remainingMonthlyUsd: nanoToUsd(Math.max(0, view.monthLeftNano)),
        downgradeStep: view.step,
      },
    );
  }
  return q;
}
