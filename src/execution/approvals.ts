/**
 * Approvals a person gives on the dashboard (SPEC §17), in `<dataDir>/approvals.sqlite`, shared by the server
 * that waits (the gate's human stage) and the dashboard that decides. An approval is bound to one request and
 * its order_hash: the page must send back the hash it showed, a decision lands only on a pending, unexpired
 * request, and the gate takes an approval once (approved → used in one UPDATE). synchronous=FULL: an approval
 * lets money move, so a decided row must not come back pending, nor a used one approved, after a power loss.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Deps } from '../deps.js';
import { openSqliteWith } from '../store/sqlite.js';

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

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY, order_hash TEXT NOT NULL, audit_id TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, summary TEXT NOT NULL, status TEXT NOT NULL, decided_at TEXT);
  CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created_at);
`;

export class ApprovalStore {
  private readonly s;

  constructor(private readonly db: BetterSqlite3.Database) {
    db.exec(SCHEMA);
    this.s = {
      insert: db.prepare('INSERT INTO approvals (id, order_hash, audit_id, created_at, expires_at, summary, status) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM approvals WHERE id = ?'),
      decide: db.prepare("UPDATE approvals SET status = ?, decided_at = ? WHERE id = ? AND order_hash = ? AND status = 'pending' AND expires_at > ?"),
      take: db.prepare("UPDATE approvals SET status = 'used' WHERE id = ? AND order_hash = ? AND status = 'approved'"),
      // an approval the gate did not take (it landed with the cancel or the timeout) is not left standing
      expire: db.prepare("UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status IN ('pending', 'approved')"),
      pending: db.prepare("SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY created_at"),
      recent: db.prepare('SELECT * FROM approvals ORDER BY created_at DESC LIMIT ?'),
    };
  }

  request(orderHash: string, auditId: string, summary: ApprovalRequest['summary'], now: Date, timeoutSec: number): ApprovalRequest {
    const row = {
      id: randomUUID(),
      order_hash: orderHash,
      audit_id: auditId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + timeoutSec * 1000).toISOString(),
      summary,
      status: 'pending' as const,
      decided_at: null,
    };
    this.s.insert.run(row.id, row.order_hash, row.audit_id, row.created_at, row.expires_at, JSON.stringify(summary), row.status);
    return row;
  }

  get(id: string): ApprovalRequest | null {
    const r = this.s.get.get(id) as (Omit<ApprovalRequest, 'summary'> & { summary: string }) | undefined;
    return r ? { ...r, summary: JSON.parse(r.summary) } : null;
  }

  /** A person's decision on the page, for the hash the page showed. */
  decide(id: string, orderHash: string, decision: Decision, now: Date): DecideResult {
    const status = decision === 'approve' ? 'approved' : 'declined';
    if (this.s.decide.run(status, now.toISOString(), id, orderHash, now.toISOString()).changes === 1) return { ok: true, status };
    const row = this.get(id);
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.order_hash !== orderHash) return { ok: false, reason: 'other_order' };
    return { ok: false, reason: row.status === 'pending' ? 'expired' : 'not_pending' };
  }

  /** The gate takes an approval for this hash: true once, and only for an approved request. */
  take(id: string, orderHash: string): boolean {
    return this.s.take.run(id, orderHash).changes === 1;
  }

  expire(id: string, now: Date): void {
    this.s.expire.run(now.toISOString(), id);
  }

  pending(now: Date): ApprovalRequest[] {
    return (this.s.pending.all(now.toISOString()) as Array<Omit<ApprovalRequest, 'summary'> & { summary: string }>).map((r) => ({
      ...r,
      summary: JSON.parse(r.summary),
    }));
  }

  recent(limit: number): ApprovalRequest[] {
    return (this.s.recent.all(limit) as Array<Omit<ApprovalRequest, 'summary'> & { summary: string }>).map((r) => ({ ...r, summary: JSON.parse(r.summary) }));
  }

  close(): void {
    this.db.close();
  }
}

export async function openApprovalStore(dataDir: string): Promise<ApprovalStore> {
  const { default: Database } = await import('better-sqlite3');
  return new ApprovalStore(openSqliteWith(Database, join(dataDir, 'approvals.sqlite'), { synchronous: 'FULL' }));
}

export const getApprovalStore = (deps: Deps): Promise<ApprovalStore> =>
  deps.service('approval-store', async (d) => {
    const store = await openApprovalStore(d.dataDir);
    d.onClose(() => store.close());
    return store;
  });
