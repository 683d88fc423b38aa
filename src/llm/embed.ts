/**
 * Embeddings (SPEC §9): the embedding tier's one model, reserve → send → settle. No failover: another
 * model's vectors would not be comparable with the stored ones.
 */
import { randomUUID } from 'node:crypto';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import { ToolError } from '../errors.js';
import { usageAnomaly, worstCaseInputTokens, type LedgerView } from './budget.js';
import { attemptTimeout, receipt, reserveOrRefuse, type Reservation, type RouterParts } from './call.js';
import { classifyFailure, sameModel } from './failures.js';
import type { CallMeta, ReserveDecision } from './ledger.js';
import { costNano, nanoToUsd, priceOf, type ModelPrice } from './tiers.js';
import type { EmbeddingRequest, Embeddings } from './types.js';

interface EmbeddingCall {
  req: EmbeddingRequest;
  model: string;
  price: ModelPrice;
  meta: CallMeta;
  inputTokens: number;
  reserveNano: number;
  timeoutMs: number;
  deadline: number;
  started: number;
}

export async function embed(parts: RouterParts, req: EmbeddingRequest): Promise<Embeddings> {
  const call = openEmbedding(parts, req);
  const reservation = reserveOrRefuse(parts.ledger, call.meta, call.model, (view) => decideEmbedding(parts, call, view));
  const sentAt = performance.now();
  try {
    const res = await parts.resilience
      .policyFor(call.model, call.deadline)
      .execute(
        () =>
          parts.client.embeddings.create(
            { model: call.model, input: req.texts },
            { signal: req.signal, timeout: attemptTimeout(call.timeoutMs, call.deadline) },
          ),
        req.signal,
      );
    return settleEmbedding(parts, call, reservation, res, sentAt);
  } catch (err) {
    if (err instanceof ToolError) throw err;
    const d = classifyFailure(err);
    parts.ledger.release(reservation.rowId, { outcome: d.outcome, error: d.message, latencyMs: performance.now() - sentAt });
    if (req.signal?.aborted) throw new ToolError('GATEWAY_UNAVAILABLE', 'the embedding call was cancelled', { tier: 'embedding', reason: 'aborted' });
    throw new ToolError('GATEWAY_UNAVAILABLE', `embedding call failed: ${d.message}`, {
      tier: 'embedding',
      model: call.model,
      reason: d.outcome,
      ...(d.status !== undefined ? { status: d.status } : {}),
    });
  }
}

function openEmbedding(parts: RouterParts, req: EmbeddingRequest): EmbeddingCall {
  const started = performance.now();
  const spec = parts.table.tiers.embedding;
  const model = spec.models[0]!;
  const meta = { callId: randomUUID(), attempt: 1, tool: req.tool, tier: 'embedding' as const };
  if (!req.texts.length) throw new ToolError('INVALID_INPUT', 'nothing to embed', {});
  const price = priceOf(parts.table, model);
  if (!price) {
    parts.ledger.refuse(meta, { modelRequested: model, outcome: 'unknown_price', error: 'no price in the tier table', step: 0 });
    throw new ToolError('UNKNOWN_PRICE', `embedding model ${model} has no known price in the tier table; it is never called`, { model, tier: 'embedding' });
  }
  const inputTokens = worstCaseInputTokens(req.texts);
  const reserveNano = costNano(price, { inputTokens, cachedInputTokens: 0, outputTokens: 0 });
  const deadline = Date.now() + (spec.totalTimeoutMs ?? spec.timeoutMs * 2);
  return { req, model, price, meta, inputTokens, reserveNano, timeoutMs: spec.timeoutMs, deadline, started };
}

function decideEmbedding(parts: RouterParts, call: EmbeddingCall, view: LedgerView): ReserveDecision {
  const { model, reserveNano } = call;
  if (parts.resilience.isOpen(model))
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
  return { model, reserveNano, step: view.step, route: 'primary' };
}

function settleEmbedding(parts: RouterParts, call: EmbeddingCall, r: Reservation, res: CreateEmbeddingResponse, sentAt: number): Embeddings {
  const { model, req } = call;
  const served = typeof res.model === 'string' && res.model ? res.model : model;
  const input = res.usage?.prompt_tokens ?? 0;
  const cost = res.usage
    ? costNano(priceOf(parts.table, served) ?? call.price, { inputTokens: input, cachedInputTokens: 0, outputTokens: 0 })
    : call.reserveNano;
  const same = sameModel(model, served);
  const anomaly = res.usage ? usageAnomaly({ input, output: 0 }, { maxOutputTokens: 0, worstInputTokens: call.inputTokens }) : null;
  if (anomaly) parts.resilience.isolate(model, { anomaly, tool: req.tool });
  const view = parts.ledger.settle(r.rowId, {
    modelServed: served,
    inputTokens: input,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costNano: cost,
    latencyMs: performance.now() - sentAt,
    outcome: same ? 'ok' : 'substituted',
    usageAnomaly: anomaly,
  });
  const vectors = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding as number[]);
  if (vectors.length !== req.texts.length)
    throw new ToolError('GATEWAY_UNAVAILABLE', `the gateway returned ${vectors.length} vectors for ${req.texts.length} texts`, { reason: 'malformed_reply' });
  const u = { input, cached: 0, output: 0, reasoning: 0 };
  return { ...receipt(call.meta.callId, 'embedding', model, served, u, cost, performance.now() - call.started, r.decision.step, view), vectors };
}
