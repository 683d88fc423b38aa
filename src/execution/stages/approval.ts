/**
 * The human stage's dashboard path: the order, in plain words with the risk result and Opus's reasons, is put
 * up for approval bound to its order_hash, and the attempt waits (polling the shared store: SQLite or PostgreSQL) until a person
 * approves or declines it on the dashboard, the wait runs out (`approvalTimeoutSec`), or the caller cancels.
 * Only an approval of this request and this hash, taken once, lets the order go on; anything else is
 * HUMAN_DECLINED and the order never reaches the broker.
 */
import { performance } from 'node:perf_hooks';
import { actionSummary } from '../actions/types.js';
import { getApprovalStore } from '../approvals.js';
import { Refusal } from '../attempt.js';
import type { AttemptContext, StageOutcome } from '../context.js';
import { describeOrder } from '../describe.js';
import { notify } from '../../telemetry/notify.js';

const POLL_MS = 200;
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function dashboardApproval(ctx: AttemptContext): Promise<StageOutcome> {
  const t = performance.now();
  const { order, hash } = ctx.order;
  const store = await getApprovalStore(ctx.env.deps);
  const timeoutSec = ctx.env.deps.profile.approvalTimeoutSec;
  const summary = {
    order: describeOrder(order),
    kind: ctx.action.kind,
    action: actionSummary(ctx.action),
    risk: ctx.result.risk,
    confirmation: ctx.result.confirmation,
  };
  // a person's wait is wall-clock time, not the sim's (whose clock may be pinned or run elsewhere)
  const req = await store.request(hash, ctx.attempt.auditId, summary, new Date(), timeoutSec);
  ctx.env.deps.log.info('order waiting for a dashboard approval', { approval: req.id, order_hash: hash, timeoutSec });
  notify(ctx.env.deps, 'approval_pending', `approval needed within ${timeoutSec} s on the dashboard: ${summary.order} (order_hash ${hash.slice(0, 12)}…)`);
  await ctx.options.progress?.(
    0,
    undefined,
    `waiting up to ${timeoutSec} s for a person to approve order ${hash.slice(0, 12)}… on the dashboard (approval ${req.id})`,
  );
  try {
    // the wait is measured on the monotonic clock: a wall clock stepped back (NTP) must not stretch it
    const deadline = t + timeoutSec * 1000;
    for (;;) {
      // a cancelled call takes no approval, even one that landed in the same instant
      if (ctx.options.signal?.aborted) throw declined(ctx, 'cancelled', 'the call was cancelled while waiting for the approval');
      const row = await store.get(req.id);
      if (row?.status === 'approved' && (await store.take(req.id, hash))) {
        ctx.result.human = { action: 'dashboard_approved', confirmed: true };
        return { outcome: 'passed', message: `a person approved this order_hash on the dashboard (approval ${req.id})` };
      }
      if (row?.status === 'declined') throw declined(ctx, 'declined', `a person declined the order on the dashboard (approval ${req.id})`);
      if (row?.status !== 'pending' && row?.status !== 'approved') throw declined(ctx, 'error', `the approval ${req.id} is ${row?.status ?? 'gone'}; refusing`);
      if (performance.now() >= deadline || Date.now() >= Date.parse(req.expires_at))
        throw declined(ctx, 'timeout', `no approval on the dashboard within ${timeoutSec} s (approval ${req.id})`);
      await sleep(POLL_MS, ctx.options.signal);
    }
  } catch (err) {
    // the refusal stands either way; an approval left standing is this request's alone, which no other attempt can take
    await store
      .expire(req.id, new Date())
      .catch((e: unknown) => ctx.env.deps.log.warn('could not expire an approval request', { approval: req.id, err: String(e) }));
    throw err;
  } finally {
    ctx.attempt.externalMs += performance.now() - t;
  }
}

function declined(ctx: AttemptContext, action: string, message: string): Refusal {
  ctx.result.human = { action, confirmed: false };
  return new Refusal('HUMAN_DECLINED', message);
}
