/**
 * Talking to the broker about one order: a deadline on its answer (a late answer is still recorded),
 * a lookup by client_order_id when the answer is in doubt, and whether the order found is ours.
 */
import type { Broker, BrokerOrder, OrderSubmission } from '../broker/types.js';
import { ToolError } from '../errors.js';
import type { GateEnv } from './context.js';
import { recordOutcome, type OutcomeKey } from './outcome.js';

/** Longest wait for the broker's answer to a submission before looking the order up instead. */
export const BROKER_SUBMIT_DEADLINE_MS = 45_000;
const CRASH_POINTS = new Set(['after_intent', 'after_submit']);

/**
 * Test-only fault hook: TRADING_MCP_TEST_CRASH_AT=after_intent|after_submit makes the process
 * SIGKILL itself at that point. Honoured only when NODE_ENV is 'test'.
 */
export function crashPoint(point: 'after_intent' | 'after_submit'): void {
  if (process.env.NODE_ENV === 'test' && CRASH_POINTS.has(process.env.TRADING_MCP_TEST_CRASH_AT ?? '') && process.env.TRADING_MCP_TEST_CRASH_AT === point) {
    process.kill(process.pid, 'SIGKILL');
  }
}

/** The broker's answer within `ms`, else BROKER_UNAVAILABLE; an answer that comes later goes to onLate. */
export function withDeadline<T>(p: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new ToolError('BROKER_UNAVAILABLE', `no answer from the broker within ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        if (done) onLate?.(v);
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!done) reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** The order the broker holds under this client_order_id, or null (also when three lookups fail). */
export async function lookup(broker: Broker, clientOrderId: string): Promise<BrokerOrder | null> {
  for (let i = 0; i < 3; i++) {
    try {
      return await withDeadline(broker.getOrderByClientId(clientOrderId), 15_000);
    } catch {
      await new Promise((res) => setTimeout(res, 100 * (i + 1)));
    }
  }
  return null;
}

/** The broker answered after we gave up waiting: record what it said. */
export function lateAnswer(env: GateEnv, key: OutcomeKey, placed: BrokerOrder): void {
  // nobody awaits this: a throw here (database busy or already closed at shutdown) would be an
  // unhandled rejection, which ends the whole server. The id stays blocked (intent/unknown) and a
  // place_order with the same client_order_id looks it up at the broker (never re-posts)
  const failed = (err: unknown) =>
    env.deps.log.error("could not record the broker's late answer; a retry with the same client_order_id reconciles it", {
      err,
      clientOrderId: key.client_order_id,
      brokerOrderId: placed.id,
    });
  try {
    recordOutcome(env.store, key, { kind: 'late_answer', placed }, env.now().toISOString()).catch(failed);
  } catch (err) {
    failed(err);
  }
}

/**
 * Is the order the broker holds under our client_order_id the one we sent, rather than another order
 * placed under the same id elsewhere? Only a difference the broker's answer shows counts: when it
 * leaves a field out, the order is taken as ours (saying "not placed" about a live order is worse).
 */
export function isSameOrder(held: BrokerOrder, sent: OrderSubmission): boolean {
  if (sent.order_class === 'mleg') {
    if (!held.legs?.length) return true;
    const heldLegs = held.legs.map((l) => `${l.symbol}:${l.side}`).sort();
    const sentLegs = (sent.legs ?? []).map((l) => `${l.symbol}:${l.side}`).sort();
    return heldLegs.length === sentLegs.length && heldLegs.every((l, i) => l === sentLegs[i]);
  }
  if (held.symbol !== null && held.symbol !== sent.symbol) return false;
  if (held.side !== null && held.side !== sent.side) return false;
  if (sent.qty !== null && held.qty !== null && Math.abs(held.qty - sent.qty) > 1e-9) return false;
  if (sent.notional !== null && held.notional !== null && Math.abs(held.notional - sent.notional) > 0.005) return false;
  return true;
}
