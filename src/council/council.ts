/**
 * The council itself: ask every member in parallel through the routing layer, each with its own
 * timeout and AbortSignal; journal each vote the moment it arrives; aggregate; sign a ticket when
 * the vote was on an order. One member failing, hanging or answering nonsense never fails the
 * council and never counts as approval. Wall time is the slowest member, not the sum.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DeadlineError, withDeadline } from '../deadline.js';
import type { Deps } from '../deps.js';
import { ToolError, isToolError } from '../errors.js';
import type { PromptLesson } from '../lessons/prompt.js';
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
  /** The lessons matching the order that the members' prompt carried (SPEC §13); null when the vote was on no order. */
  lessons: Array<{ id: string; title: string }> | null;
}

const ms = (x: number) => Math.round(x * 10) / 10;
const errMessage = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/** One council in flight: what every member is asked, and what the answers so far have told us. */
interface Session {
  deps: Deps;
  router: LlmRouter;
  store: CouncilStore;
  hooks: CouncilHooks;
  messages: ReturnType<typeof councilMessages>;
  /** What each member would ask for at step 0: named in failures where the router could not tell us. */
  expectedModel: Array<string | null>;
  councilId: string;
  total: number;
  log: Deps['log'];
  done: number;
  remainingDaily: number | null;
  /** Each member's call id (the router's), to tell routing whether the member agreed with the majority. */
  callIds: Array<string | null>;
  /** Each member's reply text, for ModelChat (SPEC §14). */
  replies: Array<string | null>;
  order: ReturnType<typeof normalizeOrder> | null;
  lessons: PromptLesson[] | null;
}

type Asked = { outcome: MemberOutcome; raw: string | null };
type MemberBase = Pick<MemberOutcome, 'member' | 'tier' | 'model_requested'>;

const report = (hooks: CouncilHooks, done: number, total: number, message: string) =>
  Promise.resolve(hooks.progress?.(done, total, message)).catch(() => undefined);

export async function runCouncil(deps: Deps, router: LlmRouter, store: CouncilStore, input: CouncilInput, hooks: CouncilHooks = {}): Promise<CouncilResult> {
  const { members, quorum } = deps.profile.council;
  if (!router.configured) {
    throw new ToolError('GATEWAY_NOT_CONFIGURED', 'council_vote needs an LLM gateway: set LLM_GATEWAY_API_KEY (or TETRATE_API_KEY) and restart the server', {});
  }
  const order = input.order ? normalizeOrder(input.order) : null;
  const orderHash = order ? hashOrder(order, deps.mode) : null;
  const lessons = input.order ? await orderLessons(deps, input.order) : null;
  const messages = councilMessages({
    question: input.question,
    context: input.context,
    order: order && orderHash ? { canonical: canonicalOrder(order, deps.mode), orderHash, rationale: input.order?.rationale } : undefined,
    lessons: lessons ?? undefined,
    mode: deps.mode,
  });
  // Fail before anything is sent when the budget cannot pay for a quorum of members.
  await assertBudgetCoversQuorum(router, members, quorum, messages, VOTE_JSON_SCHEMA);

  const table = await getTierTable(deps);
  const expectedModel = members.map((m) => m.model ?? table.tiers[m.tier].models[0] ?? null);

  const councilId = randomUUID();
  const total = members.length;
  await store.begin({ id: councilId, at: new Date().toISOString(), question: input.question, orderHash, membersTotal: total, quorum });
  const log = deps.log.child({ tool: 'council_vote', council: councilId });
  await report(hooks, 0, total, `asking ${total} council members`);

  const started = performance.now();
  const session: Session = {
    deps,
    router,
    store,
    hooks,
    messages,
    expectedModel,
    councilId,
    total,
    log,
    done: 0,
    remainingDaily: null,
    callIds: [],
    replies: [],
    order,
    lessons,
  };
  const outcomes = await askAll(session);
  await refuseWhenNothingReached(session, outcomes);
  return decide(session, input.question, orderHash, outcomes, started);
}

/** The lessons matching the order under vote (the same the Opus confirmation is shown). */
async function orderLessons(deps: Deps, order: ParsedOrder): Promise<PromptLesson[]> {
  const [{ lessonsForOrder }, { promptLesson }] = await Promise.all([import('../lessons/for-order.js'), import('../lessons/prompt.js')]);
  return (await lessonsForOrder(deps, order)).map((m) => promptLesson(m.lesson));
}

