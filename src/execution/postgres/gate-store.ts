/**
 * The gate store on PostgreSQL (SPEC §16): the same contract as the SQLite one (../gate-store.ts),
 * shared by every replica on the database. READ COMMITTED with explicit row locks, so no
 * transaction needs a serialization retry to stay correct:
 * - halt: commitIntent reads the halt row `FOR SHARE`; `halt` is an UPDATE of that row, so it lands
 *   wholly before (the INTENT is refused) or after (the INTENT committed first) — never inside;
 * - claim: one row per client_order_id (primary key); commitIntent re-reads it `FOR UPDATE`;
 * - order slot: the rate and duplicate windows are counted under the one slot-lock row `FOR UPDATE`,
 *   so two replicas cannot both take the last slot (claimSlotPg, shared with the risk state);
 * - ticket: spent by an INSERT under its primary key (ON CONFLICT DO NOTHING): one spend, any host;
 * - INTENT: a journal row, committed with the rest before the broker is called;
 * - outcomes: the order row `FOR UPDATE` first, so two replicas reconciling one INTENT write one OUTCOME;
 * - owners: a claim, an INTENT and a close lock carry the owner's host beside its pid; a pid is only
 *   judged dead on that host (ownerOnThisHost), so no replica takes over or reconciles another host's.
 * A refusal throws inside the transaction, which rolls back: no slot used, no ticket spent.
 * A database lost mid-run: every statement, in a transaction or not, throws STORE_UNAVAILABLE (fail closed).
 */
import type pg from 'pg';
import { ToolError } from '../../errors.js';
import { queryResult } from '../../store/postgres/pool.js';
import { OWNER_HOST } from '../owner-host.js';
import { claimSlotPg } from '../../risk/state/postgres.js';
import type { ClaimResult, GateStore, JournalStatus } from '../gate-store.js';
import type { IntentRecord, JournalEntry, OutcomeRecord } from '../journal.js';
import {
  type AuditEntry,
  auditEntryFrom,
  type CloseLockHolder,
  type CommitGuard,
  type OrderRow,
  type OrderState,
  type RecordedOutcome,
  type Rejection,
} from '../store-schema.js';

type Client = pg.PoolClient;
/** Run `fn` in one transaction (BEGIN … COMMIT, ROLLBACK on a throw). */
export type RunTransaction = <T>(fn: (client: Client) => Promise<T>) => Promise<T>;
type Querier = { query(sql: string, params?: unknown[]): Promise<pg.QueryResult> };

/** The owner host written beside every owner pid. */
const HOST = OWNER_HOST;

const ORDER_COLUMNS = 'client_order_id, order_hash, state, audit_id, pid, host, outcome, submission, created_at, updated_at';

function orderOf(r: Record<string, unknown> | undefined): OrderRow | null {
  if (!r) return null;
  return {
    client_order_id: r.client_order_id as string,
    order_hash: r.order_hash as string,
    state: r.state as OrderState,
    audit_id: r.audit_id as string,
    pid: r.pid as number,
    host: r.host as string,
    outcome: (r.outcome ?? null) as OrderRow['outcome'],
    submission: (r.submission ?? null) as OrderRow['submission'],
    created_at: r.created_at as string,
    updated_at: r.updated_at as string,
  };
}

async function readOrder(q: Querier, id: string, lock = ''): Promise<OrderRow | null> {
  const { rows } = await q.query(`SELECT ${ORDER_COLUMNS} FROM gate_orders WHERE client_order_id = $1 ${lock}`, [id]);
  return orderOf(rows[0]);
}

async function appendJournal(c: Client, record: IntentRecord | OutcomeRecord): Promise<JournalEntry> {
  const { rows } = await c.query('INSERT INTO gate_journal (type, client_order_id, record) VALUES ($1, $2, $3) RETURNING seq', [
    record.type,
    record.client_order_id,
    record,
  ]);
  return { ...record, seq: Number(rows[0].seq) } as JournalEntry;
}

const PENDING_SQL = `SELECT i.seq, i.record, g.host FROM gate_journal i LEFT JOIN gate_orders g ON g.client_order_id = i.client_order_id WHERE i.type = 'INTENT'
  AND NOT EXISTS (SELECT 1 FROM gate_journal o WHERE o.type = 'OUTCOME' AND o.client_order_id = i.client_order_id AND o.seq > i.seq)`;

