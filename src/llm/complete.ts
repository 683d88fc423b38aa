/**
 * A chat completion (SPEC §9, §11, §15): reserve → send → settle, once per attempt, until a reply is taken or
 * the call must stop. reserve: route() inside the ledger's transaction picks the endpoint (model × provider)
 * and its worst case (or refuses, recorded, nothing sent). send: one endpoint through the resilience policy,
 * with the call's attribution (headers and `user`). settle: the reply's usage replaces the reservation (a
 * critical reply from another model, or with implausible usage, is charged and not used — whichever provider
 * sent it); a failure releases it and the next attempt fails over along the route. Every attempt's result
 * goes into the routing statistics (observe.ts).
 */
import { annotate, inSpan } from '../telemetry/tracing.js';
import { randomUUID } from 'node:crypto';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { ToolError, isToolError } from '../errors.js';
import type { LedgerView } from './budget.js';
import { usageAnomaly } from './budget.js';
import { attemptTimeout, attribution, receipt, reserveOrRefuse, type ReplyUsage, type Reservation, type RouterParts } from './call.js';
import type { RoutingView } from './endpoints.js';
import { classifyFailure, sameModel } from './failures.js';
import { type ReserveDecision, type SettleInput, settleRecorded } from './ledger.js';
import { observeAnswer, observeFailure } from './observe.js';
import { endpointKey, GATEWAY_PROVIDER } from './providers.js';
import { callShape, preferredRefusal, route, routeBudget, type CallShape } from './route.js';
import { costNano, isOpusModel, priceOf, type TierSpec, type TierTable } from './tiers.js';
import type { Completion, CompletionRequest } from './types.js';
import { replyValidity } from './validity.js';

/** Every usable model of the route was skipped: answered as GATEWAY_UNAVAILABLE with the last failure. */
class NoCandidate extends Error {}

interface ChatCall {
  req: CompletionRequest;
  /** The routing view this call was opened with (one table and one set of prices for all its attempts). */
  view: RoutingView;
  table: TierTable;
  spec: TierSpec;
  critical: boolean;
  shape: CallShape;
  /** Epoch ms bounding retries and failover together. */
  deadline: number;
  callId: string;
  started: number;
  body: Omit<ChatCompletionCreateParamsNonStreaming, 'model'>;
  headers: Record<string, string>;
  /** Endpoints (providers.ts endpointKey) already tried. */
  tried: Set<string>;
  lastError: unknown;
}

export async function complete(parts: RouterParts, req: CompletionRequest): Promise<Completion> {
  await parts.endpoints.ready();
  await parts.stats?.refresh(); // other processes' observations, at most ~1 s stale (bounded; never throws)
  const call = await openCall(parts, req);
  try {
    for (let attempt = 1; ; attempt++) {
      const reservation = await reserve(parts, call, attempt);
      const sentAt = performance.now();
      try {
        const completion = await inSpan(`chat ${reservation.decision.model}`, requestAttributes(call, reservation.decision), async (span) => {
          const reply = await send(parts, call, reservation.decision);
          const settled = await settleReply(parts, call, reservation, reply, sentAt);
          annotate(span, replyAttributes(reply, settled));
          return settled;
        });
        if (completion) return completion; // null: a critical reply refused, fail over
      } catch (err) {
        await settleFailure(parts, call, reservation, err, sentAt); // throws when the call must stop, else fail over
      }
    }
  } catch (err) {
    // the call id is the ledger's (and the gateway's x-request-id): the caller's audit can name it
    if (isToolError(err) && err.details.callId === undefined) err.details.callId = call.callId;
    throw err;
  }
}

