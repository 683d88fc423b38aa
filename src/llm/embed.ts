/**
 * Embeddings (SPEC §9): the embedding tier's one model, reserve → send → settle, through the first of the
 * tier's providers that can take it (a key, the model listed, its circuit closed), with the call's
 * attribution (SPEC §15). No failover: another model's vectors would not be comparable with the stored ones.
 */
import { randomUUID } from 'node:crypto';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { ToolError } from '../errors.js';
import { usageAnomaly, worstCaseInputTokens, type LedgerView } from './budget.js';
import { attemptTimeout, attribution, receipt, reserveOrRefuse, type Reservation, type RouterParts } from './call.js';
import { classifyFailure, sameModel } from './failures.js';
import { type CallMeta, type ReserveDecision, settleRecorded } from './ledger.js';
import { observeAnswer, observeFailure } from './observe.js';
import { endpointKey, tierProviderNames } from './providers.js';
import { costNano, nanoToUsd, priceOf, type ModelPrice, type TierTable } from './tiers.js';
import type { EmbeddingRequest, Embeddings } from './types.js';

interface EmbeddingCall {
  req: EmbeddingRequest;
  table: TierTable;
  model: string;
  /** The provider it goes to, and the circuit key of that endpoint. */
  provider: string;
  endpoint: string;
  price: ModelPrice;
  meta: CallMeta;
  inputTokens: number;
  reserveNano: number;
  timeoutMs: number;
  deadline: number;
  started: number;
}

export async function embed(parts: RouterParts, req: EmbeddingRequest): Promise<Embeddings> {
  await parts.endpoints.ready();
  const call = await openEmbedding(parts, req);
  const reservation = await reserveOrRefuse(parts.ledger, call.meta, call.model, (view) => decideEmbedding(parts, call, view));
  const sentAt = performance.now();
  const attributed = attribution(call.meta.callId, req.tool, 'embedding', parts.profile);
  try {
    const client = parts.endpoints.client(call.provider);
    const res = await parts.resilience
      .policyFor(call.endpoint, call.deadline)
      .execute(
        () =>
          client.embeddings.create(
            { model: call.model, input: req.texts, user: attributed.user },
            { signal: req.signal, timeout: attemptTimeout(call.timeoutMs, call.deadline), headers: attributed.headers },
          ),
        req.signal,
      );
    return await settleEmbedding(parts, call, reservation, res, sentAt);
  } catch (err) {
    if (err instanceof ToolError) throw err;
    const d = classifyFailure(err);
    const latencyMs = performance.now() - sentAt;
    await parts.ledger.release(reservation.rowId, { outcome: d.outcome, error: d.message, latencyMs });
    observeFailure(parts.stats, parts.log, {
      callId: call.meta.callId,
      tier: 'embedding',
      model: call.model,
      provider: call.provider,
      latencyMs,
      outcome: req.signal?.aborted ? 'aborted' : d.outcome,
    });
    if (req.signal?.aborted) throw new ToolError('GATEWAY_UNAVAILABLE', 'the embedding call was cancelled', { tier: 'embedding', reason: 'aborted' });
    throw new ToolError('GATEWAY_UNAVAILABLE', `embedding call failed: ${d.message}`, {
      tier: 'embedding',
      model: call.model,
      reason: d.outcome,
      ...(d.status !== undefined ? { status: d.status } : {}),
    });
  }
}

