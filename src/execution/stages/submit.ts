/**
 * Stage 7: INTENT → broker → OUTCOME. An aged risk verdict is checked again, the order is committed
 * (store.commitIntent: the one write transaction that makes the INTENT durable), then sent once; an
 * answer in doubt is settled by looking the order up by client_order_id, never by sending it again.
 */
import { performance } from 'node:perf_hooks';
import type { Broker, BrokerOrder, OrderSubmission } from '../../broker/types.js';
import { isToolError, type ErrorCode } from '../../errors.js';
import { riskActionOf } from '../actions/types.js';
import { Refusal } from '../attempt.js';
import { BROKER_SUBMIT_DEADLINE_MS, crashPoint, isSameOrder, lateAnswer, lookup, withDeadline } from '../broker-call.js';
import type { AttemptContext, GateStage, StageOutcome } from '../context.js';
import { describeOrder, summariseBrokerOrder } from '../describe.js';
import { recordOutcome, type OutcomeKey } from '../outcome.js';
import { judgeRiskVerdict } from './risk.js';

/** A risk verdict older than this when the order is about to be sent is computed again. */
export const RISK_RECHECK_AFTER_MS = 20_000;

export const submitStage: GateStage = {
  name: 'broker',
  async run(ctx) {
    // last point where a cancelled request can still be refused cleanly
    if (ctx.options.signal?.aborted) throw new Refusal('INTERNAL', 'the request was cancelled before the order was sent');
    const { parsed, order, hash } = ctx.order;
    if (performance.now() - ctx.riskAt > (ctx.env.options.riskRecheckAfterMs ?? RISK_RECHECK_AFTER_MS)) {
      // the verdict has aged (a slow confirmation, a human taking their time): send only on a current pass
      judgeRiskVerdict(await ctx.env.services.assessOrder(parsed, riskActionOf(ctx.action)), hash, 'recheck', ctx.result);
    }
    // the broker client first: if it cannot be had, nothing is written, no slot is used, the id stays free
    let broker: Broker;
    try {
      broker = await ctx.env.services.broker();
    } catch (err) {
      throw new Refusal('BROKER_UNAVAILABLE', `the broker is not available: ${(err as Error).message}; nothing was sent`);
    }
    const submission: OrderSubmission = { ...order, client_order_id: ctx.clientOrderId };
    await commit(ctx, submission);
    crashPoint('after_intent');
    return send(ctx, broker, submission);
  },
};

/**
 * The commit point: the halt, an Opus REJECT of this same order in a concurrent attempt, the
 * order-rate/duplicate slot and the council ticket are all read or spent in the one write
 * transaction that makes the INTENT durable; a halt that has returned stops this order.
 */
async function commit(ctx: AttemptContext, submission: OrderSubmission): Promise<void> {
  const { env, result: r } = ctx;
  const at = env.now();
  const { slot, rules } = await env.services.orderSlot(ctx.order.order, at);
  const intent = {
    type: 'INTENT' as const,
    at: at.toISOString(),
    pid: process.pid,
    audit_id: ctx.attempt.auditId,
    client_order_id: ctx.clientOrderId,
    order_hash: ctx.order.hash,
    mode: ctx.mode,
    order: submission,
    ...(ctx.action.kind === 'replace' ? { replaces: ctx.action.target.id } : {}),
  };
  try {
    await env.store.commitIntent(intent, {
      slot,
      rules,
      ticketId: ctx.ticketId,
      ticketRequired: env.deps.profile.requireCouncilTicket,
      rejectionKeys: ctx.rejectionKeys(),
      nowMs: at.getTime(),
    });
  } catch (err) {
    if (isToolError(err) && err.code === 'COUNCIL_REQUIRED') r.council = { ok: false, reason: 'reused', message: err.message };
    throw err;
  }
  ctx.committed = true;
  if (ctx.ticketId !== null) r.council = { ok: true, reason: null, message: 'council ticket verified and spent with the INTENT' };
}

const outcomeKey = (ctx: AttemptContext): OutcomeKey => ({ audit_id: ctx.attempt.auditId, client_order_id: ctx.clientOrderId, order_hash: ctx.order.hash });

/** The one broker call: a new order, or the replace of the open one under our new client_order_id. */
function sendOnce(ctx: AttemptContext, broker: Broker, submission: OrderSubmission): Promise<BrokerOrder> {
  const { action } = ctx;
  if (action.kind === 'replace') return broker.replaceOrder(action.target.id, { ...action.change, client_order_id: submission.client_order_id });
  return broker.submitOrder(submission);
}

/**
 * Is the order found under our client_order_id the one we sent? For a replace it must also be a
 * replacement: not the target itself (an id the broker already held), and replacing the target.
 */
function isOurs(ctx: AttemptContext, found: BrokerOrder, submission: OrderSubmission): boolean {
  const { action } = ctx;
  if (action.kind === 'replace' && (found.id === action.target.id || (found.replaces !== null && found.replaces !== action.target.id))) return false;
  return isSameOrder(found, submission);
}

