/**
 * "Can the budget pay for a quorum?" — asked before any member is sent (issue 9), of the router itself:
 * each member's request is quoted (LlmRouter.quote: the tier table, worst-case reservation, downgrade step
 * and pools the call itself would use), and a member's least reservation is the cheapest model the router
 * could pick for it at the current step. The quorum is affordable when the `quorum` cheapest members
 * together fit in what is left today and this month. It is a necessary condition, checked once: the router
 * still reserves each call atomically, so a race lost later yields failed members, never overspend.
 */
import { ToolError } from '../errors.js';
import { fullPriceQuote } from '../llm/route.js';
import { nanoToUsd, type TierTable } from '../llm/tiers.js';
import type { CallQuote, ChatMessage, CompletionRequest, LlmRouter } from '../llm/types.js';
import type { Profile } from '../profiles.js';

type Member = Profile['council']['members'][number];

/** What a member is asked (council.ts adds its timeout and signal): the request quoted here is the one sent. */
export function memberRequest(member: Member, messages: ChatMessage[], schema: Record<string, unknown>): CompletionRequest {
  return {
    tier: member.tier,
    tool: 'council_vote',
    messages,
    responseFormat: { name: 'council_vote', schema, strict: true },
    ...(member.model ? { preferModel: member.model } : {}),
  };
}

/** Each member's least reservation (nano-USD) with the whole budget left (doctor); null when no model of its tier is priced. */
export function memberWorstCasesNano(
  table: TierTable,
  members: readonly Member[],
  messages: ChatMessage[],
  schema: Record<string, unknown>,
): Array<number | null> {
  return members.map((member) => fullPriceQuote(table, memberRequest(member, messages, schema)).cheapestWorstCaseNano);
}

export interface QuorumBudget {
  affordable: boolean;
  needNano: number;
  leftNano: number;
  perMemberNano: Array<number | null>;
}

const leftOf = (q: CallQuote) => Math.max(0, Math.min(q.remainingDailyNano, q.remainingMonthlyNano));

/** The members' quotes against what is left (the tightest view among them, should spending move between quotes). */
export function quorumBudget(quotes: readonly CallQuote[], quorum: number): QuorumBudget {
  const perMemberNano = quotes.map((q) => q.cheapestWorstCaseNano);
  const priced = perMemberNano.filter((c): c is number => c !== null).sort((a, b) => a - b);
  const leftNano = Math.min(...quotes.map(leftOf));
  if (priced.length < quorum) return { affordable: false, needNano: Number.POSITIVE_INFINITY, leftNano, perMemberNano };
  const needNano = priced.slice(0, quorum).reduce((s, c) => s + c, 0);
  return { affordable: needNano <= leftNano, needNano, leftNano, perMemberNano };
}

/** Throws BUDGET_EXHAUSTED (nothing sent) when a quorum of members cannot be paid for. */
export async function assertBudgetCoversQuorum(
  router: LlmRouter,
  members: readonly Member[],
  quorum: number,
  messages: ChatMessage[],
  schema: Record<string, unknown>,
): Promise<QuorumBudget> {
  const quotes = await Promise.all(members.map((m) => router.quote(memberRequest(m, messages, schema))));
  const q = quorumBudget(quotes, quorum);
  if (!q.affordable) {
    const tightest = quotes.reduce((a, b) => (leftOf(b) < leftOf(a) ? b : a));
    throw new ToolError(
      'BUDGET_EXHAUSTED',
      `the LLM budget cannot pay for a council quorum of ${quorum} (worst case $${Number.isFinite(q.needNano) ? nanoToUsd(q.needNano) : '∞'}, $${nanoToUsd(q.leftNano)} left today/this month); no member was asked`,
      {
        quorum,
        worstCaseUsd: Number.isFinite(q.needNano) ? nanoToUsd(q.needNano) : null,
        remainingDailyUsd: nanoToUsd(Math.max(0, tightest.remainingDailyNano)),
        remainingMonthlyUsd: nanoToUsd(Math.max(0, tightest.remainingMonthlyNano)),
        downgradeStep: tightest.downgradeStep,
      },
    );
  }
  return q;
}