async function hasPendingIntent(q: Querier, id: string): Promise<boolean> {
  return (await q.query(`${PENDING_SQL} AND i.client_order_id = $1 LIMIT 1`, [id])).rows.length > 0;
}

async function refuseUnlessCommittable(c: Client, record: IntentRecord, guard: CommitGuard): Promise<void> {
  const halt = (await c.query('SELECT halted, reason FROM gate_halt WHERE id = 1 FOR SHARE')).rows[0] as { halted: boolean; reason: string | null } | undefined;
  if (!halt || halt.halted)
    throw new ToolError('TRADING_HALTED', `trading was halted before the order could be sent (${halt?.reason ?? 'no halt record'}); nothing was sent`);
  const rejected = await activeRejectionIn(c, guard.rejectionKeys, guard.nowMs);
  if (rejected)
    throw new ToolError(
      'CONFIRMATION_REJECTED',
      `Claude Opus rejected this same order in another attempt while this one was being confirmed; the rejection is final until ${rejected.until}: ${rejected.reasons.join('; ')}`,
    );
  const row = await readOrder(c, record.client_order_id, 'FOR UPDATE');
  if (!row || row.state !== 'claimed' || row.audit_id !== record.audit_id)
    throw new ToolError(
      'DUPLICATE_ORDER',
      `client_order_id ${record.client_order_id} is no longer held by this attempt (${row ? row.state : 'missing'}); nothing was sent`,
      {
        client_order_id: record.client_order_id,
      },
    );
  const slot = await claimSlotPg(c, guard.slot, guard.rules);
  if (!slot.ok)
    throw new ToolError(
      'RISK_REJECTED',
      `the order-rate and duplicate checks, re-run atomically just before sending, refused the order: ${slot.code} (${slot.message})`,
      {
        check: slot.code,
      },
    );
  if (guard.ticketRequired && guard.ticketId === null)
    throw new ToolError('COUNCIL_REQUIRED', 'this profile requires a council ticket and none was verified for this attempt; nothing was sent', {
      reason: 'missing',
    });
  if (guard.ticketId !== null) {
    const spent = await c.query(
      'INSERT INTO gate_consumed_tickets (ticket_id, order_hash, consumed_at, pid) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO NOTHING',
      [guard.ticketId, record.order_hash, record.at, process.pid],
    );
    if (spent.rowCount !== 1)
      throw new ToolError(
        'COUNCIL_REQUIRED',
        'council ticket refused (reused): the council ticket was spent by another attempt while this one was being confirmed; nothing was sent',
        {
          reason: 'reused',
        },
      );
  }
}

async function activeRejectionIn(q: Querier, hashes: string[], nowMs: number): Promise<Rejection | null> {
  const { rows } = await q.query('SELECT order_hash, until_ms, model, reasons FROM gate_rejections WHERE order_hash = ANY($1) AND until_ms > $2', [
    hashes,
    nowMs,
  ]);
  const byKey = hashes.map((h) => rows.find((r) => r.order_hash === h)).find(Boolean);
  if (!byKey) return null;
  return { order_hash: byKey.order_hash, until: new Date(Number(byKey.until_ms)).toISOString(), model: byKey.model, reasons: byKey.reasons as string[] };
}