/** The one submission; an answer in doubt is looked up, never re-posted. */
async function send(ctx: AttemptContext, broker: Broker, submission: OrderSubmission): Promise<StageOutcome> {
  const { env } = ctx;
  let placed: BrokerOrder;
  try {
    placed = await withDeadline(sendOnce(ctx, broker, submission), env.options.brokerTimeoutMs ?? BROKER_SUBMIT_DEADLINE_MS, (late) =>
      lateAnswer(env, outcomeKey(ctx), late),
    );
  } catch (err) {
    const definite = isToolError(err) && err.code === 'BROKER_REJECTED' && err.details.reason !== 'duplicate_client_order_id';
    if (definite) return refuseAfterIntent(ctx, 'rejected', 'BROKER_REJECTED', `the broker rejected the order: ${(err as Error).message}`);
    // no answer, a 5xx, a timeout or "already have this id": the broker may hold the order. Look it up; never re-post.
    const id = ctx.clientOrderId;
    const found = await lookup(broker, id);
    if (found && !isOurs(ctx, found, submission)) {
      // the id is taken at the broker by another order (placed outside this data dir): ours was not accepted
      return refuseAfterIntent(
        ctx,
        'rejected',
        'BROKER_REJECTED',
        `the broker already holds a different order (${found.id}: ${found.side ?? '?'} ${found.qty ?? found.notional ?? '?'} ${found.symbol ?? found.orderClass}) under client_order_id ${id}; this order was not placed`,
      );
    }
    if (found) return finishSubmitted(ctx, found, true);
    return refuseAfterIntent(
      ctx,
      'unknown',
      'BROKER_UNAVAILABLE',
      `the broker did not confirm the order (${(err as Error).message}) and has no order with client_order_id ${id} yet; the outcome is unknown and this id stays blocked (place_order with the same client_order_id re-checks it)`,
    );
  }
  crashPoint('after_submit');
  return finishSubmitted(ctx, placed, false);
}

/** The broker holds the order: from here on the answer is "submitted", whatever else fails. */
async function finishSubmitted(ctx: AttemptContext, placed: BrokerOrder, byLookup: boolean): Promise<StageOutcome> {
  const r = ctx.result;
  const at = ctx.env.now().toISOString();
  r.broker_order = summariseBrokerOrder(placed);
  r.status = 'submitted';
  r.message = `order ${placed.id} ${byLookup ? 'submitted (confirmed by looking the order up by client_order_id)' : 'submitted'}: ${describeOrder(ctx.order.order)}`;
  try {
    await recordOutcome(ctx.env.store, outcomeKey(ctx), { kind: byLookup ? 'submitted_by_lookup' : 'submitted', placed }, at);
  } catch (err) {
    // the INTENT stays open: the next start-up reconciles it with the broker by client_order_id
    ctx.env.deps.log.error('could not record the OUTCOME of a submitted order', { err, clientOrderId: ctx.clientOrderId });
    r.message += ' (its OUTCOME record could not be written; it will be reconciled at the next start-up)';
  }
  await recordForMemory(ctx, placed);
  return { outcome: 'passed', message: `broker order ${placed.id} (${placed.status})${byLookup ? ', reconciled by client_order_id' : ''}` };
}

/** Trade memory's record of what this order was for (best effort: never fails the order, never holds its answer past ORDER_META_WAIT_MS; logs on error). */
async function recordForMemory(ctx: AttemptContext, placed: BrokerOrder): Promise<void> {
  const { parsed, order } = ctx.order;
  try {
    const { recordOrderMetaWithin } = await import('../../memory/ingest.js');
    await recordOrderMetaWithin(ctx.env.deps, {
      client_order_id: ctx.clientOrderId,
      broker_order_id: placed.id,
      symbol: order.symbol ?? order.legs?.[0]?.symbol ?? null,
      strategy: parsed.strategy ?? null,
      tags: parsed.tags ?? [],
      rationale: parsed.rationale ?? null,
      audit_id: ctx.attempt.auditId,
    });
  } catch (err) {
    ctx.env.deps.log.error('trade memory could not record the order', { err, clientOrderId: ctx.clientOrderId });
  }
}

/** The broker refused the order or its outcome is unknown: recorded, then refused (the id stays used). */
async function refuseAfterIntent(ctx: AttemptContext, kind: 'rejected' | 'unknown', code: ErrorCode, message: string): Promise<never> {
  const at = ctx.env.now().toISOString();
  if (kind === 'unknown') ctx.result.status = 'unknown';
  try {
    await recordOutcome(ctx.env.store, outcomeKey(ctx), { kind, code, message }, at);
  } catch (err) {
    // the id stays blocked in state `intent`; the next start-up reconciles it
    ctx.env.deps.log.error('could not record the OUTCOME of an order', { err, clientOrderId: ctx.clientOrderId });
  }
  throw new Refusal(code, message);
}
