/**
 * The router (SPEC §9): tier → model under the budget, reserve → send → settle, retries and failover.
 * Loaded lazily by getLlm (it imports openai and cockatiel); never imported at start-up.
 *
 * Resilience (cockatiel, not a hand-rolled loop): per model attempt, retry(handleWhen(transient)) with
 * exponential backoff + decorrelated jitter, or the server's Retry-After when given, wrapped around a
 * per-model circuit breaker (5 consecutive transient failures → open 30 s). A retry that would end
 * past the call's deadline is not taken; the call fails over to the next model instead. The openai
 * client's own retries are off (maxRetries: 0) so only this policy retries.
 *
 * The gateway's word on usage is checked (SPEC §11): a reply reporting more than the request allowed
 * (budget.ts usageAnomaly) is charged as reported, flagged in the ledger and isolates that model's circuit.
 */
import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import {
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IRetryBackoffContext,
} from 'cockatiel';
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import { downgradePool, usageAnomaly, worstCaseInputTokens, type LedgerView } from './budget.js';
import { refuseOutsideCriticalEnvelope } from './envelope.js';
import { classifyFailure, isTransient, retryAfterMs, sameModel } from './failures.js';
import type { BudgetLedger, ReserveDecision } from './ledger.js';
import { costNano, isOpusModel, nanoToUsd, priceOf, type TierTable } from './tiers.js';
import type { CallReceipt, ChatTier, Completion, CompletionRequest, EmbeddingRequest, Embeddings, LlmRouter, Tier } from './types.js';

export { isTransient, sameModel } from './failures.js';

export interface RouterOptions {
  random?: () => number;
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
  /** The fetch the openai client uses (the bench passes an in-process one to isolate our own time). */
  fetch?: typeof fetch;
}

class NoCandidate extends Error {}

