/** Stage 2: the client_order_id claimed before any side effect; one already used is answered as a duplicate. */
import { randomBytes } from 'node:crypto';
import type { GateStage } from '../context.js';
import { answerDuplicate } from '../reconcile.js';

/** A client_order_id the gate makes when none is given: bound to the hash prefix, unique by its random tail (38 chars). */
export function generateClientOrderId(hash: string): string {
  return `tmcp-${hash.slice(0, 16)}-${randomBytes(8).toString('hex')}`;
}

export const idempotencyStage: GateStage = {
  name: 'idempotency',
  async run(ctx) {
    const { env, result: r, attempt } = ctx;
    const { order, hash } = ctx.order;
    await env.ensureReady();
    const clientOrderId = order.client_order_id ?? generateClientOrderId(hash);
    ctx.clientOrderId = clientOrderId;
    r.client_order_id = clientOrderId;
    r.client_order_id_generated = order.client_order_id === null;
    let claim = await env.store.claim(clientOrderId, hash, attempt.auditId, env.now());
    if (!claim.claimed && claim.row.state === 'claimed' && env.ownerGone(claim.row)) {
      // the attempt that claimed it died before writing an INTENT: the broker never saw the id
      claim = await env.store.reclaimStale(clientOrderId, claim.row.audit_id, hash, attempt.auditId, env.now());
    }
    if (!claim.claimed) {
      const row = claim.row;
      return {
        outcome: 'stop',
        code: 'DUPLICATE_ORDER',
        message: `client_order_id ${clientOrderId} was already used (${row.state})`,
        answer: () => answerDuplicate(env, attempt, row, hash),
      };
    }
    ctx.holdsClaim = true;
    return { outcome: 'passed', message: `client_order_id ${clientOrderId}${r.client_order_id_generated ? ' (generated)' : ''} claimed` };
  },
};
