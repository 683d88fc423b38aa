/**
 * The durable state of the execution gate, under the data dir:
 * - orders.sqlite: idempotency keys (one row per client_order_id, claimed in a BEGIN IMMEDIATE
 *   transaction before any side effect), Opus REJECT cool-downs and the audit of every attempt;
 * - order-journal.log: the INTENT/OUTCOME journal (journal.ts), appended under the same SQLite
 *   write lock, which is what makes it safe for several server processes sharing a data dir.
 *
 * States of a client_order_id: claimed (a gate is working on it) → released (refused before the
 * broker was called: the id may be used again) | intent (INTENT fsynced; the broker may see it) →
 * submitted | rejected (the broker said no) | unknown (no answer and no order found by lookup).
 * Every state but `released` means "used": another attempt with the id is a duplicate.
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { ToolError } from '../errors.js';
import { OrderJournal, type IntentRecord, type OutcomeRecord, type JournalEntry } from './journal.js';
import { openSqlite } from '../store/sqlite.js';
import { openRiskState, RISK_DB_FILE } from '../risk/state.js';
import { claimSlotIn, readHaltIn } from '../risk/state/sqlite.js';
import { COUNCIL_DB_FILE } from '../council/store.js';
import { consumeTicketIn, openCouncilStore } from '../council/store/sqlite.js';
import {
  auditEntryFrom,
  SCHEMA,
  toRow,
  type CommitGuard,
  type OrderRow,
  type OrderState,
  type RawOrderRow,
  type RecordedOutcome,
  type Rejection,
  type AuditEntry,
  type CloseLockHolder,
} from './store-schema.js';

export type { AuditEntry, CloseLockHolder, CommitGuard, OrderRow, OrderState, RecordedOutcome, Rejection } from './store-schema.js';

/** The ATTACHed databases' owners create their schemas (opening them is idempotent and cheap). */
async function ensureAttachedSchemas(dataDir: string): Promise<void> {
  (await openRiskState(join(dataDir, RISK_DB_FILE))).close();
  const { default: Database } = await import('better-sqlite3');
  await openCouncilStore(Database, join(dataDir, COUNCIL_DB_FILE)).close();
}

export class ExecutionStore {
  readonly journal: OrderJournal;

  private constructor(
    private readonly db: BetterSqlite3.Database,
    journalPath: string,
  ) {
    this.journal = new OrderJournal(journalPath);
  }

  /**
   * The risk and council databases are ATTACHed: BEGIN IMMEDIATE then takes the write lock of all
   * three, so the halt read, the order-slot claim, the ticket spend and the INTENT are one step that
   * a `halt` (which needs the risk database's write lock) can only land before or after, never inside.
   */
  static async open(dataDir: string): Promise<ExecutionStore> {
    await ensureAttachedSchemas(dataDir);
    const db = await openSqlite(join(dataDir, 'orders.sqlite'), { synchronous: 'FULL' });
    try {
      db.exec(SCHEMA);
      db.prepare('ATTACH DATABASE ? AS risk').run(join(dataDir, RISK_DB_FILE));
      db.prepare('ATTACH DATABASE ? AS council').run(join(dataDir, COUNCIL_DB_FILE));
      db.pragma('risk.synchronous = FULL');
      db.pragma('council.synchronous = FULL');
    } catch (err) {
      db.close();
      throw err;
    }
    return new ExecutionStore(db, join(dataDir, 'order-journal.log'));
  }

  /** The inter-process lock: a SQLite write transaction. Everything inside is synchronous. */
  locked<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Validate the journal (and what other processes appended). Throws JOURNAL_CORRUPT. */
  syncJournal(): void {
    this.locked(() => this.journal.sync());
  }

  getOrder(clientOrderId: string): OrderRow | null {
    return toRow(this.db.prepare('SELECT * FROM orders WHERE client_order_id = ?').get(clientOrderId) as RawOrderRow | undefined);
  }

  /**
   * Take the close lock of a symbol for one attempt (held from its risk check to the broker's
   * answer), unless a live attempt holds it: two closes in flight together would each see the whole
   * position free and together sell more than is held. Returns the holder when refused.
   */
  lockClose(symbol: string, auditId: string, at: Date, gone: (holder: CloseLockHolder) => boolean): CloseLockHolder | null {
    return this.locked(() => {
      const holder = this.db.prepare('SELECT audit_id, pid, at FROM close_locks WHERE symbol = ?').get(symbol) as CloseLockHolder | undefined;
      if (holder && holder.audit_id !== auditId && !gone(holder)) return holder;
      this.db.prepare('INSERT OR REPLACE INTO close_locks (symbol, audit_id, pid, at) VALUES (?, ?, ?, ?)').run(symbol, auditId, process.pid, at.toISOString());
      return null;
    });
  }

  /** Release every close lock this attempt holds. */
  unlockCloses(auditId: string): void {
    this.db.prepare('DELETE FROM close_locks WHERE audit_id = ?').run(auditId);
  }