export function createRouter(deps: Deps, table: TierTable, ledger: BudgetLedger, opts: RouterOptions = {}): LlmRouter {
  const apiKey = deps.config.gateway.apiKey;
  if (!apiKey) throw new ToolError('GATEWAY_NOT_CONFIGURED', 'no gateway key');
  const client = new OpenAI({ apiKey, baseURL: deps.config.gateway.baseUrl, maxRetries: 0, timeout: 120_000, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  const random = opts.random ?? Math.random;
  const retryCfg = { maxAttempts: 2, initialDelayMs: 250, maxDelayMs: 4000, ...opts.retry };
  const breakerCfg = { consecutiveFailures: 5, halfOpenAfterMs: 30_000, ...opts.breaker };
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const openedAt = new Map<string, number>();
  const log = deps.log.child({ area: 'llm' });

  const breakerFor = (model: string): CircuitBreakerPolicy => {
    let b = breakers.get(model);
    if (!b) {
      b = circuitBreaker(handleWhen(isTransient), { halfOpenAfter: breakerCfg.halfOpenAfterMs, breaker: new ConsecutiveBreaker(breakerCfg.consecutiveFailures) });
      b.onBreak(() => {
        openedAt.set(model, Date.now());
        log.warn('circuit opened', { model });
      });
      breakers.set(model, b);
    }
    return b;
  };
  /**
   * Skip a model only while its breaker is open and its break has not elapsed. cockatiel moves to
   * half-open only when asked to execute, so a model past its break must be tried again (one probe).
   */
  /** A usage anomaly: hold the model's circuit open for one break (cockatiel's isolate), whatever its failure count. */
  const tripCircuit = (model: string, anomaly: string, tool: string) => {
    const hold = breakerFor(model).isolate();
    setTimeout(() => hold.dispose(), breakerCfg.halfOpenAfterMs).unref();
    log.warn('gateway reported more usage than the request allowed; circuit isolated', { model, tool, anomaly, forMs: breakerCfg.halfOpenAfterMs });
  };
  const circuitOpen = (model: string) => {
    const s = breakers.get(model)?.state;
    if (s === CircuitState.Isolated) return true;
    return s === CircuitState.Open && Date.now() - (openedAt.get(model) ?? 0) < breakerCfg.halfOpenAfterMs;
  };

  /** Retry policy bounded by the call's deadline: a retry that cannot finish in time is not taken. */
  const policyFor = (model: string, deadline: number) => {
    const expo = new ExponentialBackoff({ initialDelay: retryCfg.initialDelayMs, maxDelay: retryCfg.maxDelayMs });
    const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((ctx, state) => {
      const next = state ? state.next(ctx) : expo.next();
      const ra = 'error' in ctx.result ? retryAfterMs(ctx.result.error) : undefined;
      return { delay: Math.min(ra ?? next.duration, Math.max(0, deadline - Date.now())), state: next };
    });
    const retryPolicy = retry(
      handleWhen((err) => isTransient(err) && Date.now() + (retryAfterMs(err) ?? 0) < deadline - 50),
      { maxAttempts: retryCfg.maxAttempts, backoff },
    );
    return wrap(retryPolicy, breakerFor(model));
  };

  const receipt = (
    callId: string,
    tier: Tier,
    modelRequested: string,
    modelServed: string,
    u: { input: number; cached: number; output: number; reasoning: number },
    cost: number,
    latencyMs: number,
    step: number,
    view: LedgerView,
  ): CallReceipt => ({
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
  });

  /** Reserve on the ledger, refusing (and recording the refusal) when nothing may be called. */
  const reserveOrRefuse = (meta: { callId: string; attempt: number; tool: string; tier: Tier }, firstModel: string, decide: (v: LedgerView) => ReserveDecision) => {
    try {
      return ledger.reserve(meta, decide);
    } catch (err) {
      if (err instanceof ToolError) {
        ledger.refuse(meta, { modelRequested: firstModel, outcome: err.code.toLowerCase(), error: err.message, step: ledger.view().step });
      }
      throw err;
    }
  };

  async function complete(req: CompletionRequest): Promise<Completion> {
    const started = performance.now();
    const spec = table.tiers[req.tier];
    const critical = req.tier === 'critical';
    const maxTokens = Math.max(1, Math.min(req.maxTokens ?? spec.maxTokens, spec.maxTokens));
    const schemaBytes = req.responseFormat ? Buffer.byteLength(JSON.stringify(req.responseFormat.schema)) : 0;
    const inputTokens = worstCaseInputTokens(req.messages.map((m) => m.content), schemaBytes);
    const deadline = Date.now() + (req.timeoutMs ?? spec.totalTimeoutMs ?? spec.timeoutMs * 2);
    const worst = (model: string) => costNano(priceOf(table, model)!, { inputTokens, cachedInputTokens: 0, outputTokens: maxTokens });
    const callId = randomUUID();
    const tried = new Set<string>();
    let lastError: unknown;
    const body = {
      messages: req.messages,
      max_tokens: maxTokens,
      stream: false as const,
      ...(req.responseFormat
        ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.responseFormat.name, schema: req.responseFormat.schema, strict: req.responseFormat.strict ?? true } } }
        : {}),
    };

    if (req.preferModel !== undefined && !priceOf(table, req.preferModel)) {
      ledger.refuse({ callId, attempt: 1, tool: req.tool, tier: req.tier }, { modelRequested: req.preferModel, outcome: 'unknown_price', error: 'no price in the tier table', step: 0 });
      throw new ToolError('UNKNOWN_PRICE', `model ${req.preferModel} has no known price in the tier table; it is never called`, { model: req.preferModel, tier: req.tier });
    }
    if (critical && req.preferModel !== undefined && !isOpusModel(req.preferModel)) {
      throw new ToolError('INVALID_INPUT', `the critical tier only calls Claude Opus models, not ${req.preferModel}`, { model: req.preferModel });
    }

    const decide = (attempt: number) => (view: LedgerView): ReserveDecision => {
      const usable = (m: string) => !tried.has(m) && !circuitOpen(m);
      if (critical) {
        const order = req.preferModel ? [req.preferModel, ...spec.models.filter((m) => m !== req.preferModel)] : spec.models;
        const priced = order.filter((m) => isOpusModel(m) && priceOf(table, m));
        if (!priced.length) throw new ToolError('UNKNOWN_PRICE', `no Claude Opus model of the critical tier has a known price; none is called`, { tier: 'critical', models: spec.models });
        const model = priced.find(usable);
        if (!model) throw new NoCandidate();
        // Critical is never downgraded nor blocked by the shared budget (its reservation still counts there), only by its own envelope.
        refuseOutsideCriticalEnvelope(view, worst(model), attempt === 1, deps.profile.confirmation.maxConfirmationsPerHour);
        return { model, reserveNano: worst(model), step: 0, route: attempt > 1 ? 'failover' : req.preferModel === model ? 'prefer' : 'primary' };
      }
      let ordered: Array<{ model: string; route: string }>;
      if (view.step === 0) {
        let first = spec.models[0]!;
        let route = 'primary';
        if (req.preferModel) {
          first = req.preferModel;
          route = 'prefer';
        } else if (spec.split && Object.keys(spec.split).length) {
          const entries = Object.entries(spec.split);
          let r = random() * entries.reduce((s, [, w]) => s + w, 0);
          for (const [m, w] of entries) {
            r -= w;
            if (r < 0) {
              first = m;
              break;
            }
          }
          route = `split:${entries.map(([m, w]) => `${m}=${w}`).join(',')}`;
        }
        ordered = [{ model: first, route }, ...spec.models.filter((m) => m !== first).map((model) => ({ model, route: 'fallback' }))];
      } else {
        const pool = downgradePool(table, req.tier, view.step);
        const route = view.step === 1 ? 'tier-cheapest' : 'overall-cheapest';
        ordered = pool
          .filter((m) => priceOf(table, m))
          .sort((a, b) => worst(a) - worst(b) || a.localeCompare(b))
          .map((model) => ({ model, route }));
      }
      const priced = ordered.filter((c) => priceOf(table, c.model));
      if (!priced.length) throw new ToolError('UNKNOWN_PRICE', `no model of the ${req.tier} tier has a known price; none is called`, { tier: req.tier, models: ordered.map((c) => c.model) });
      const open = priced.filter((c) => usable(c.model));
      if (!open.length) throw new NoCandidate();
      const left = Math.min(view.dayLeftNano, view.monthLeftNano);
      // once settled spend reaches the cap nothing is sent, not even a zero-priced model
      const fit = left > 0 ? open.find((c) => worst(c.model) <= left) : undefined;
      if (!fit) {
        const cheapest = Math.min(...open.map((c) => worst(c.model)));
        throw new ToolError('BUDGET_EXHAUSTED', `the LLM budget cannot cover a ${req.tier} call (worst case $${nanoToUsd(cheapest)}, $${nanoToUsd(Math.max(0, left))} left); nothing was sent`, {
          tier: req.tier,
          worstCaseUsd: nanoToUsd(cheapest),
          remainingDailyUsd: nanoToUsd(Math.max(0, view.dayLeftNano)),
          remainingMonthlyUsd: nanoToUsd(Math.max(0, view.monthLeftNano)),
          downgradeStep: view.step,
        });
      }
      return { model: fit.model, reserveNano: worst(fit.model), step: view.step, route: attempt > 1 ? `failover(${fit.route})` : fit.route };
    };

    for (let attempt = 1; ; attempt++) {
      const meta = { callId, attempt, tool: req.tool, tier: req.tier };
      let reservation: ReturnType<BudgetLedger['reserve']>;
      try {
        reservation = reserveOrRefuse(meta, req.preferModel ?? spec.models[0]!, decide(attempt));
      } catch (err) {
        if (err instanceof NoCandidate) {
          const last = classifyFailure(lastError);
          throw new ToolError('GATEWAY_UNAVAILABLE', `no ${req.tier} model answered${lastError ? `: ${last.message}` : ' (every circuit is open)'}`, {
            tier: req.tier,
            tried: [...tried],
            reason: last.outcome,
            ...(last.status !== undefined ? { status: last.status } : {}),
            ...(lastError instanceof ToolError ? lastError.details : {}),
          });
        }
        throw err;
      }
      const { rowId, decision } = reservation;
      const model = decision.model;
      const t0 = performance.now();
      try {
        const res = await policyFor(model, deadline).execute(
          // cockatiel's context signal only mirrors req.signal here (no timeout policy), so pass the caller's own:
          // handing openai a long-lived shared signal would leak one abort listener per call.
          () => client.chat.completions.create({ ...body, model }, { signal: req.signal, timeout: Math.max(1, Math.min(spec.timeoutMs, deadline - Date.now())) }),
          req.signal,
        );
        // the reply must name its model: on the critical tier a missing name is never taken for Opus
        const reported = typeof res.model === 'string' && res.model ? res.model : null;
        const served = reported ?? model;
        const u = {
          input: res.usage?.prompt_tokens ?? 0,
          cached: res.usage?.prompt_tokens_details?.cached_tokens ?? 0,
          output: res.usage?.completion_tokens ?? 0,
          reasoning: res.usage?.completion_tokens_details?.reasoning_tokens ?? 0,
        };
        // reasoning tokens are part of completion_tokens (billed at the output price); cached are part of prompt_tokens.
        // A reply without usage is charged its full reservation: never under-count what may have been billed.
        const cost = res.usage
          ? costNano(priceOf(table, served) ?? priceOf(table, model)!, { inputTokens: u.input, cachedInputTokens: u.cached, outputTokens: u.output })
          : decision.reserveNano;
        const latencyMs = performance.now() - t0;
        const same = sameModel(model, served);
        const anomaly = res.usage ? usageAnomaly(u, { maxOutputTokens: maxTokens, worstInputTokens: inputTokens }) : null;
        if (anomaly) tripCircuit(model, anomaly, req.tool);
        const usage = { inputTokens: u.input, cachedInputTokens: u.cached, outputTokens: u.output, reasoningTokens: u.reasoning, costNano: cost, latencyMs, usageAnomaly: anomaly };
        if (critical && (reported === null || !(same && isOpusModel(served)))) {
          ledger.settle(rowId, { modelServed: reported ?? '(none)', ...usage, outcome: 'rejected_substitution', error: `asked ${model}, served ${served}` });
          log.warn('critical reply from a substituted model refused', { modelRequested: model, modelServed: served, tool: req.tool });
          tried.add(model);
          lastError =
            reported === null
              ? new ToolError('GATEWAY_UNAVAILABLE', `the gateway answered a critical call to ${model} without naming the model that served it`, { reason: 'model_missing', modelRequested: model })
              : new ToolError('GATEWAY_UNAVAILABLE', `the gateway answered a critical call with ${served} instead of ${model}`, { reason: 'model_substituted', modelRequested: model, modelServed: served });
          continue;
        }
        if (critical && anomaly) {
          // the gateway's accounting of this very reply is in doubt: its decision is not used, and no other Opus model is paid for
          ledger.settle(rowId, { modelServed: served, ...usage, outcome: 'rejected_usage', error: anomaly });
          throw new ToolError('GATEWAY_UNAVAILABLE', `the gateway reported more usage than the critical call allowed (${anomaly}); the reply is not used`, { reason: 'usage_anomaly', modelRequested: model, modelServed: served });
        }
        const view = ledger.settle(rowId, { modelServed: served, ...usage, outcome: same ? 'ok' : 'substituted' });
        if (!same) log.warn('gateway substituted the model', { modelRequested: model, modelServed: served, tier: req.tier, tool: req.tool });
        const choice = res.choices?.[0];
        return {
          ...receipt(callId, req.tier, model, served, u, cost, performance.now() - started, decision.step, view),
          content: choice?.message?.content ?? '',
          finishReason: choice?.finish_reason ?? null,
          choiceCount: Array.isArray(res.choices) ? res.choices.length : 0,
        };
      } catch (err) {
        if (err instanceof ToolError && err.details.reason === 'usage_anomaly') throw err;
        const d = classifyFailure(err);
        ledger.release(rowId, { outcome: d.outcome, error: d.message, latencyMs: performance.now() - t0 });
        if (req.signal?.aborted) throw new ToolError('GATEWAY_UNAVAILABLE', `the ${req.tier} call was cancelled`, { tier: req.tier, reason: 'aborted' });
        log.warn('model attempt failed', { tier: req.tier, model, outcome: d.outcome, status: d.status, message: d.message });
        tried.add(model);
        lastError = err;
        if (Date.now() >= deadline - 50) {
          throw new ToolError('GATEWAY_UNAVAILABLE', `the ${req.tier} call ran out of time after trying ${[...tried].join(', ')}: ${d.message}`, { tier: req.tier, tried: [...tried], reason: d.outcome, ...(d.status !== undefined ? { status: d.status } : {}) });
        }
      }
    }
  }

  async function embed(req: EmbeddingRequest): Promise<Embeddings> {
    const started = performance.now();
    const spec = table.tiers.embedding;
    const model = spec.models[0]!; // no failover: another model's vectors would not be comparable
    const callId = randomUUID();
    const meta = { callId, attempt: 1, tool: req.tool, tier: 'embedding' as const };
    if (!req.texts.length) throw new ToolError('INVALID_INPUT', 'nothing to embed', {});
    const price = priceOf(table, model);
    if (!price) {
      ledger.refuse(meta, { modelRequested: model, outcome: 'unknown_price', error: 'no price in the tier table', step: 0 });
      throw new ToolError('UNKNOWN_PRICE', `embedding model ${model} has no known price in the tier table; it is never called`, { model, tier: 'embedding' });
    }
    const inputTokens = worstCaseInputTokens(req.texts);
    const reserveNano = costNano(price, { inputTokens, cachedInputTokens: 0, outputTokens: 0 });
    const deadline = Date.now() + (spec.totalTimeoutMs ?? spec.timeoutMs * 2);
    const { rowId, decision } = reserveOrRefuse(meta, model, (view) => {
      if (circuitOpen(model)) throw new ToolError('GATEWAY_UNAVAILABLE', `embedding model ${model} is failing (circuit open)`, { model, reason: 'circuit_open' });
      const left = Math.min(view.dayLeftNano, view.monthLeftNano);
      if (left <= 0 || reserveNano > left) {
        throw new ToolError('BUDGET_EXHAUSTED', `the LLM budget cannot cover an embedding call ($${nanoToUsd(reserveNano)}); nothing was sent`, {
          tier: 'embedding',
          worstCaseUsd: nanoToUsd(reserveNano),
          remainingDailyUsd: nanoToUsd(Math.max(0, view.dayLeftNano)),
          remainingMonthlyUsd: nanoToUsd(Math.max(0, view.monthLeftNano)),
          downgradeStep: view.step,
        });
      }
      return { model, reserveNano, step: view.step, route: 'primary' };
    });
    const t0 = performance.now();
    try {
      const res = await policyFor(model, deadline).execute(
        () => client.embeddings.create({ model, input: req.texts }, { signal: req.signal, timeout: Math.max(1, Math.min(spec.timeoutMs, deadline - Date.now())) }),
        req.signal,
      );
      const served = typeof res.model === 'string' && res.model ? res.model : model;
      const input = res.usage?.prompt_tokens ?? 0;
      const cost = res.usage ? costNano(priceOf(table, served) ?? price, { inputTokens: input, cachedInputTokens: 0, outputTokens: 0 }) : reserveNano;
      const same = sameModel(model, served);
      const anomaly = res.usage ? usageAnomaly({ input, output: 0 }, { maxOutputTokens: 0, worstInputTokens: inputTokens }) : null;
      if (anomaly) tripCircuit(model, anomaly, req.tool);
      const view = ledger.settle(rowId, { modelServed: served, inputTokens: input, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0, costNano: cost, latencyMs: performance.now() - t0, outcome: same ? 'ok' : 'substituted', usageAnomaly: anomaly });
      const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding as number[]);
      if (vectors.length !== req.texts.length) throw new ToolError('GATEWAY_UNAVAILABLE', `the gateway returned ${vectors.length} vectors for ${req.texts.length} texts`, { reason: 'malformed_reply' });
      return { ...receipt(callId, 'embedding', model, served, { input, cached: 0, output: 0, reasoning: 0 }, cost, performance.now() - started, decision.step, view), vectors };
    } catch (err) {
      if (err instanceof ToolError) throw err;
      const d = classifyFailure(err);
      ledger.release(rowId, { outcome: d.outcome, error: d.message, latencyMs: performance.now() - t0 });
      if (req.signal?.aborted) throw new ToolError('GATEWAY_UNAVAILABLE', 'the embedding call was cancelled', { tier: 'embedding', reason: 'aborted' });
      throw new ToolError('GATEWAY_UNAVAILABLE', `embedding call failed: ${d.message}`, { tier: 'embedding', model, reason: d.outcome, ...(d.status !== undefined ? { status: d.status } : {}) });
    }
  }

  return {
    configured: true,
    complete,
    embed,
    embeddingModel: () => table.tiers.embedding.models[0]!,
    async close() {
      // the ledger is closed by deps.onClose; the HTTP agent holds nothing that outlives the process
    },
  };
}
