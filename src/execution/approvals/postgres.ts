/**
 * The approvals on the shared PostgreSQL (SPEC §16, §17): a dashboard on any replica decides an order
 * waiting on any other, with the semantics of approvals.sqlite.
 *
 * Transaction design: every transition is one UPDATE guarded by the status it moves from (pending →
 * approved/declined while unexpired; approved → used; pending/approved → expired). Under READ COMMITTED
 * a second UPDATE of the same row waits for the first to commit, then re-checks its WHERE on the new row
 * version: of two takes only one matches (an approval lets one order through), and a decision racing
 * the gate's expiry lands wholly before it (then expired) or not at all. Times are ISO-8601 UTC text,
 * compared as text exactly as on SQLite.
 *
 * Every method fails closed: any database error rejects with STORE_UNAVAILABLE (failClosed), so the
 * human stage refuses the order rather than read a lost database as "no decision yet".
 */
import { failClosed } from '../../store/postgres/fail-closed.js';
import { type PgPool, query } from '../../store/postgres/pool.js';
import { type ApprovalRequest, type ApprovalStore, type DecideResult, type Decision, newRequest, whyNotDecided } from '../approvals.js';

const STORE = 'the approval store';
const COLUMNS = 'id, order_hash, audit_id, created_at, expires_at, summary, status, decided_at';

export class PgApprovalStore implements ApprovalStore {
  readonly backend = 'postgres' as const;

  constructor(
    private readonly pool: PgPool,
    readonly where = 'postgres',
  ) {}

  request(orderHash: string, auditId: string, summary: ApprovalRequest['summary'], now: Date, timeoutSec: number): Promise<ApprovalRequest> {
    const row = newRequest(orderHash, auditId, summary, now, timeoutSec);
    return failClosed(STORE, async () => {
      await query(this.pool, 'INSERT INTO approvals (id, order_hash, audit_id, created_at, expires_at, summary, status) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        row.id,
        row.order_hash,
        row.audit_id,
        row.created_at,
        row.expires_at,
        JSON.stringify(summary),
        row.status,
      ]);
      return row;
    });
  }

  get(id: string): Promise<ApprovalRequest | null> {
    return failClosed(STORE, async () => (await query<ApprovalRequest>(this.pool, `SELECT ${COLUMNS} FROM approvals WHERE id = $1`, [id]))[0] ?? null);
  }

  decide(id: string, orderHash: string, decision: Decision, now: Date): Promise<DecideResult> {
    const status = decision === 'approve' ? 'approved' : 'declined';
    return failClosed(STORE, async () => {
      const at = now.toISOString();
      const moved = await query(
        this.pool,
        "UPDATE approvals SET status = $1, decided_at = $2 WHERE id = $3 AND order_hash = $4 AND status = 'pending' AND expires_at > $2 RETURNING id",
        [status, at, id, orderHash],
      );
      if (moved.length === 1) return { ok: true as const, status };
      return whyNotDecided(await this.get(id), orderHash);
    });
  }

  take(id: string, orderHash: string): Promise<boolean> {
    return failClosed(STORE, async () => {
      const taken = await query(this.pool, "UPDATE approvals SET status = 'used' WHERE id = $1 AND order_hash = $2 AND status = 'approved' RETURNING id", [
        id,
        orderHash,
      ]);
      return taken.length === 1;
    });
  }

  expire(id: string, now: Date): Promise<void> {
    return failClosed(STORE, async () => {
      await query(this.pool, "UPDATE approvals SET status = 'expired', decided_at = $1 WHERE id = $2 AND status IN ('pending', 'approved')", [
        now.toISOString(),
        id,
      ]);
    });
  }

  pending(now: Date): Promise<ApprovalRequest[]> {
    return failClosed(STORE, () =>
      query<ApprovalRequest>(this.pool, `SELECT ${COLUMNS} FROM approvals WHERE status = 'pending' AND expires_at > $1 ORDER BY created_at, seq`, [
        now.toISOString(),
      ]),
    );
  }

  recent(limit: number): Promise<ApprovalRequest[]> {
    return failClosed(STORE, () => query<ApprovalRequest>(this.pool, `SELECT ${COLUMNS} FROM approvals ORDER BY created_at DESC, seq DESC LIMIT $1`, [limit]));
  }

  /** The pool belongs to the process's database service, which ends it. */
  async close(): Promise<void> {}
}
