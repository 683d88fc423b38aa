/**
 * Approvals a person gives on the dashboard (SPEC §17), shared by the server that waits (the gate's human
 * stage) and the dashboard that decides, behind one asynchronous interface with two stores: SQLite under
 * the data dir (`approvals/sqlite.ts`) or the shared PostgreSQL of TRADING_MCP_DATABASE_URL
 * (`approvals/postgres.ts`), where a dashboard on any replica decides an order waiting on any other. An
 * approval is bound to one request and its order_hash: the page must send back the hash it showed, a
 * decision lands only on a pending, unexpired request, and the gate takes an approval once (approved →
 * used in one UPDATE).
 *
 * @example
 *   const store = await getApprovalStore(deps);
 *   const req = await store.request(hash, auditId, summary, new Date(), 120);
 *   if ((await store.get(req.id))?.status === 'approved' && (await store.take(req.id, hash))) proceed();
 */
import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';

export type ApprovalStatus = 'pending' | 'approved' | 'declined' | 'expired' | 'used';

export interface ApprovalRequest {
  id: string;
  order_hash: string;
  audit_id: string;
  created_at: string;
  expires_at: string;
  /** What the page shows: the order in plain words, what it does to an open order or position (replace/close), the risk result, Opus's reasons. */
  summary: { order: string; kind: string; action?: string | null; risk: unknown; confirmation: unknown };
  status: ApprovalStatus;
  decided_at: string | null;
}

export type Decision = 'approve' | 'decline';
export type DecideResult = { ok: true; status: ApprovalStatus } | { ok: false; reason: 'unknown' | 'other_order' | 'not_pending' | 'expired' };

/** The approvals' contract (test/unit/execution/approvals.test.ts runs it on both stores). */
export interface ApprovalStore {
  readonly backend: 'sqlite' | 'postgres';
  /** The SQLite file, or the database URL without its password. */
  readonly where: string;
  request(orderHash: string, auditId: string, summary: ApprovalRequest['summary'], now: Date, timeoutSec: number): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest | null>;
  /** A person's decision on the page, for the hash the page showed. */
  decide(id: string, orderHash: string, decision: Decision, now: Date): Promise<DecideResult>;
  /** The gate takes an approval for this hash: true once, and only for an approved request. */
  take(id: string, orderHash: string): Promise<boolean>;
  /** An approval the gate did not take (it landed with the cancel or the timeout) is not left standing. */
  expire(id: string, now: Date): Promise<void>;
  pending(now: Date): Promise<ApprovalRequest[]>;
  recent(limit: number): Promise<ApprovalRequest[]>;
  close(): Promise<void>;
}

export const APPROVALS_DB_FILE = 'approvals.sqlite';

/** A new pending request (both stores insert exactly this row). */
export function newRequest(orderHash: string, auditId: string, summary: ApprovalRequest['summary'], now: Date, timeoutSec: number): ApprovalRequest {
  return {
    id: randomUUID(),
    order_hash: orderHash,
    audit_id: auditId,
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + timeoutSec * 1000).toISOString(),
    summary,
    status: 'pending',
    decided_at: null,
  };
}

/** Why a decision's guarded UPDATE matched nothing, from the row as it stands. */
export function whyNotDecided(row: ApprovalRequest | null, orderHash: string): DecideResult {
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.order_hash !== orderHash) return { ok: false, reason: 'other_order' };
  return { ok: false, reason: row.status === 'pending' ? 'expired' : 'not_pending' };
}

/** The SQLite store of a data dir (tests, and a dashboard reading another server's data dir). */
export async function openApprovalStore(dataDir: string): Promise<ApprovalStore> {
  return (await import('./approvals/sqlite.js')).openSqliteApprovalStore(dataDir);
}

/** The process's approvals: PostgreSQL when TRADING_MCP_DATABASE_URL is set, else SQLite under the data dir. */
export const getApprovalStore = (deps: Deps): Promise<ApprovalStore> =>
  deps.service('approval-store', async (d) => {
    const { storeBackend } = await import('../store/backend.js');
    if (storeBackend(d) === 'postgres') {
      const [{ getPostgres }, { PgApprovalStore }] = await Promise.all([import('../store/postgres/index.js'), import('./approvals/postgres.js')]);
      const pg = await getPostgres(d);
      return new PgApprovalStore(pg.pool, pg.where);
    }
    const store = await openApprovalStore(d.dataDir);
    d.onClose(() => store.close());
    return store;
  });