  /** Claim a client_order_id for one attempt. Atomic across processes (BEGIN IMMEDIATE). */
  claim(clientOrderId: string, orderHash: string, auditId: string, at: Date): { claimed: true } | { claimed: false; row: OrderRow } {
    return this.locked(() => {
      const existing = this.getOrder(clientOrderId);
      const now = at.toISOString();
      if (existing && existing.state !== 'released') return { claimed: false as const, row: existing };
      if (existing) {
        this.db
          .prepare(
            "UPDATE orders SET order_hash = ?, state = 'claimed', audit_id = ?, pid = ?, outcome = NULL, updated_at = ? WHERE client_order_id = ? AND state = 'released'",
          )
          .run(orderHash, auditId, process.pid, now, clientOrderId);
      } else {
        this.db
          .prepare(
            "INSERT INTO orders (client_order_id, order_hash, state, audit_id, pid, outcome, created_at, updated_at) VALUES (?, ?, 'claimed', ?, ?, NULL, ?, ?)",
          )
          .run(clientOrderId, orderHash, auditId, process.pid, now, now);
      }
      return { claimed: true as const };
    });
  }

  /**
   * Take over a claim whose attempt died before writing an INTENT (checked again under the lock):
   * the broker never saw the id, so it is free.
   */
  reclaimStale(
    clientOrderId: string,
    staleAuditId: string,
    orderHash: string,
    auditId: string,
    at: Date,
  ): { claimed: true } | { claimed: false; row: OrderRow } {
    return this.locked(() => {
      this.journal.sync();
      const row = this.getOrder(clientOrderId);
      if (!row) return this.claim(clientOrderId, orderHash, auditId, at);
      const hasIntent = this.journal.pendingIntents().some((p) => p.client_order_id === clientOrderId);
      if (row.state !== 'claimed' || row.audit_id !== staleAuditId || hasIntent) return { claimed: false as const, row };
      this.db
        .prepare(
          "UPDATE orders SET order_hash = ?, audit_id = ?, pid = ?, outcome = NULL, updated_at = ? WHERE client_order_id = ? AND state = 'claimed' AND audit_id = ?",
        )
        .run(orderHash, auditId, process.pid, at.toISOString(), clientOrderId, staleAuditId);
      return { claimed: true as const };
    });
  }

  /** A refusal before the broker was called: the id was never seen by the broker and may be used again. */
  release(clientOrderId: string, auditId: string, outcome: RecordedOutcome): void {
    this.db
      .prepare("UPDATE orders SET state = 'released', outcome = ?, updated_at = ? WHERE client_order_id = ? AND audit_id = ? AND state = 'claimed'")
      .run(JSON.stringify(outcome), outcome.at, clientOrderId, auditId);
  }

  /**
   * The commit point of an order, in one write transaction over orders, risk and council: the halt
   * (committed state), the Opus REJECT cool-down, this attempt still holding its claim, the
   * order-rate/duplicate slot, the council ticket, then the INTENT fsynced and the row moved to
   * `intent`. Any refusal throws a ToolError and rolls everything back: no slot used, no ticket spent.
   */
  commitIntent(record: IntentRecord, guard: CommitGuard): JournalEntry {
    return this.locked(() => {
      const halt = readHaltIn(this.db, 'risk');
      if (halt.halted)
        throw new ToolError('TRADING_HALTED', `trading was halted before the order could be sent (${halt.reason ?? 'no reason given'}); nothing was sent`);
      const rejected = this.activeRejection(guard.rejectionKeys, guard.nowMs);
      if (rejected) {
        throw new ToolError(
          'CONFIRMATION_REJECTED',
          `Claude Opus rejected this same order in another attempt while this one was being confirmed; the rejection is final until ${rejected.until}: ${rejected.reasons.join('; ')}`,
        );
      }
      this.assertClaimHeld(record);
      const slot = claimSlotIn(this.db, 'risk', guard.slot, guard.rules);
      if (!slot.ok)
        throw new ToolError(
          'RISK_REJECTED',
          `the order-rate and duplicate checks, re-run atomically just before sending, refused the order: ${slot.code} (${slot.message})`,
          { check: slot.code },
        );
      if (guard.ticketRequired && guard.ticketId === null) {
        throw new ToolError('COUNCIL_REQUIRED', 'this profile requires a council ticket and none was verified for this attempt; nothing was sent', {
          reason: 'missing',
        });
      }
      if (guard.ticketId !== null && !consumeTicketIn(this.db, 'council', guard.ticketId, record.order_hash, record.at)) {
        throw new ToolError(
          'COUNCIL_REQUIRED',
          'council ticket refused (reused): the council ticket was spent by another attempt while this one was being confirmed; nothing was sent',
          { reason: 'reused' },
        );
      }
      const entry = this.journal.append(record);
      this.db
        .prepare("UPDATE orders SET state = 'intent', submission = ?, updated_at = ? WHERE client_order_id = ? AND audit_id = ?")
        .run(JSON.stringify(record.order), record.at, record.client_order_id, record.audit_id);
      return entry;
    });
  }

