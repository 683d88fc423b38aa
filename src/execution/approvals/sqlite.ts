/**
 * The approvals on SQLite, `<dataDir>/approvals.sqlite` (the embedded default): shared by the server that
 * waits and the dashboard that decides on one data dir. synchronous=FULL: an approval lets money move, so
 * a decided row must not come back pending, nor a used one approved, after a power loss. Each decision
 * and the take is one UPDATE guarded by the status it moves from, so it lands once.
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { openSqliteWith } from '../../store/sqlite.js';
import { type ApprovalRequest, type ApprovalStore, APPROVALS_DB_FILE, type DecideResult, type Decision, newRequest, whyNotDecided } from '../approvals.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY, order_hash TEXT NOT NULL, audit_id TEXT NOT NULL, created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL, summary TEXT NOT NULL, status TEXT NOT NULL, decided_at TEXT);
  CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, created_at);
`;

export class SqliteApprovalStore implements ApprovalStore {
  readonly backend = 'sqlite' as const;
  private readonly s;

  constructor(
    private readonly db: BetterSqlite3.Database,
    readonly where: string,
  ) {
    db.exec(SCHEMA);
    this.s = {
      insert: db.prepare('INSERT INTO approvals (id, order_hash, audit_id, created_at, expires_at, summary, status) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      get: db.prepare('SELECT * FROM approvals WHERE id = ?'),
      decide: db.prepare("UPDATE approvals SET status = ?, decided_at = ? WHERE id = ? AND order_hash = ? AND status = 'pending' AND expires_at > ?"),
      take: db.prepare("UPDATE approvals SET status = 'used' WHERE id = ? AND order_hash = ? AND status = 'approved'"),
      // an approval the gate did not take (it landed with the cancel or the timeout) is not left standing
      expire: db.prepare("UPDATE approvals SET status = 'expired', decided_at = ? WHERE id = ? AND status IN ('pending', 'approved')"),
      pending: db.prepare("SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY created_at, rowid"),
      recent: db.prepare('SELECT * FROM approvals ORDER BY created_at DESC, rowid DESC LIMIT ?'),
    };
  }

  async request(orderHash: string, auditId: string, summary: ApprovalRequest['summary'], now: Date, timeoutSec: number): Promise<ApprovalRequest> {
    const row = newRequest(orderHash, auditId, summary, now, timeoutSec);
    this.s.insert.run(row.id, row.order_hash, row.audit_id, row.created_at, row.expires_at, JSON.stringify(summary), row.status);
    return row;
  }

  async get(id: string): Promise<ApprovalRequest | null> {
    const r = this.s.get.get(id) as (Omit<ApprovalRequest, 'summary'> & { summary: string }) | undefined;
    return r ? { ...r, summary: JSON.parse(r.summary) } : null;
  }

  /** A person's decision on the page, for the hash the page showed. */
  async decide(id: string, orderHash: string, decision: Decision, now: Date): Promise<DecideResult> {
    const status = decision === 'approve' ? 'approved' : 'declined';
    if (this.s.decide.run(status, now.toISOString(), id, orderHash, now.toISOString()).changes === 1) return { ok: true, status };
    return whyNotDecided(await this.get(id), orderHash);
  }

  /** The gate takes an approval for this hash: true once, and only for an approved request. */
  async take(id: string, orderHash: string): Promise<boolean> {
    return this.s.take.run(id, orderHash).changes === 1;
  }

  async expire(id: string, now: Date): Promise<void> {
    this.s.expire.run(now.toISOString(), id);
  }

  async pending(now: Date): Promise<ApprovalRequest[]> {
    return (this.s.pending.all(now.toISOString()) as Array<Omit<ApprovalRequest, 'summary'> & { summary: string }>).map((r) => ({
      ...r,
      summary: JSON.parse(r.summary),
    }));
  }

  async recent(limit: number): Promise<ApprovalRequest[]> {
    return (this.s.recent.all(limit) as Array<Omit<ApprovalRequest, 'summary'> & { summary: string }>).map((r) => ({ ...r, summary: JSON.parse(r.summary) }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export async function openSqliteApprovalStore(dataDir: string): Promise<SqliteApprovalStore> {
  const { default: Database } = await import('better-sqlite3');
  const path = join(dataDir, APPROVALS_DB_FILE);
  return new SqliteApprovalStore(openSqliteWith(Database, path, { synchronous: 'FULL' }), path);
}
