/**
 * Stage 5: Claude Opus confirms the exact order, bound to its hash (SPEC §6). A REJECT is final for
 * this order for the profile's cool-down. The Opus call and the mapping of its failures live in
 * askOpus alone; the reply's protocol is confirmation.ts.
 */
import { performance } from 'node:perf_hooks';
import { isToolError } from '../../errors.js';
import type { ChatMessage, Completion, LlmRouter } from '../../llm/types.js';
import { Refusal, roundMs } from '../attempt.js';
import { actionSummary } from '../actions/types.js';
import { CONFIRMATION_RESPONSE_FORMAT, buildConfirmationMessages, isOpusModel, readConfirmation } from '../confirmation.js';
import type { AttemptContext, GateStage, StageOutcome } from '../context.js';
import { finiteOrNull } from '../describe.js';

/** Longest wait for the Opus reply (the router has its own per-call timeout and retries inside it). */
export const CONFIRMATION_DEADLINE_MS = 180_000;

export const confirmStage: GateStage = {
  name: 'confirmation',
  async run(ctx) {
    const { hash, canonical, parsed } = ctx.order;
    await refuseUnderCooldown(ctx);
    const llm = await confirmingRouter(ctx);
    const account = await accountSnapshot(ctx);
    const lessons = await ctx.env.services.lessonsFor?.(parsed, ctx.env.now());
    if (lessons) ctx.result.lessons = lessons.map(({ id, title }) => ({ id, title }));
    const messages = buildConfirmationMessages({
      orderHash: hash,
      canonicalOrder: canonical,
      mode: ctx.mode,
      risk: ctx.result.risk,
      account,
      rationale: parsed.rationale ?? null,
      action: actionSummary(ctx.action),
      ...(lessons ? { lessons } : {}),
    });
    const { completion, startedAt } = await askOpus(ctx, llm, messages);
    return judgeReply(ctx, completion, startedAt);
  },
};

/** An Opus REJECT of this order is final until its cool-down ends: no second call. */
async function refuseUnderCooldown(ctx: AttemptContext): Promise<void> {
  const cooldown = await ctx.activeRejection();
  if (!cooldown) return;
  ctx.result.confirmation = {
    decision: 'REJECT',
    reasons: cooldown.reasons,
    model: cooldown.model,
    problem: null,
    latency_ms: null,
    cost_usd: null,
    remaining_daily_usd: null,
    call_id: null,
  };
  throw new Refusal(
    'CONFIRMATION_REJECTED',
    `Claude Opus rejected this order earlier; the rejection is final until ${cooldown.until}: ${cooldown.reasons.join('; ')}`,
  );
}

async function confirmingRouter(ctx: AttemptContext): Promise<LlmRouter> {
  let llm: LlmRouter;
  try {
    llm = await ctx.env.services.llm();
  } catch (err) {
    throw new Refusal('CONFIRMATION_UNAVAILABLE', `the Opus confirmation is unavailable: ${(err as Error).message}`);
  }
  if (!llm.configured) {
    ctx.result.confirmation = {
      decision: null,
      reasons: [],
      model: null,
      problem: 'no gateway key',
      latency_ms: null,
      cost_usd: null,
      remaining_daily_usd: null,
      call_id: null,
    };
    throw new Refusal(
      'CONFIRMATION_UNAVAILABLE',
      'no LLM gateway key is configured (LLM_GATEWAY_API_KEY or TETRATE_API_KEY), so Claude Opus cannot confirm the order; place_order refuses every order without that confirmation',
    );
  }
  return llm;
}

async function accountSnapshot(ctx: AttemptContext): Promise<unknown> {
  try {
    const a = await (await ctx.env.services.broker()).getAccount();
    return {
      equity: a.equity,
      cash: a.cash,
      buying_power: a.buyingPower,
      last_equity: a.lastEquity,
      status: a.status,
      pattern_day_trader: a.patternDayTrader,
      daytrade_count: a.daytradeCount,
      trading_blocked: a.tradingBlocked,
      mode: a.mode,
    };
  } catch (err) {
    throw new Refusal(
      isToolError(err) && err.code === 'BROKER_UNAVAILABLE' ? 'BROKER_UNAVAILABLE' : 'CONFIRMATION_UNAVAILABLE',
      `could not read the account snapshot for the confirmation: ${(err as Error).message}`,
    );
  }
}

/** The tool the confirmation is made for: what the ledger records and the gateway's attribution names (SPEC §15). */
const CONFIRMING_TOOL = { place: 'place_order', replace: 'replace_order', close: 'close_position' } as const;

