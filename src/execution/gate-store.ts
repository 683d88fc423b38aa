/**
 * The storage seam of the execution gate (DESIGN: store/ is the seam): every durable record the
 * gate reads or writes — claims and close locks, the commit point (halt read, REJECT cool-down,
 * claim still held, order-slot claim, council ticket spend and the INTENT, in one transaction),
 * outcomes, the order journal, rejections and the audit — behind one asynchronous interface, so a
 * backend whose calls go over a network (PostgreSQL) can stand where SQLite does today.
 *
 * Every method fails closed: a storage error rejects the promise, and the gate turns a rejection
 * before the INTENT into a refusal (no order sent). The SQLite implementation is ./store.ts under
 * the data dir (the ATTACH-based single BEGIN IMMEDIATE transaction).
 *
 * @example
 * const store = await getGateStore(deps);
 * const claimed = await store.claim(id, hash, auditId, new Date());
 * const intent = await store.commitIntent(record, guard); // durable before the broker call
 */
import type { Deps } from '../deps.js';
import type { IntentRecord, JournalEntry, OutcomeRecord } from './journal.js';
import { ExecutionStore } from './store.js';
import type { AuditEntry, CloseLockHolder, CommitGuard, OrderRow, OrderState, RecordedOutcome, Rejection } from './store-schema.js';

export type ClaimResult = { claimed: true } | { claimed: false; row: OrderRow };

/** The order journal as a health check sees it (validated first; JOURNAL_CORRUPT rejects). */
export interface JournalStatus {
  /** Where it lives: a file path, or a table name on a database. */
  where: string;
  sequence: number;
  pending: Array<IntentRecord & { seq: number }>;
  droppedTornBytes: number;
}

export interface GateStore {
  readonly backend: 'sqlite' | 'postgres';
  getOrder(clientOrderId: string): Promise<OrderRow | null>;
  /** Claim a client_order_id for one attempt, atomically across processes. */
  claim(clientOrderId: string, orderHash: string, auditId: string, at: Date): Promise<ClaimResult>;
  /** Take over a claim whose attempt died before its INTENT (re-checked under the lock). */
  reclaimStale(clientOrderId: string, staleAuditId: string, orderHash: string, auditId: string, at: Date): Promise<ClaimResult>;
  /** A refusal before the broker call: the id may be used again. */
  release(clientOrderId: string, auditId: string, outcome: RecordedOutcome): Promise<void>;
  /** The close lock of a symbol, unless a live attempt holds it (then that holder). */
  lockClose(symbol: string, auditId: string, at: Date, gone: (holder: CloseLockHolder) => boolean): Promise<CloseLockHolder | null>;
  unlockCloses(auditId: string): Promise<void>;
  /**
   * The commit point, one transaction: halt, REJECT cool-down, claim held, order slot, ticket,
   * INTENT durable. Any refusal rejects with a ToolError and leaves nothing written.
   */
  commitIntent(record: IntentRecord, guard: CommitGuard): Promise<JournalEntry>;
  /** OUTCOME and the row's final state together; with `onlyFrom`, only from those states. */
  writeOutcome(record: OutcomeRecord, state: OrderState, outcome: RecordedOutcome, onlyFrom?: OrderState[]): Promise<boolean>;
  /** Validate the journal (JOURNAL_CORRUPT rejects) and say where it stands. */
  journalStatus(): Promise<JournalStatus>;
  ordersInState(state: OrderState): Promise<string[]>;
  activeRejection(hashes: string[], nowMs: number): Promise<Rejection | null>;
  recordRejection(hashes: string[], untilMs: number, model: string, reasons: string[]): Promise<void>;
  insertAudit(entry: AuditEntry): Promise<void>;
  recentAudit(limit: number): Promise<AuditEntry[]>;
  auditFor(clientOrderId: string): Promise<AuditEntry[]>;
  auditCounts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

/** The SQLite gate store: ./store.ts's synchronous transactions, each answered as a promise. */
export class SqliteGateStore implements GateStore {
  readonly backend = 'sqlite' as const;
  constructor(readonly db: ExecutionStore) {}

  static async open(dataDir: string): Promise<SqliteGateStore> {
    return new SqliteGateStore(await ExecutionStore.open(dataDir));
  }