async function openCall(parts: RouterParts, req: CompletionRequest): Promise<ChatCall> {
  const started = performance.now();
  const view = parts.endpoints.view();
  const table = view.table;
  const spec = table.tiers[req.tier];
  const shape = callShape(spec, req);
  const callId = randomUUID();
  const deadline = Date.now() + (req.timeoutMs ?? spec.totalTimeoutMs ?? spec.timeoutMs * 2);
  const refusal = preferredRefusal(table, req.tier, req.preferModel);
  if (refusal?.code === 'UNKNOWN_PRICE') {
    await parts.ledger.refuse(
      { callId, attempt: 1, tool: req.tool, tier: req.tier },
      { modelRequested: req.preferModel!, outcome: 'unknown_price', error: 'no price in the tier table', step: 0 },
    );
  }
  if (refusal) {
    refusal.details.callId = callId;
    throw refusal;
  }
  const attributed = attribution(callId, req.tool, req.tier, parts.profile);
  const body = {
    messages: req.messages,
    max_tokens: shape.maxTokens,
    stream: false as const,
    user: attributed.user,
    ...(req.responseFormat
      ? {
          response_format: {
            type: 'json_schema' as const,
            json_schema: { name: req.responseFormat.name, schema: req.responseFormat.schema, strict: req.responseFormat.strict ?? true },
          },
        }
      : {}),
  };
  return {
    req,
    view,
    table,
    spec,
    critical: req.tier === 'critical',
    shape,
    deadline,
    callId,
    started,
    body,
    headers: attributed.headers,
    tried: new Set(),
    lastError: undefined,
  };
}

async function reserve(parts: RouterParts, call: ChatCall, attempt: number): Promise<Reservation> {
  const meta = { callId: call.callId, attempt, tool: call.req.tool, tier: call.req.tier };
  try {
    return await reserveOrRefuse(parts.ledger, meta, call.req.preferModel ?? call.spec.models[0]!, (view) => decide(parts, call, attempt, view));
  } catch (err) {
    if (err instanceof NoCandidate) throw noModelAnswered(call);
    throw err;
  }
}

/** Inside the ledger's transaction: the route's first candidate at this view, or its refusal (nothing written). */
function decide(parts: RouterParts, call: ChatCall, attempt: number, view: LedgerView): ReserveDecision {
  const { tier, preferModel } = call.req;
  const routeRequest = {
    tier,
    preferModel,
    inputTokens: call.shape.inputTokens,
    maxTokens: call.shape.maxTokens,
    attempt,
    tried: call.tried,
    random: parts.random,
  };
  const r = route(call.table, routeRequest, routeBudget(view, parts.maxConfirmationsPerHour()), parts.resilience, call.view.inputs);
  if (r.refusal) throw r.refusal;
  const pick = r.candidates[0];
  if (!pick) throw new NoCandidate();
  return { model: pick.model, provider: pick.provider, reserveNano: pick.worstNano, step: r.step, route: pick.route };
}

const providerOf = (d: ReserveDecision) => d.provider ?? GATEWAY_PROVIDER;
const endpointOf = (d: ReserveDecision) => endpointKey(providerOf(d), d.model);

function noModelAnswered(call: ChatCall): ToolError {
  const last = classifyFailure(call.lastError);
  return new ToolError('GATEWAY_UNAVAILABLE', `no ${call.req.tier} model answered${call.lastError ? `: ${last.message}` : ' (every circuit is open)'}`, {
    tier: call.req.tier,
    tried: [...call.tried],
    reason: last.outcome,
    ...(last.status !== undefined ? { status: last.status } : {}),
    ...(call.lastError instanceof ToolError ? call.lastError.details : {}),
  });
}

/** GenAI semantic-convention attributes of one attempt (plus our tier, provider route and call id). */
function requestAttributes(call: ChatCall, d: ReserveDecision) {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': providerOf(d),
    'gen_ai.request.model': d.model,
    'gen_ai.request.max_tokens': call.shape.maxTokens,
    'tars.llm.tier': call.req.tier,
    'tars.llm.tool': call.req.tool,
    'tars.llm.call_id': call.callId,
    'tars.llm.route': d.route,
  };
}

