/**
 * One arena model's turn in a round: ask it (its own deadline, the round's signal), parse its decision,
 * fill it in its own account, and write what happened to ModelChat — whatever happened. Never throws: a
 * failing, hanging or malformed model is a result of the round, not a failure of it.
 */
import { performance } from 'node:perf_hooks';
import { isToolError } from '../errors.js';
import type { ChatMessage, Completion, CompletionRequest, LlmRouter } from '../llm/types.js';
import { type Book, sizeDecision } from './book.js';
import { DeadlineError, withDeadline } from '../deadline.js';
import { type Decision, parseDecision } from './decision.js';
import type { ArenaModel } from './models.js';
import type { ArenaStore, ChatRecord, StoredFill } from './store.js';

export type PlayStatus = 'valid' | 'invalid' | 'substituted' | 'failed' | 'timeout';

export interface Play {
  model: string;
  tier: string;
  model_served: string | null;
  status: PlayStatus;
  decision: Decision | null;
  fill: { id: number; side: 'buy' | 'sell'; qty: number; price: number; mid: number } | null;
  /** Why a valid decision filled nothing (HOLD, no whole share, nothing held), or what went wrong. */
  note: string | null;
  error: { code: string; message: string } | null;
  cost_usd: number;
  latency_ms: number;
  call_id: string | null;
}

export interface RoundContext {
  router: LlmRouter;
  store: ArenaStore;
  roundId: string;
  at: string;
  symbols: string[];
  mids: ReadonlyMap<string, number>;
  initialCash: number;
  slippageBps: number;
  timeoutMs: number;
  schema: Record<string, unknown>;
  signal?: AbortSignal | undefined;
}

export interface Turn {
  player: ArenaModel;
  messages: ChatMessage[];
  digest: string;
}

const ms = (x: number) => Math.round(x * 10) / 10;
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);

/** What a model is asked (quoted before the round, then sent with its deadline and signal). */
export function arenaRequest(ctx: Pick<RoundContext, 'schema' | 'timeoutMs'>, turn: Turn): CompletionRequest {
  return {
    tier: turn.player.tier,
    tool: 'arena_round',
    messages: turn.messages,
    responseFormat: { name: 'arena_decision', schema: ctx.schema, strict: true },
    preferModel: turn.player.model,
    timeoutMs: ctx.timeoutMs,
  };
}

function ask(ctx: RoundContext, turn: Turn): Promise<Completion> {
  return withDeadline(ctx.timeoutMs, ctx.signal, (signal) => ctx.router.complete({ ...arenaRequest(ctx, turn), signal }));
}

function failed(turn: Turn, err: unknown, t0: number): Play {
  const details = isToolError(err) ? err.details : {};
  const timedOut = err instanceof DeadlineError || details.reason === 'timeout';
  return {
    model: turn.player.model,
    tier: turn.player.tier,
    model_served: null,
    status: timedOut ? 'timeout' : 'failed',
    decision: null,
    fill: null,
    note: null,
    error: { code: timedOut ? 'TIMEOUT' : isToolError(err) ? err.code : 'INTERNAL', message: message(err) },
    cost_usd: 0,
    latency_ms: ms(performance.now() - t0),
    call_id: null,
  };
}

/** The decision filled in the model's account (atomically against the account as it stands). */
async function fillDecision(ctx: RoundContext, model: string, decision: Decision): Promise<{ fill: StoredFill | null; note: string | null }> {
  const mid = ctx.mids.get(decision.symbol) ?? 0;
  if (decision.action === 'HOLD') return { fill: null, note: 'HOLD' };
  const r = await ctx.store.fill({
    model,
    initialCash: ctx.initialCash,
    at: ctx.at,
    source: 'round',
    ref: ctx.roundId,
    symbol: decision.symbol,
    mid,
    size: (book: Book) => sizeDecision(book, decision, mid, ctx.slippageBps),
  });
  return r.filled ? { fill: r.filled, note: null } : { fill: null, note: r.reason };
}

async function answered(ctx: RoundContext, turn: Turn, c: Completion, t0: number): Promise<Play> {
  const base = {
    model: turn.player.model,
    tier: turn.player.tier,
    model_served: c.modelServed,
    cost_usd: c.costUsd,
    latency_ms: ms(performance.now() - t0),
    call_id: c.callId,
  };
  const parsed = parseDecision(c.content, ctx.symbols);
  if (!parsed.ok) return { ...base, status: 'invalid', decision: null, fill: null, note: null, error: { code: 'INVALID_DECISION', message: parsed.reason } };
  if (c.modelServed !== turn.player.model) {
    const note = `served by ${c.modelServed}, not ${turn.player.model}: the decision is kept, not filled in either account`;
    return { ...base, status: 'substituted', decision: parsed.decision, fill: null, note, error: null };
  }
  const { fill, note } = await fillDecision(ctx, turn.player.model, parsed.decision);
  return {
    ...base,
    status: 'valid',
    decision: parsed.decision,
    fill: fill && { id: fill.id, side: fill.side, qty: fill.qty, price: fill.price, mid: fill.mid },
    note,
    error: null,
  };
}

function chatRecord(ctx: RoundContext, turn: Turn, p: Play, reply: string | null): ChatRecord {
  return {
    at: ctx.at,
    kind: 'round',
    ref: ctx.roundId,
    model: p.model_served ?? p.model,
    model_requested: turn.player.model,
    model_served: p.model_served,
    tier: p.tier,
    symbols: ctx.symbols,
    prompt_digest: turn.digest,
    reply,
    action: p.decision?.action ?? null,
    symbol: p.decision?.symbol ?? null,
    qty_fraction: p.decision?.qty_fraction ?? null,
    confidence: p.decision?.confidence ?? null,
    reasoning: p.decision?.reasoning ?? null,
    status: p.status,
    error_code: p.error?.code ?? null,
    error_message: p.error?.message ?? null,
    cost_usd: p.cost_usd,
    latency_ms: p.latency_ms,
    call_id: p.call_id,
    fill_id: p.fill?.id ?? null,
    fill_note: p.note,
  };
}

export async function play(ctx: RoundContext, turn: Turn): Promise<Play> {
  const t0 = performance.now();
  let completion: Completion | null = null;
  let result: Play;
  try {
    completion = await ask(ctx, turn);
    result = await answered(ctx, turn, completion, t0);
  } catch (err) {
    // a reply that was paid for keeps its cost and its model, whatever failed after it
    result = failed(turn, err, t0);
    if (completion) result = { ...result, model_served: completion.modelServed, cost_usd: completion.costUsd, call_id: completion.callId };
  }
  await ctx.store.recordChat(chatRecord(ctx, turn, result, completion?.content ?? null));
  return result;
}