  async getOrder(clientOrderId: string): Promise<OrderRow | null> {
    return this.db.getOrder(clientOrderId);
  }
  async claim(clientOrderId: string, orderHash: string, auditId: string, at: Date): Promise<ClaimResult> {
    return this.db.claim(clientOrderId, orderHash, auditId, at);
  }
  async reclaimStale(clientOrderId: string, staleAuditId: string, orderHash: string, auditId: string, at: Date): Promise<ClaimResult> {
    return this.db.reclaimStale(clientOrderId, staleAuditId, orderHash, auditId, at);
  }
  async release(clientOrderId: string, auditId: string, outcome: RecordedOutcome): Promise<void> {
    this.db.release(clientOrderId, auditId, outcome);
  }
  async lockClose(symbol: string, auditId: string, at: Date, gone: (holder: CloseLockHolder) => boolean): Promise<CloseLockHolder | null> {
    return this.db.lockClose(symbol, auditId, at, gone);
  }
  async unlockCloses(auditId: string): Promise<void> {
    this.db.unlockCloses(auditId);
  }
  async commitIntent(record: IntentRecord, guard: CommitGuard): Promise<JournalEntry> {
    return this.db.commitIntent(record, guard);
  }
  async writeOutcome(record: OutcomeRecord, state: OrderState, outcome: RecordedOutcome, onlyFrom?: OrderState[]): Promise<boolean> {
    return this.db.writeOutcome(record, state, outcome, onlyFrom);
  }
  async journalStatus(): Promise<JournalStatus> {
    this.db.syncJournal();
    const j = this.db.journal;
    return { where: j.path, sequence: j.sequence, pending: j.pendingIntents(), droppedTornBytes: j.droppedTornBytes };
  }
  async ordersInState(state: OrderState): Promise<string[]> {
    return this.db.ordersInState(state);
  }
  async activeRejection(hashes: string[], nowMs: number): Promise<Rejection | null> {
    return this.db.activeRejection(hashes, nowMs);
  }
  async recordRejection(hashes: string[], untilMs: number, model: string, reasons: string[]): Promise<void> {
    this.db.recordRejection(hashes, untilMs, model, reasons);
  }
  async insertAudit(entry: AuditEntry): Promise<void> {
    this.db.insertAudit(entry);
  }
  async recentAudit(limit: number): Promise<AuditEntry[]> {
    return this.db.recentAudit(limit);
  }
  async auditFor(clientOrderId: string): Promise<AuditEntry[]> {
    return this.db.auditFor(clientOrderId);
  }
  async auditCounts(): Promise<Record<string, number>> {
    return this.db.auditCounts();
  }
  async close(): Promise<void> {
    this.db.close();
  }
}

/** Every method of the GateStore contract (each fails closed on PostgreSQL). */
const GATE_STORE_METHODS = [
  'getOrder',
  'claim',
  'reclaimStale',
  'release',
  'lockClose',
  'unlockCloses',
  'commitIntent',
  'writeOutcome',
  'journalStatus',
  'ordersInState',
  'activeRejection',
  'recordRejection',
  'insertAudit',
  'recentAudit',
  'auditFor',
  'auditCounts',
  'close',
] as const satisfies readonly (keyof GateStore)[];
/** A method added to GateStore and not listed above fails the build here. */
const everyMethodListed: Exclude<keyof GateStore, (typeof GATE_STORE_METHODS)[number] | 'backend'> extends never ? true : never = true;
void everyMethodListed;

/**
 * One gate store per process: SQLite under the data dir, or the shared PostgreSQL when
 * TRADING_MCP_DATABASE_URL is set (where the halt is the shared row; a halt this data dir held
 * before the database was configured is carried into it, see risk/state.ts).
 */
export const getGateStore = (deps: Deps): Promise<GateStore> =>
  deps.service('gate-store', async (d) => {
    const { storeBackend } = await import('../store/backend.js');
    if (storeBackend(d) === 'postgres') return openPgGateStore(d);
    const store = await SqliteGateStore.open(d.dataDir);
    d.onClose(() => store.close());
    return store;
  });

/**
 * The PostgreSQL gate store on the process's pool (the pool is the database service's to end). The risk
 * state is opened first: on PostgreSQL it carries a halt this data dir recorded before the database was
 * configured into the shared halt row, which commitIntent reads FOR SHARE in its own transaction.
 * Every method fails closed (failClosedMethods).
 */
export async function openPgGateStore(deps: Deps): Promise<GateStore> {
  const [{ getPostgres }, { withTransaction }, { PgGateStore }, { getRiskState }, { failClosedMethods }, { ToolError }] = await Promise.all([
    import('../store/postgres/index.js'),
    import('../store/postgres/pool.js'),
    import('./postgres/gate-store.js'),
    import('../risk/state.js'),
    import('../store/postgres/fail-closed.js'),
    import('../errors.js'),
  ]);
  const { pool } = await getPostgres(deps);
  const risk = await getRiskState(deps);
  const store = new PgGateStore(pool, (fn) => withTransaction(pool, fn));
  // the shared halt is read FOR SHARE inside the INTENT commit; this data dir's own halt (risk.sqlite,
  // written by a CLI or server without the database variable) is checked just before it
  const commit = store.commitIntent.bind(store);
  store.commitIntent = async (record, guard) => {
    const halt = await risk.isHalted();
    if (halt.halted)
      throw new ToolError('TRADING_HALTED', `trading was halted before the order could be sent (${halt.reason ?? 'no reason given'}); nothing was sent`);
    return commit(record, guard);
  };
  // any database error of any method (its plain reads too) is STORE_UNAVAILABLE: a refusal, never a pass
  return failClosedMethods(store, 'the gate store', GATE_STORE_METHODS);
}
