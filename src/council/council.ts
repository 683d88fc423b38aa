/**
 * The council itself: ask every member in parallel through the routing layer, each with its own
 * timeout and AbortSignal; journal each vote the moment it arrives; aggregate; sign a ticket when
 * the vote was on an order. One member failing, hanging or answering nonsense never fails the
 * council and never counts as approval. Wall time is the slowest member, not the sum.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Deps } from '../deps.js';
import { ToolError, isToolError } from '../errors.js';
import { getTierTable } from '../llm/index.js';
import type { LlmRouter } from '../llm/types.js';
import { canonicalOrder, normalizeOrder, orderHash as hashOrder, type ParsedOrder } from '../orders/order.js';
import { aggregateVotes, type CouncilAggregate, type MemberOutcome } from './aggregate.js';
import { assertBudgetCoversQuorum, memberRequest } from './budget.js';
import { councilMessages } from './prompt.js';
import type { CouncilStore } from './store.js';
import { issueTicket } from './ticket.js';
import { parseVote, VOTE_JSON_SCHEMA } from './vote.js';

export interface CouncilInput {
  question: string;
  order?: ParsedOrder | undefined;
  context?: string | undefined;
}

export interface CouncilHooks {
  signal?: AbortSignal;
  progress?: (done: number, total: number, message: string) => Promise<void> | void;
}

export interface CouncilResult extends CouncilAggregate {
  council_id: string;
  question: string;
  order_hash: string | null;
  ticket: string | null;
  ticket_expires_at: string | null;
  members_total: number;
  members: MemberOutcome[];
  wall_ms: number;
  cost_usd: number;
  remaining_daily_usd: number | null;
}

class MemberTimeout extends Error {
  override readonly name = 'MemberTimeout';
}

const ms = (x: number) => Math.round(x * 10) / 10;
const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

export async function runCouncil(deps: Deps, router: LlmRouter, store: CouncilStore, input: CouncilInput, hooks: CouncilHooks = {}): Promise<CouncilResult> {
  const { members, quorum, memberTimeoutMs } = deps.profile.council;
  if (!router.configured) {
    throw new ToolError('GATEWAY_NOT_CONFIGURED', 'council_vote needs an LLM gateway: set LLM_GATEWAY_API_KEY (or TETRATE_API_KEY) and restart the server', {});
  }
  const order = input.order ? normalizeOrder(input.order) : null;
  const orderHash = order ? hashOrder(order, deps.mode) : null;
  const messages = councilMessages({
    question: input.question,
    context: input.context,
    order: order && orderHash ? { canonical: canonicalOrder(order, deps.mode), orderHash, rationale: input.order?.rationale } : undefined,
    mode: deps.mode,
  });
  // Fail before anything is sent when the budget cannot pay for a quorum of members.
  await assertBudgetCoversQuorum(router, members, quorum, messages, VOTE_JSON_SCHEMA);

  // What each member would ask for at step 0: named in failures where the router could not tell us.
  const table = await getTierTable(deps);
  const expectedModel = members.map((m) => m.model ?? table.tiers[m.tier].models[0] ?? null);

  const councilId = randomUUID();
  const total = members.length;
  store.begin({ id: councilId, at: new Date().toISOString(), question: input.question, orderHash, membersTotal: total, quorum });
  const log = deps.log.child({ tool: 'council_vote', council: councilId });
  await Promise.resolve(hooks.progress?.(0, total, `asking ${total} council members`)).catch(() => undefined);

  const started = performance.now();
  let done = 0;
  let remainingDaily: number | null = null;

  const askMember = async (index: number): Promise<{ outcome: MemberOutcome; raw: string | null }> => {
    const member = members[index]!;
    const t0 = performance.now();
    const controller = new AbortController();
    const onParentAbort = () => controller.abort(hooks.signal?.reason);
    hooks.signal?.addEventListener('abort', onParentAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    // Our own deadline, independent of the router's: a member that ignores its signal still cannot hold the council.
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new MemberTimeout(`no answer within ${memberTimeoutMs} ms`);
        controller.abort(err);
        reject(err);
      }, memberTimeoutMs);
    });
    const base = { member: index, tier: member.tier, model_requested: member.model ?? null } as const;
    try {
      const completion = await Promise.race([
        router.complete({ ...memberRequest(member, messages, VOTE_JSON_SCHEMA), timeoutMs: memberTimeoutMs, signal: controller.signal }),
        deadline,
      ]);
      remainingDaily = remainingDaily === null ? completion.remainingDailyUsd : Math.min(remainingDaily, completion.remainingDailyUsd);
      const parsed = parseVote(completion.content);
      const common = {
        ...base,
        model_requested: completion.modelRequested,
        model_served: completion.modelServed,
        latency_ms: ms(performance.now() - t0),
        cost_usd: completion.costUsd,
        downgrade_step: completion.downgradeStep,
      };
      if (parsed.ok) {
        return { outcome: { ...common, status: 'valid', vote: parsed.vote.vote, confidence: parsed.vote.confidence, reasoning: parsed.vote.reasoning, error: null }, raw: null };
      }
      return { outcome: { ...common, status: 'invalid', vote: null, confidence: null, reasoning: null, error: { code: 'INVALID_VOTE', message: parsed.reason } }, raw: completion.content };
    } catch (err) {
      const details = isToolError(err) ? err.details : {};
      // ours, or the router's own deadline (it gets the same timeoutMs) firing a hair earlier
      const timedOut = err instanceof MemberTimeout || (controller.signal.aborted && controller.signal.reason instanceof MemberTimeout) || (!hooks.signal?.aborted && details.reason === 'timeout' && performance.now() - t0 >= memberTimeoutMs - 50);
      const tried = Array.isArray(details.tried) && typeof details.tried[0] === 'string' ? (details.tried[0] as string) : null;
      const modelFromError = typeof details.model === 'string' ? details.model : typeof details.modelRequested === 'string' ? details.modelRequested : tried;
      return {
        outcome: {
          ...base,
          model_requested: modelFromError ?? expectedModel[index] ?? null,
          model_served: null,
          status: timedOut ? 'timeout' : 'failed',
          vote: null,
          confidence: null,
          reasoning: null,
          error: timedOut
            ? { code: 'TIMEOUT', message: `no answer within ${memberTimeoutMs} ms` }
            : { code: isToolError(err) ? err.code : hooks.signal?.aborted ? 'CANCELLED' : 'INTERNAL', message: errMessage(err) },
          latency_ms: ms(performance.now() - t0),
          cost_usd: 0,
          downgrade_step: null,
        },
        raw: null,
      };
    } finally {
      clearTimeout(timer);
      hooks.signal?.removeEventListener('abort', onParentAbort);
    }
  };

  let outcomes: MemberOutcome[];
  try {
    outcomes = await Promise.all(
      members.map(async (_, i) => {
        const { outcome, raw } = await askMember(i);
        try {
          store.recordVote(councilId, outcome, raw);
        } catch (err) {
          log.error('could not journal a council vote', { member: i, err });
          throw err;
        }
        done += 1;
        const what = outcome.status === 'valid' ? `voted ${outcome.vote} (${outcome.confidence})` : `${outcome.status}: ${outcome.error?.code}`;
        await Promise.resolve(hooks.progress?.(done, total, `member ${i + 1}/${total} ${outcome.model_served ?? outcome.model_requested ?? outcome.tier} ${what}`)).catch(() => undefined);
        return outcome;
      }),
    );
  } catch (err) {
    store.fail(councilId, errMessage(err));
    throw err;
  }

  // Nothing reached a model because the budget ran dry between the check and the calls: say so, not NO_QUORUM.
  const allCodes = new Set(outcomes.map((o) => o.error?.code ?? 'ok'));
  for (const code of ['BUDGET_EXHAUSTED', 'GATEWAY_NOT_CONFIGURED'] as const) {
    if (allCodes.size === 1 && allCodes.has(code)) {
      store.fail(councilId, code);
      throw new ToolError(code, outcomes[0]?.error?.message ?? code, { council_id: councilId });
    }
  }

  const aggregate = aggregateVotes(outcomes, quorum);
  let ticket: { ticket: string; ticketId: string; expiresAt: string } | null = null;
  if (orderHash && aggregate.decision !== 'NO_QUORUM') {
    ticket = await issueTicket(deps, { orderHash, decision: aggregate.decision, councilId });
  }
  const cost = Math.round(outcomes.reduce((s, o) => s + o.cost_usd, 0) * 1e9) / 1e9;
  const result: CouncilResult = {
    council_id: councilId,
    question: input.question,
    ...aggregate,
    order_hash: orderHash,
    ticket: ticket?.ticket ?? null,
    ticket_expires_at: ticket?.expiresAt ?? null,
    members_total: total,
    members: outcomes,
    wall_ms: ms(performance.now() - started),
    cost_usd: cost,
    remaining_daily_usd: remainingDaily,
  };
  store.finish(councilId, {
    decision: result.decision,
    consensus: result.consensus,
    validVotes: result.valid_votes,
    wallMs: result.wall_ms,
    costUsd: cost,
    ticketId: ticket?.ticketId ?? null,
    ticketExpiresAt: ticket?.expiresAt ?? null,
    result: { ...result, ticket: ticket ? '[issued]' : null },
  });
  log.info('council decided', { decision: result.decision, valid: result.valid_votes, of: total, wall_ms: result.wall_ms, cost_usd: cost });
  return result;
}
