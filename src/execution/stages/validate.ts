/**
 * Stage 1: the order parsed, normalised and hashed (the hash every later stage binds to). A replace
 * or a close is first resolved against the broker into the order as it will stand (actions/), then
 * parsed by the same order schema, so every rule of SPEC §4/§12 holds for it too.
 */
import type { Broker, OrderSubmission } from '../../broker/types.js';
import { isToolError } from '../../errors.js';
import { canonicalOrder, normalizeOrder, orderHash, type ParsedOrder } from '../../orders/order.js';
import { ClosePositionInputSchema, resolveClose } from '../actions/close.js';
import { ReplaceOrderInputSchema, resolveReplace } from '../actions/replace.js';
import { Refusal } from '../attempt.js';
import type { AttemptContext, GateStage } from '../context.js';
import { PlaceOrderInputSchema } from '../result.js';
import type { z } from 'zod';

const issuesText = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(order)'}: ${i.message}`).join('; ');

function parse<T extends z.ZodTypeAny>(schema: T, raw: unknown, what: string): z.output<T> {
  const checked = schema.safeParse(raw);
  if (!checked.success) throw new Refusal('INVALID_INPUT', `invalid ${what}: ${issuesText(checked.error)}`);
  return checked.data;
}

/** A broker read for resolving a replace or close: unavailable is a refusal, nothing sent. */
async function readBroker<T>(ctx: AttemptContext, read: (b: Broker) => Promise<T>, what: string): Promise<T> {
  try {
    return await read(await ctx.env.services.broker());
  } catch (err) {
    if (isToolError(err) && err.code === 'NOT_FOUND') throw new Refusal('NOT_FOUND', err.message);
    throw new Refusal('BROKER_UNAVAILABLE', `could not read ${what} from the broker: ${(err as Error).message}; nothing was sent`);
  }
}

/** A normalized order back as order input: absent fields left out (the schema takes no nulls). */
function inputOf(order: OrderSubmission): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(order)) {
    if (v === null) continue;
    out[k] = k === 'stop_loss' ? Object.fromEntries(Object.entries(v as object).filter(([, x]) => x !== null)) : v;
  }
  return out;
}

/** The order already sent under this client_order_id by this data dir, if any. */
async function sentUnder(ctx: AttemptContext, clientOrderId: string | undefined): Promise<OrderSubmission | null> {
  return clientOrderId === undefined ? null : ((await ctx.env.store.getOrder(clientOrderId))?.submission ?? null);
}

/**
 * A replace. A retry whose replacement already went to the broker is answered from the order as it
 * was sent (the target, now `replaced`, cannot be resolved again) — but only when the broker says
 * the target was replaced by exactly the order under that id; any other request under a used id resolves on its own and the
 * idempotency stage answers it as a duplicate of a different order.
 */
async function replaceRequest(ctx: AttemptContext): Promise<Record<string, unknown>> {
  const input = parse(ReplaceOrderInputSchema, ctx.raw, 'replace request');
  const target = await readBroker(
    ctx,
    (b) => (input.order_id !== undefined ? b.getOrder(input.order_id) : b.getOrderByClientId(input.client_order_id as string)),
    'the order to replace',
  );
  const newId = input.new_client_order_id;
  const sent = await sentUnder(ctx, newId);
  if (sent && newId !== undefined && target?.status === 'replaced' && target.replacedBy !== null) {
    // the broker's word, not our record (an OUTCOME may not be written yet after a crash)
    const replacement = await readBroker(ctx, (b) => b.getOrderByClientId(newId), 'the replacement');
    if (replacement?.id === target.replacedBy) return inputOf(sent);
  }
  const { orderInput, action } = resolveReplace(input, target);
  ctx.action = action;
  return { ...orderInput, ...(input.council_ticket ? { council_ticket: input.council_ticket } : {}) };
}

/**
 * A close. A retry under an id that already closed this same symbol is answered from the order as it
 * was sent (the position may be gone or smaller now); a used id for another symbol resolves anew.
 */
async function closeRequest(ctx: AttemptContext): Promise<Record<string, unknown>> {
  const input = parse(ClosePositionInputSchema, ctx.raw, 'close request');
  const sent = await sentUnder(ctx, input.client_order_id);
  if (sent && sent.symbol === input.symbol) return inputOf(sent);
  const { orderInput, action } = resolveClose(input, await readBroker(ctx, (b) => b.getPositions(), 'the positions'));
  ctx.action = action;
  return { ...orderInput, ...(input.council_ticket ? { council_ticket: input.council_ticket } : {}) };
}

/** The place_order input this attempt runs: as given, or resolved from a replace / close request. */
async function orderRequest(ctx: AttemptContext): Promise<unknown> {
  if (ctx.request === 'replace') return replaceRequest(ctx);
  if (ctx.request === 'close') return closeRequest(ctx);
  return ctx.raw;
}

export const validateStage: GateStage = {
  name: 'validate',
  async run(ctx) {
    const raw = await orderRequest(ctx);
    const what = ctx.request === 'place' ? 'order' : `order as it would stand after the ${ctx.request}`;
    const { council_ticket: councilTicket, ...orderFields } = parse(PlaceOrderInputSchema, raw, what);
    const parsed = orderFields as ParsedOrder;
    const order = normalizeOrder(parsed);
    const hash = orderHash(order, ctx.mode);
    ctx.order = { parsed, order, hash, canonical: canonicalOrder(order, ctx.mode), ticket: councilTicket ?? null };
    ctx.result.order_hash = hash;
    if (ctx.action.kind !== 'place') ctx.result.action = { kind: ctx.action.kind, summary: ctx.action.summary, order: orderFields };
    return { outcome: 'passed', message: ctx.action.kind === 'place' ? `order_hash ${hash}` : `${ctx.action.summary}; order_hash ${hash}` };
  },
};