/** The one critical-tier call, bounded by the deadline and the caller's signal; a failure is a refusal. */
async function askOpus(ctx: AttemptContext, llm: LlmRouter, messages: ChatMessage[]): Promise<{ completion: Completion; startedAt: number }> {
  const { confirmationTimeoutMs } = ctx.env.options;
  const deadline = AbortSignal.timeout(confirmationTimeoutMs ?? CONFIRMATION_DEADLINE_MS);
  const signal = ctx.options.signal ? AbortSignal.any([ctx.options.signal, deadline]) : deadline;
  const t = performance.now();
  try {
    const completion = await llm.complete({
      tier: 'critical',
      tool: CONFIRMING_TOOL[ctx.action.kind],
      messages,
      responseFormat: CONFIRMATION_RESPONSE_FORMAT,
      signal,
      ...(confirmationTimeoutMs ? { timeoutMs: confirmationTimeoutMs } : {}),
    });
    ctx.attempt.externalMs += performance.now() - t;
    return { completion, startedAt: t };
  } catch (err) {
    const latency = roundMs(performance.now() - t);
    ctx.attempt.externalMs += performance.now() - t;
    const cause = isToolError(err) ? err.code : signal.aborted ? 'TIMEOUT' : 'ERROR';
    const servedBy =
      isToolError(err) && typeof err.details.modelServed === 'string'
        ? err.details.modelServed
        : isToolError(err) && typeof err.details.served === 'string'
          ? err.details.served
          : null;
    ctx.result.confirmation = {
      decision: null,
      reasons: [],
      model: servedBy,
      problem: `${cause}: ${(err as Error).message}`,
      latency_ms: latency,
      cost_usd: null,
      remaining_daily_usd: null,
      call_id: isToolError(err) && typeof err.details.callId === 'string' ? err.details.callId : null,
    };
    if (isToolError(err) && err.details.reason === 'model_substituted') {
      throw new Refusal(
        'CONFIRMATION_INVALID',
        `the gateway answered the confirmation with a model that is not Claude Opus (${(err as Error).message}); refusing`,
      );
    }
    // the critical envelope (daily cap, confirmations per hour) is spent: nothing was sent, and the code says so
    if (isToolError(err) && err.code === 'BUDGET_EXHAUSTED') throw new Refusal('BUDGET_EXHAUSTED', `${err.message}; the order was not sent`);
    throw new Refusal('CONFIRMATION_UNAVAILABLE', `the Opus confirmation failed (${cause}): ${(err as Error).message}; the order was not sent`);
  }
}

/** Only an Opus-served, well-formed APPROVE for this hash passes; a REJECT starts the cool-down. */
async function judgeReply(ctx: AttemptContext, completion: Completion, startedAt: number): Promise<StageOutcome> {
  const r = ctx.result;
  const base = {
    model: typeof completion.modelServed === 'string' ? completion.modelServed : null,
    latency_ms: finiteOrNull(completion.latencyMs) ?? roundMs(performance.now() - startedAt),
    cost_usd: finiteOrNull(completion.costUsd),
    remaining_daily_usd: finiteOrNull(completion.remainingDailyUsd),
    call_id: typeof completion.callId === 'string' ? completion.callId : null,
  };
  if (!isOpusModel(completion.modelServed)) {
    r.confirmation = { decision: null, reasons: [], problem: `the reply was served by ${String(completion.modelServed)}, not a Claude Opus model`, ...base };
    throw new Refusal('CONFIRMATION_INVALID', `the confirmation was answered by ${String(completion.modelServed)}, not Claude Opus; refusing`);
  }
  const parsed = readConfirmation(completion, ctx.order.hash);
  if (!parsed.ok) {
    r.confirmation = { decision: null, reasons: [], problem: parsed.problem, ...base };
    throw new Refusal('CONFIRMATION_INVALID', `the Opus confirmation reply was not acceptable (${parsed.problem}); refusing`);
  }
  r.confirmation = { decision: parsed.decision, reasons: parsed.reasons, problem: null, ...base };
  if (parsed.decision !== 'APPROVE') {
    const cooldownSec = ctx.env.deps.profile.confirmation.rejectCooldownSec;
    if (cooldownSec > 0)
      await ctx.env.store.recordRejection(ctx.rejectionKeys(), ctx.env.now().getTime() + cooldownSec * 1000, base.model ?? 'unknown', parsed.reasons);
    throw new Refusal('CONFIRMATION_REJECTED', `Claude Opus rejected the order: ${parsed.reasons.join('; ') || 'no reason given'}`);
  }
  return { outcome: 'passed', message: `approved by ${base.model}: ${parsed.reasons.join('; ')}` };
}