/** jsonb columns arrive decoded. */
const auditOf = (r: Record<string, unknown>): AuditEntry => auditEntryFrom(r, (v) => v ?? null);

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export class PgGateStore implements GateStore {
  readonly backend = 'postgres' as const;

  /** Statements outside a transaction: a lost database is STORE_UNAVAILABLE, like inside one. */
  private readonly pool: Querier;

  constructor(
    pool: pg.Pool,
    private readonly tx: RunTransaction,
    private readonly where = 'gate_journal',
  ) {
    this.pool = { query: (sql, params) => queryResult(pool, sql, params) };
  }

  getOrder(id: string): Promise<OrderRow | null> {
    return readOrder(this.pool, id);
  }

  claim(id: string, orderHash: string, auditId: string, at: Date): Promise<ClaimResult> {
    return this.tx(async (c) => {
      const now = at.toISOString();
      const taken = await c.query(
        `INSERT INTO gate_orders (client_order_id, order_hash, state, audit_id, pid, host, outcome, created_at, updated_at) VALUES ($1, $2, 'claimed', $3, $4, $6, NULL, $5, $5)
         ON CONFLICT (client_order_id) DO UPDATE SET order_hash = EXCLUDED.order_hash, state = 'claimed', audit_id = EXCLUDED.audit_id, pid = EXCLUDED.pid, host = EXCLUDED.host, outcome = NULL, updated_at = EXCLUDED.updated_at
         WHERE gate_orders.state = 'released'`,
        [id, orderHash, auditId, process.pid, now, HOST],
      );
      if (taken.rowCount === 1) return { claimed: true as const };
      return { claimed: false as const, row: (await readOrder(c, id)) as OrderRow };
    });
  }

  reclaimStale(id: string, staleAuditId: string, orderHash: string, auditId: string, at: Date): Promise<ClaimResult> {
    return this.tx(async (c) => {
      const row = await readOrder(c, id, 'FOR UPDATE');
      if (!row) return { claimed: false as const, row: (await this.claimIn(c, id, orderHash, auditId, at)) as OrderRow };
      if (row.state !== 'claimed' || row.audit_id !== staleAuditId || (await hasPendingIntent(c, id))) return { claimed: false as const, row };
      await c.query(
        "UPDATE gate_orders SET order_hash = $1, audit_id = $2, pid = $3, host = $7, outcome = NULL, updated_at = $4 WHERE client_order_id = $5 AND state = 'claimed' AND audit_id = $6",
        [orderHash, auditId, process.pid, at.toISOString(), id, staleAuditId, HOST],
      );
      return { claimed: true as const };
    });
  }

  /** The rare race of reclaimStale on a row deleted meanwhile: claim it afresh in this transaction. */
  private async claimIn(c: Client, id: string, orderHash: string, auditId: string, at: Date): Promise<OrderRow | null> {
    await c.query(
      "INSERT INTO gate_orders (client_order_id, order_hash, state, audit_id, pid, host, created_at, updated_at) VALUES ($1, $2, 'claimed', $3, $4, $6, $5, $5) ON CONFLICT DO NOTHING",
      [id, orderHash, auditId, process.pid, at.toISOString(), HOST],
    );
    return readOrder(c, id);
  }

  async release(id: string, auditId: string, outcome: RecordedOutcome): Promise<void> {
    await this.pool.query(
      "UPDATE gate_orders SET state = 'released', outcome = $1, updated_at = $2 WHERE client_order_id = $3 AND audit_id = $4 AND state = 'claimed'",
      [json(outcome), outcome.at, id, auditId],
    );
  }

  lockClose(symbol: string, auditId: string, at: Date, gone: (holder: CloseLockHolder) => boolean): Promise<CloseLockHolder | null> {
    return this.tx(async (c) => {
      await c.query('INSERT INTO gate_close_locks (symbol, audit_id, pid, host, at) VALUES ($1, $2, $3, $5, $4) ON CONFLICT (symbol) DO NOTHING', [
        symbol,
        auditId,
        process.pid,
        at.toISOString(),
        HOST,
      ]);
      const holder = (await c.query('SELECT audit_id, pid, host, at FROM gate_close_locks WHERE symbol = $1 FOR UPDATE', [symbol])).rows[0] as CloseLockHolder;
      if (holder.audit_id !== auditId && !gone(holder)) return holder;
      await c.query('UPDATE gate_close_locks SET audit_id = $1, pid = $2, host = $5, at = $3 WHERE symbol = $4', [
        auditId,
        process.pid,
        at.toISOString(),
        symbol,
        HOST,
      ]);
      return null;
    });
  }

  async unlockCloses(auditId: string): Promise<void> {
    await this.pool.query('DELETE FROM gate_close_locks WHERE audit_id = $1', [auditId]);
  }

  commitIntent(record: IntentRecord, guard: CommitGuard): Promise<JournalEntry> {
    return this.tx(async (c) => {
      await refuseUnlessCommittable(c, record, guard);
      const entry = await appendJournal(c, record);
      await c.query("UPDATE gate_orders SET state = 'intent', submission = $1, updated_at = $2 WHERE client_order_id = $3 AND audit_id = $4", [
        json(record.order),
        record.at,
        record.client_order_id,
        record.audit_id,
      ]);
      return entry;
    });
  }

  writeOutcome(record: OutcomeRecord, state: OrderState, outcome: RecordedOutcome, onlyFrom?: OrderState[]): Promise<boolean> {
    return this.tx(async (c) => {
      const row = await readOrder(c, record.client_order_id, 'FOR UPDATE');
      if (onlyFrom && (!row || !onlyFrom.includes(row.state))) {
        if (row && row.state !== 'intent' && row.state !== 'claimed' && (await hasPendingIntent(c, record.client_order_id)))
          await appendJournal(c, { ...record, message: `${record.message} (row already ${row.state})` });
        return false;
      }
      await appendJournal(c, record);
      if (row)
        await c.query('UPDATE gate_orders SET state = $1, outcome = $2, updated_at = $3 WHERE client_order_id = $4', [
          state,
          json(outcome),
          record.at,
          record.client_order_id,
        ]);
      else
        await c.query(
          'INSERT INTO gate_orders (client_order_id, order_hash, state, audit_id, pid, host, outcome, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $8, $6, $7, $7)',
          [record.client_order_id, record.order_hash, state, record.audit_id, record.pid, json(outcome), record.at, HOST],
        );
      return true;
    });
  }

  async journalStatus(): Promise<JournalStatus> {
    const [pending, top] = await Promise.all([
      this.pool.query(`${PENDING_SQL} ORDER BY i.seq`),
      this.pool.query('SELECT COALESCE(MAX(seq), 0) AS seq FROM gate_journal'),
    ]);
    return {
      where: this.where,
      sequence: Number(top.rows[0].seq),
      pending: pending.rows.map((r) => ({ ...(r.record as IntentRecord), host: (r.host as string | null) ?? '', seq: Number(r.seq) })),
      droppedTornBytes: 0,
    };
  }

  async ordersInState(state: OrderState): Promise<string[]> {
    return (await this.pool.query('SELECT client_order_id FROM gate_orders WHERE state = $1 ORDER BY updated_at DESC', [state])).rows.map(
      (r) => r.client_order_id,
    );
  }

  activeRejection(hashes: string[], nowMs: number): Promise<Rejection | null> {
    return activeRejectionIn(this.pool, hashes, nowMs);
  }

  async recordRejection(hashes: string[], untilMs: number, model: string, reasons: string[]): Promise<void> {
    await this.tx(async (c) => {
      for (const hash of hashes)
        await c.query(
          `INSERT INTO gate_rejections (order_hash, until_ms, model, reasons) VALUES ($1, $2, $3, $4)
           ON CONFLICT (order_hash) DO UPDATE SET until_ms = GREATEST(gate_rejections.until_ms, EXCLUDED.until_ms), model = EXCLUDED.model, reasons = EXCLUDED.reasons`,
          [hash, untilMs, model, JSON.stringify(reasons)],
        );
    });
  }

  async insertAudit(e: AuditEntry): Promise<void> {
    await this.pool.query(
      `INSERT INTO gate_audit (audit_id, at, order_hash, client_order_id, status, stopped_at, code, message, stages, risk, confirmation, broker_order, latency_ms, gate_latency_ms, cost_usd)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        e.audit_id,
        e.at,
        e.order_hash,
        e.client_order_id,
        e.status,
        e.stopped_at,
        e.code,
        e.message,
        json(e.stages),
        json(e.risk),
        json(e.confirmation),
        json(e.broker_order),
        e.latency_ms,
        e.gate_latency_ms,
        e.cost_usd,
      ],
    );
  }

  async recentAudit(limit: number): Promise<AuditEntry[]> {
    return (await this.pool.query('SELECT * FROM gate_audit ORDER BY seq DESC LIMIT $1', [limit])).rows.map(auditOf);
  }

  async auditFor(id: string): Promise<AuditEntry[]> {
    return (await this.pool.query('SELECT * FROM gate_audit WHERE client_order_id = $1 ORDER BY seq DESC', [id])).rows.map(auditOf);
  }

  async auditCounts(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query('SELECT status, COUNT(*) AS n FROM gate_audit GROUP BY status');
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** The pool belongs to the process's database service, which ends it. */
  async close(): Promise<void> {}

  /** The kill switch row commitIntent reads FOR SHARE (the risk state's halt on this backend). */
  async setHalt(halted: boolean, reason: string | null, by: string, at: string): Promise<void> {
    await this.pool.query('UPDATE gate_halt SET halted = $1, reason = $2, at = $3, by = $4 WHERE id = 1', [
      halted,
      reason,
      halted ? at : null,
      halted ? by : null,
    ]);
  }
}