/** Every member in parallel, each vote journalled as it arrives; a journal failure fails the council. */
async function askAll(s: Session): Promise<MemberOutcome[]> {
  try {
    return await Promise.all(
      s.deps.profile.council.members.map(async (_, i) => {
        const { outcome, raw } = await askMember(s, i);
        try {
          await s.store.recordVote(s.councilId, outcome, raw);
        } catch (err) {
          s.log.error('could not journal a council vote', { member: i, err });
          throw err;
        }
        s.done += 1;
        const what = outcome.status === 'valid' ? `voted ${outcome.vote} (${outcome.confidence})` : `${outcome.status}: ${outcome.error?.code}`;
        await report(s.hooks, s.done, s.total, `member ${i + 1}/${s.total} ${outcome.model_served ?? outcome.model_requested ?? outcome.tier} ${what}`);
        return outcome;
      }),
    );
  } catch (err) {
    // the council's own failure is what the caller needs to see, not a second one from the log
    await s.store.fail(s.councilId, errMessage(err)).catch((e) => s.log.error('could not mark the council failed', { err: errMessage(e) }));
    throw err;
  }
}

/** One member, under its own deadline and the caller's signal (withDeadline); never throws. */
async function askMember(s: Session, index: number): Promise<Asked> {
  const { memberTimeoutMs } = s.deps.profile.council;
  const member = s.deps.profile.council.members[index]!;
  const t0 = performance.now();
  const base: MemberBase = { member: index, tier: member.tier, model_requested: member.model ?? null };
  try {
    const completion = await withDeadline(memberTimeoutMs, s.hooks.signal, (signal) =>
      s.router.complete({ ...memberRequest(member, s.messages, VOTE_JSON_SCHEMA), timeoutMs: memberTimeoutMs, signal }),
    );
    s.remainingDaily = s.remainingDaily === null ? completion.remainingDailyUsd : Math.min(s.remainingDaily, completion.remainingDailyUsd);
    s.callIds[index] = completion.callId;
    s.replies[index] = completion.content;
    return answeredOutcome(base, completion, t0);
  } catch (err) {
    return failedOutcome(s, base, err, t0);
  }
}

type Completion = Awaited<ReturnType<LlmRouter['complete']>>;

/** A member that answered: a valid vote, or an invalid one with its raw text kept for diagnosis. */
function answeredOutcome(base: MemberBase, completion: Completion, t0: number): Asked {
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
    return {
      outcome: { ...common, status: 'valid', vote: parsed.vote.vote, confidence: parsed.vote.confidence, reasoning: parsed.vote.reasoning, error: null },
      raw: null,
    };
  }
  return {
    outcome: { ...common, status: 'invalid', vote: null, confidence: null, reasoning: null, error: { code: 'INVALID_VOTE', message: parsed.reason } },
    raw: completion.content,
  };
}

/** A member that timed out or failed: never a vote, named with the model it asked for where known. */
function failedOutcome(s: Session, base: MemberBase, err: unknown, t0: number): Asked {
  const { memberTimeoutMs } = s.deps.profile.council;
  const details = isToolError(err) ? err.details : {};
  // ours, or the router's own deadline (it gets the same timeoutMs) firing a hair earlier
  const timedOut = err instanceof DeadlineError || (!s.hooks.signal?.aborted && details.reason === 'timeout' && performance.now() - t0 >= memberTimeoutMs - 50);
  const tried = Array.isArray(details.tried) && typeof details.tried[0] === 'string' ? (details.tried[0] as string) : null;
  const modelFromError = typeof details.model === 'string' ? details.model : typeof details.modelRequested === 'string' ? details.modelRequested : tried;
  return {
    outcome: {
      ...base,
      model_requested: modelFromError ?? s.expectedModel[base.member] ?? null,
      model_served: null,
      status: timedOut ? 'timeout' : 'failed',
      vote: null,
      confidence: null,
      reasoning: null,
      error: timedOut
        ? { code: 'TIMEOUT', message: `no answer within ${memberTimeoutMs} ms` }
        : { code: isToolError(err) ? err.code : s.hooks.signal?.aborted ? 'CANCELLED' : 'INTERNAL', message: errMessage(err) },
      latency_ms: ms(performance.now() - t0),
      cost_usd: 0,
      downgrade_step: null,
    },
    raw: null,
  };
}

/** Nothing reached a model because the budget ran dry between the check and the calls: say so, not NO_QUORUM. */
async function refuseWhenNothingReached(s: Session, outcomes: MemberOutcome[]): Promise<void> {
  const allCodes = new Set(outcomes.map((o) => o.error?.code ?? 'ok'));
  for (const code of ['BUDGET_EXHAUSTED', 'GATEWAY_NOT_CONFIGURED'] as const) {
    if (allCodes.size === 1 && allCodes.has(code)) {
      await s.store.fail(s.councilId, code);
      throw new ToolError(code, outcomes[0]?.error?.message ?? code, { council_id: s.councilId });
    }
  }
}