function replyAttributes(res: ChatCompletion, c: Completion | null) {
  return {
    'gen_ai.response.model': res.model || undefined,
    'gen_ai.response.id': res.id || undefined,
    'gen_ai.response.finish_reasons': res.choices?.[0]?.finish_reason ?? undefined,
    'gen_ai.usage.input_tokens': res.usage?.prompt_tokens,
    'gen_ai.usage.output_tokens': res.usage?.completion_tokens,
    'tars.llm.cost_usd': c?.costUsd,
    'tars.llm.refused': c === null,
  };
}

function send(parts: RouterParts, call: ChatCall, d: ReserveDecision): Promise<ChatCompletion> {
  const client = parts.endpoints.client(providerOf(d));
  return parts.resilience.policyFor(endpointOf(d), call.deadline).execute(
    // cockatiel's context signal only mirrors req.signal here (no timeout policy), so pass the caller's own:
    // handing openai a long-lived shared signal would leak one abort listener per call.
    () =>
      client.chat.completions.create(
        { ...call.body, model: d.model },
        { signal: call.req.signal, timeout: attemptTimeout(call.spec.timeoutMs, call.deadline), headers: call.headers },
      ),
    call.req.signal,
  );
}

const attemptOf = (call: ChatCall, r: Reservation) => ({
  callId: call.callId,
  tier: call.req.tier,
  model: r.decision.model,
  provider: providerOf(r.decision),
});

interface MeasuredReply {
  /** The model the reply names, null when it names none. */
  reported: string | null;
  served: string;
  same: boolean;
  u: ReplyUsage;
  anomaly: string | null;
  usage: Omit<SettleInput, 'modelServed' | 'outcome' | 'error'>;
}

/** What the reply cost, as reported; usage the request did not allow isolates the model's circuit (SPEC §11). */
function measure(parts: RouterParts, call: ChatCall, r: Reservation, res: ChatCompletion, sentAt: number): MeasuredReply {
  const model = r.decision.model;
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
    ? costNano(priceOf(call.table, served) ?? priceOf(call.table, model)!, { inputTokens: u.input, cachedInputTokens: u.cached, outputTokens: u.output })
    : r.decision.reserveNano;
  const latencyMs = performance.now() - sentAt;
  const anomaly = res.usage ? usageAnomaly(u, { maxOutputTokens: call.shape.maxTokens, worstInputTokens: call.shape.inputTokens }) : null;
  if (anomaly) parts.resilience.isolate(endpointOf(r.decision), { anomaly, tool: call.req.tool });
  const usage = {
    inputTokens: u.input,
    cachedInputTokens: u.cached,
    outputTokens: u.output,
    reasoningTokens: u.reasoning,
    costNano: cost,
    latencyMs,
    usageAnomaly: anomaly,
  };
  return { reported, served, same: sameModel(model, served), u, anomaly, usage };
}

/** Replace the reservation by the reply's reported cost; null when a critical reply is refused (charged, not used). */
async function settleReply(parts: RouterParts, call: ChatCall, r: Reservation, res: ChatCompletion, sentAt: number): Promise<Completion | null> {
  const model = r.decision.model;
  const m = measure(parts, call, r, res, sentAt);
  if (call.critical && !(await criticalReplyTaken(parts, call, r, m))) return null;
  const view = await settleRecorded(parts.ledger, r.rowId, { modelServed: m.served, ...m.usage, outcome: m.same ? 'ok' : 'substituted' });
  if (!m.same) parts.log.warn('gateway substituted the model', { modelRequested: model, modelServed: m.served, tier: call.req.tier, tool: call.req.tool });
  const choice = res.choices?.[0];
  const content = choice?.message?.content ?? '';
  observeAnswer(parts.stats, parts.log, {
    ...attemptOf(call, r),
    latencyMs: m.usage.latencyMs,
    valid: replyValidity(content, call.req.responseFormat),
    inputTokens: m.u.input,
    cachedTokens: m.u.cached,
    outputTokens: m.u.output,
    costNano: m.usage.costNano,
  });
  return {
    ...receipt(call.callId, call.req.tier, model, m.served, m.u, m.usage.costNano, performance.now() - call.started, r.decision.step, view),
    content,
    finishReason: choice?.finish_reason ?? null,
    choiceCount: Array.isArray(res.choices) ? res.choices.length : 0,
  };
}

