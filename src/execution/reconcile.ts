/**
 * Orders whose outcome is in doubt, settled with the broker by client_order_id and never re-sent:
 * INTENTs left without an OUTCOME by a process that died (at start-up), and the recorded outcome a
 * duplicate attempt is answered with (re-checked first when it is unknown or its owner is gone).
 */
import type { Attempt } from './attempt.js';
import { lookup } from './broker-call.js';
import type { GateEnv } from './context.js';
import { recordOutcome } from './outcome.js';
import { OWNER_HOST } from './owner-host.js';
import type { BrokerOrderSummary } from './result.js';
import type { OrderRow, RecordedOutcome } from './store.js';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether an owner recorded by (host, pid) is this process's to judge (host: OWNER_HOST, the hostname
 * and the pid namespace): on a store shared by hosts a
 * pid means nothing elsewhere, so another host's claim, INTENT or close lock is never taken for dead
 * (it waits for a replica on its own host). Rows without a host (SQLite: one host) are local.
 */
export function ownerOnThisHost(owner: { host?: string }): boolean {
  return owner.host === undefined || owner.host === OWNER_HOST;
}

/** Validate the journal and reconcile INTENTs without an OUTCOME (ours from before, or a dead process's). */
export async function reconcileAtStartup(env: GateEnv): Promise<void> {
  const { pending } = await env.store.journalStatus();
  const orphans = pending.filter((p) => ownerOnThisHost(p) && (p.pid === process.pid || !pidAlive(p.pid)));
  if (!orphans.length) return;
  const broker = await env.services.broker();
  for (const intent of orphans) {
    const found = await broker.getOrderByClientId(intent.client_order_id);
    const at = env.now().toISOString();
    if (found) {
      const written = await recordOutcome(env.store, intent, { kind: 'reconciled_at_startup', placed: found }, at);
      if (!written) env.deps.log.debug('reconciled order already had an outcome', { clientOrderId: intent.client_order_id });
    } else {
      await recordOutcome(env.store, intent, { kind: 'not_found_at_startup' }, at);
    }
    env.deps.log.info('reconciled an order intent left without outcome', { clientOrderId: intent.client_order_id, found: Boolean(found) });
  }
}

/** An unknown outcome (or one left by a dead owner) re-checked with the broker: the row as it is afterwards. */
async function recheckDoubtful(env: GateEnv, row: OrderRow): Promise<OrderRow> {
  if (!(row.state === 'unknown' || ((row.state === 'intent' || row.state === 'claimed') && env.ownerGone(row)))) return row;
  try {
    const found = await lookup(await env.services.broker(), row.client_order_id);
    if (!found) return row;
    await recordOutcome(env.store, row, { kind: 'reconciled_on_duplicate', placed: found }, env.now().toISOString());
    return (await env.store.getOrder(row.client_order_id)) ?? row;
  } catch (err) {
    env.deps.log.warn('could not re-check an order of unknown outcome', { err, clientOrderId: row.client_order_id });
    return row;
  }
}

/** A duplicate client_order_id: answer with the recorded outcome of the attempt that used it; nothing is sent. */
export async function answerDuplicate(env: GateEnv, attempt: Attempt, row: OrderRow, hash: string): Promise<void> {
  const r = attempt.result;
  const current = await recheckDoubtful(env, row);
  const recorded: RecordedOutcome = current.outcome ?? {
    status: 'pending',
    code: null,
    message: 'another attempt with this client_order_id is still in progress',
    broker_order: null,
    at: current.updated_at,
  };
  r.status = 'duplicate';
  r.broker_order = recorded.broker_order as BrokerOrderSummary | null;
  r.duplicate_of = {
    audit_id: current.audit_id,
    status: current.state === 'claimed' || current.state === 'intent' ? 'pending' : recorded.status,
    code: recorded.code,
    message: recorded.message,
    at: recorded.at,
    same_order: current.order_hash === hash,
  };
  r.message = `client_order_id ${current.client_order_id} was already used (${r.duplicate_of.status}); no second order was sent${r.duplicate_of.same_order ? '' : ' (and it was used for a different order)'}`;
}