/** Agreement with the majority is a quality signal for adaptive routing (SPEC §15): one per valid vote. */
function tellRoutingWhoAgreed(s: Session, outcomes: MemberOutcome[], decision: CouncilAggregate['decision']): void {
  if (decision === 'NO_QUORUM' || !s.router.feedback) return;
  const signals: Array<{ callId: string; signal: { agreedWithMajority: boolean } }> = [];
  for (const o of outcomes) {
    const callId = s.callIds[o.member];
    if (o.status === 'valid' && callId) signals.push({ callId, signal: { agreedWithMajority: o.vote === decision } });
  }
  if (s.router.feedbackAll) s.router.feedbackAll(signals);
  else for (const { callId, signal } of signals) s.router.feedback(callId, signal);
}

/**
 * How long a council waits for its arena shadow (a read of the broker's account and a quote, the fills, ModelChat)
 * before it answers without it: the shadow is advice, it must not hold up a vote. It goes on after that and
 * logs what became of it.
 */
export const SHADOW_WAIT_MS = 2_000;

/** The shadow, waited for at most SHADOW_WAIT_MS (it never rejects: shadowInArena catches everything). */
async function shadowBriefly(s: Session, outcomes: MemberOutcome[]): Promise<void> {
  // the shadow takes no signal: past the wait it goes on by itself, the vote answers without it
  await withDeadline(SHADOW_WAIT_MS, undefined, () => shadowInArena(s, outcomes)).catch(() =>
    s.log.warn('the arena shadow of this council is still running; the vote answers without waiting', { council: s.councilId, waited_ms: SHADOW_WAIT_MS }),
  );
}

/** Every vote into ModelChat, and the order into each approving member's shadow account (SPEC §14); never fails the council. */
async function shadowInArena(s: Session, outcomes: MemberOutcome[]): Promise<void> {
  try {
    const [{ shadowCouncil }, { promptDigest }, { getBroker }] = await Promise.all([
      import('../arena/shadow.js'),
      import('../arena/prompt.js'),
      import('../broker/index.js'),
    ]);
    const input = {
      councilId: s.councilId,
      at: new Date().toISOString(),
      order: s.order,
      promptDigest: promptDigest(s.messages),
      outcomes,
      replies: s.replies,
      callIds: s.callIds,
    };
    const fills = await shadowCouncil(s.deps, () => getBroker(s.deps), input);
    if (fills.length) s.log.info('council shadowed in the arena', { fills: fills.map((f) => ({ model: f.model, qty: f.filled?.qty ?? 0, note: f.note })) });
  } catch (err) {
    s.log.warn('the arena could not record this council', { err: errMessage(err) });
  }
}

/** Aggregate, sign a ticket when the vote was on an order, and journal the result. */
async function decide(s: Session, question: string, orderHash: string | null, outcomes: MemberOutcome[], started: number): Promise<CouncilResult> {
  const aggregate = aggregateVotes(outcomes, s.deps.profile.council.quorum);
  tellRoutingWhoAgreed(s, outcomes, aggregate.decision);
  // the shadow runs beside the ticket, not before it: it never delays the ticket, and cannot touch it
  const [ticket] = await Promise.all([
    orderHash && aggregate.decision !== 'NO_QUORUM' ? issueTicket(s.deps, { orderHash, decision: aggregate.decision, councilId: s.councilId }) : null,
    shadowBriefly(s, outcomes),
  ]);
  const cost = Math.round(outcomes.reduce((a, o) => a + o.cost_usd, 0) * 1e9) / 1e9;
  const result: CouncilResult = {
    council_id: s.councilId,
    question,
    ...aggregate,
    order_hash: orderHash,
    ticket: ticket?.ticket ?? null,
    ticket_expires_at: ticket?.expiresAt ?? null,
    members_total: s.total,
    members: outcomes,
    wall_ms: ms(performance.now() - started),
    cost_usd: cost,
    remaining_daily_usd: s.remainingDaily,
    lessons: s.lessons ? s.lessons.map((l) => ({ id: l.id, title: l.title })) : null,
  };
  // the decision log's result_json keeps the lessons too: the record of what the members were shown
  await s.store.finish(s.councilId, {
    decision: result.decision,
    consensus: result.consensus,
    validVotes: result.valid_votes,
    wallMs: result.wall_ms,
    costUsd: cost,
    ticketId: ticket?.ticketId ?? null,
    ticketExpiresAt: ticket?.expiresAt ?? null,
    result: { ...result, ticket: ticket ? '[issued]' : null },
  });
  s.log.info('council decided', {
    decision: result.decision,
    valid: result.valid_votes,
    of: s.total,
    wall_ms: result.wall_ms,
    cost_usd: cost,
    lessons: result.lessons?.map((l) => l.id) ?? null,
  });
  return result;
}