  /** A claim taken over meanwhile means another attempt owns the id: nothing may be written. */
  private assertClaimHeld(record: IntentRecord): void {
    const row = this.getOrder(record.client_order_id);
    if (!row || row.state !== 'claimed' || row.audit_id !== record.audit_id) {
      throw new ToolError(
        'DUPLICATE_ORDER',
        `client_order_id ${record.client_order_id} is no longer held by this attempt (${row ? row.state : 'missing'}); nothing was sent`,
        {
          client_order_id: record.client_order_id,
        },
      );
    }
  }

  /**
   * OUTCOME in the journal and the row's final state, under one lock. With `onlyFrom`, nothing is
   * written unless the row is in one of those states (reconciliation must not overwrite an owner).
   */
  writeOutcome(record: OutcomeRecord, state: OrderState, outcome: RecordedOutcome, onlyFrom?: OrderState[]): boolean {
    return this.locked(() => {
      const row = this.getOrder(record.client_order_id);
      if (onlyFrom && (!row || !onlyFrom.includes(row.state))) {
        // still close the journal's INTENT if the row already carries a final state
        if (
          this.journal.pendingIntents().some((p) => p.client_order_id === record.client_order_id) &&
          row &&
          row.state !== 'intent' &&
          row.state !== 'claimed'
        ) {
          this.journal.append({ ...record, message: `${record.message} (row already ${row.state})` });
        }
        return false;
      }
      this.journal.append(record);
      if (row) {
        this.db
          .prepare('UPDATE orders SET state = ?, outcome = ?, updated_at = ? WHERE client_order_id = ?')
          .run(state, JSON.stringify(outcome), record.at, record.client_order_id);
      } else {
        this.db
          .prepare('INSERT INTO orders (client_order_id, order_hash, state, audit_id, pid, outcome, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(record.client_order_id, record.order_hash, state, record.audit_id, record.pid, JSON.stringify(outcome), record.at, record.at);
      }
      return true;
    });
  }

  ordersInState(state: OrderState): string[] {
    return (
      this.db.prepare('SELECT client_order_id FROM orders WHERE state = ? ORDER BY updated_at DESC').all(state) as Array<{ client_order_id: string }>
    ).map((r) => r.client_order_id);
  }

  activeRejection(hashes: string[], nowMs: number): Rejection | null {
    for (const hash of hashes) {
      const row = this.db.prepare('SELECT * FROM rejections WHERE order_hash = ? AND until_ms > ?').get(hash, nowMs) as
        | { order_hash: string; until_ms: number; model: string; reasons: string }
        | undefined;
      if (row)
        return { order_hash: row.order_hash, until: new Date(row.until_ms).toISOString(), model: row.model, reasons: JSON.parse(row.reasons) as string[] };
    }
    return null;
  }

  recordRejection(hashes: string[], untilMs: number, model: string, reasons: string[]): void {
    this.locked(() => {
      const stmt = this.db.prepare(
        'INSERT INTO rejections (order_hash, until_ms, model, reasons) VALUES (?, ?, ?, ?) ON CONFLICT(order_hash) DO UPDATE SET until_ms = MAX(until_ms, excluded.until_ms), model = excluded.model, reasons = excluded.reasons',
      );
      for (const hash of hashes) stmt.run(hash, untilMs, model, JSON.stringify(reasons));
    });
  }

  insertAudit(entry: AuditEntry): void {
    const j = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
    this.db
      .prepare(
        `INSERT INTO audit (audit_id, at, order_hash, client_order_id, status, stopped_at, code, message, stages, risk, confirmation, broker_order, latency_ms, gate_latency_ms, cost_usd)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        entry.audit_id,
        entry.at,
        entry.order_hash,
        entry.client_order_id,
        entry.status,
        entry.stopped_at,
        entry.code,
        entry.message,
        JSON.stringify(entry.stages),
        j(entry.risk),
        j(entry.confirmation),
        j(entry.broker_order),
        entry.latency_ms,
        entry.gate_latency_ms,
        entry.cost_usd,
      );
  }

  recentAudit(limit: number): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit ORDER BY seq DESC LIMIT ?').all(limit) as Array<Record<string, unknown>>).map(auditEntryOf);
  }

  /** Every audited attempt for one client_order_id, newest first. */
  auditFor(clientOrderId: string): AuditEntry[] {
    return (this.db.prepare('SELECT * FROM audit WHERE client_order_id = ? ORDER BY seq DESC').all(clientOrderId) as Array<Record<string, unknown>>).map(
      auditEntryOf,
    );
  }

  auditCounts(): Record<string, number> {
    const rows = this.db.prepare('SELECT status, COUNT(*) AS n FROM audit GROUP BY status').all() as Array<{ status: string; n: number }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  close(): void {
    this.journal.close();
    this.db.close();
  }
}

const parsed = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as unknown) : null);

const auditEntryOf = (r: Record<string, unknown>): AuditEntry => auditEntryFrom(r, parsed);