async function openEmbedding(parts: RouterParts, req: EmbeddingRequest): Promise<EmbeddingCall> {
  const started = performance.now();
  const { table, inputs } = parts.endpoints.view();
  const spec = table.tiers.embedding;
  const model = spec.models[0]!;
  const meta = { callId: randomUUID(), attempt: 1, tool: req.tool, tier: 'embedding' as const };
  if (!req.texts.length) throw new ToolError('INVALID_INPUT', 'nothing to embed', {});
  const providers = tierProviderNames(table, 'embedding');
  const reachable = providers.filter((p) => (inputs.reachable?.(p) ?? true) && (inputs.listed?.(p, model) ?? true));
  if (!reachable.length) {
    throw new ToolError('GATEWAY_UNAVAILABLE', `embedding model ${model} is not offered by any provider of the embedding tier now; nothing was sent`, {
      model,
      tier: 'embedding',
      reason: providers.some((p) => inputs.reachable?.(p) ?? true) ? 'not_listed' : 'no_key',
    });
  }
  const provider = reachable.find((p) => !parts.resilience.isOpen(endpointKey(p, model))) ?? reachable[0]!;
  const price = priceOf(table, model);
  if (!price) {
    await parts.ledger.refuse(meta, { modelRequested: model, outcome: 'unknown_price', error: 'no price in the tier table', step: 0 });
    throw new ToolError('UNKNOWN_PRICE', `embedding model ${model} has no known price in the tier table; it is never called`, { model, tier: 'embedding' });
  }
  const inputTokens = worstCaseInputTokens(req.texts);
  const reserveNano = costNano(price, { inputTokens, cachedInputTokens: 0, outputTokens: 0 });
  const deadline = Date.now() + (spec.totalTimeoutMs ?? spec.timeoutMs * 2);
  return {
    req,
    table,
    model,
    provider,
    endpoint: endpointKey(provider, model),
    price,
    meta,
    inputTokens,
    reserveNano,
    timeoutMs: spec.timeoutMs,
    deadline,
    started,
  };
}

function decideEmbedding(parts: RouterParts, call: EmbeddingCall, view: LedgerView): ReserveDecision {
  const { model, reserveNano } = call;
  if (parts.resilience.isOpen(call.endpoint))
    throw new ToolError('GATEWAY_UNAVAILABLE', `embedding model ${model} is failing (circuit open)`, { model, reason: 'circuit_open' });
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
  return { model, provider: call.provider, reserveNano, step: view.step, route: 'primary' };
}

async function settleEmbedding(parts: RouterParts, call: EmbeddingCall, r: Reservation, res: CreateEmbeddingResponse, sentAt: number): Promise<Embeddings> {
  const { model, req } = call;
  const served = typeof res.model === 'string' && res.model ? res.model : model;
  const input = res.usage?.prompt_tokens ?? 0;
  const cost = res.usage
    ? costNano(priceOf(call.table, served) ?? call.price, { inputTokens: input, cachedInputTokens: 0, outputTokens: 0 })
    : call.reserveNano;
  const same = sameModel(model, served);
  const anomaly = res.usage ? usageAnomaly({ input, output: 0 }, { maxOutputTokens: 0, worstInputTokens: call.inputTokens }) : null;
  if (anomaly) parts.resilience.isolate(call.endpoint, { anomaly, tool: req.tool });
  const latencyMs = performance.now() - sentAt;
  // an embedding has no schema to be valid against: calls, latency and cost only
  observeAnswer(parts.stats, parts.log, {
    callId: call.meta.callId,
    tier: 'embedding',
    model,
    provider: call.provider,
    latencyMs,
    valid: null,
    inputTokens: input,
    cachedTokens: 0,
    outputTokens: 0,
    costNano: cost,
  });
  const view = await settleRecorded(parts.ledger, r.rowId, {
    modelServed: served,
    inputTokens: input,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costNano: cost,
    latencyMs,
    outcome: same ? 'ok' : 'substituted',
    usageAnomaly: anomaly,
  });
  const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding as number[]);
  if (vectors.length !== req.texts.length)
    throw new ToolError('GATEWAY_UNAVAILABLE', `the gateway returned ${vectors.length} vectors for ${req.texts.length} texts`, { reason: 'malformed_reply' });
  const u = { input, cached: 0, output: 0, reasoning: 0 };
  return { ...receipt(call.meta.callId, 'embedding', model, served, u, cost, performance.now() - call.started, r.decision.step, view), vectors };
}