/**
 * A critical reply is used only when it names the Opus model asked for (false: settled as a substitution, the
 * next Opus model is tried) and its usage is plausible (else settled and the call stops: no other Opus is paid for).
 */
async function criticalReplyTaken(parts: RouterParts, call: ChatCall, r: Reservation, m: MeasuredReply): Promise<boolean> {
  const model = r.decision.model;
  if (m.reported === null || !(m.same && isOpusModel(m.served))) {
    await settleRecorded(parts.ledger, r.rowId, {
      modelServed: m.reported ?? '(none)',
      ...m.usage,
      outcome: 'rejected_substitution',
      error: `asked ${model}, served ${m.served}`,
    });
    parts.log.warn('critical reply from a substituted model refused', {
      modelRequested: model,
      modelServed: m.served,
      provider: providerOf(r.decision),
      tool: call.req.tool,
    });
    observeFailure(parts.stats, parts.log, { ...attemptOf(call, r), latencyMs: m.usage.latencyMs, outcome: 'malformed_reply', costNano: m.usage.costNano });
    call.tried.add(endpointOf(r.decision));
    call.lastError =
      m.reported === null
        ? new ToolError('GATEWAY_UNAVAILABLE', `the gateway answered a critical call to ${model} without naming the model that served it`, {
            reason: 'model_missing',
            modelRequested: model,
          })
        : new ToolError('GATEWAY_UNAVAILABLE', `the gateway answered a critical call with ${m.served} instead of ${model}`, {
            reason: 'model_substituted',
            modelRequested: model,
            modelServed: m.served,
          });
    return false;
  }
  if (m.anomaly) {
    // the gateway's accounting of this very reply is in doubt: its decision is not used, and no other Opus model is paid for
    await settleRecorded(parts.ledger, r.rowId, { modelServed: m.served, ...m.usage, outcome: 'rejected_usage', error: m.anomaly });
    throw new ToolError('GATEWAY_UNAVAILABLE', `the gateway reported more usage than the critical call allowed (${m.anomaly}); the reply is not used`, {
      reason: 'usage_anomaly',
      modelRequested: model,
      modelServed: m.served,
    });
  }
  return true;
}

/** A failed attempt gives its reservation back; throws when the call must stop (cancelled, out of time), else returns to fail over. */
async function settleFailure(parts: RouterParts, call: ChatCall, r: Reservation, err: unknown, sentAt: number): Promise<void> {
  if (err instanceof ToolError && err.details.reason === 'usage_anomaly') throw err;
  // the ledger could not record a reply (database lost): never give back a reservation that may have been billed
  if (err instanceof ToolError && err.code === 'STORE_UNAVAILABLE') throw err;
  const { tier } = call.req;
  const model = r.decision.model;
  const d = classifyFailure(err);
  const latencyMs = performance.now() - sentAt;
  await parts.ledger.release(r.rowId, { outcome: d.outcome, error: d.message, latencyMs });
  const aborted = call.req.signal?.aborted === true;
  observeFailure(parts.stats, parts.log, { ...attemptOf(call, r), latencyMs, outcome: aborted ? 'aborted' : d.outcome });
  if (aborted) throw new ToolError('GATEWAY_UNAVAILABLE', `the ${tier} call was cancelled`, { tier, reason: 'aborted' });
  parts.log.warn('model attempt failed', { tier, model, provider: providerOf(r.decision), outcome: d.outcome, status: d.status, message: d.message });
  call.tried.add(endpointOf(r.decision));
  call.lastError = err;
  if (Date.now() >= call.deadline - 50) {
    const tried = [...call.tried];
    throw new ToolError('GATEWAY_UNAVAILABLE', `the ${tier} call ran out of time after trying ${tried.join(', ')}: ${d.message}`, {
      tier,
      tried,
      reason: d.outcome,
      ...(d.status !== undefined ? { status: d.status } : {}),
    });
  }
}
