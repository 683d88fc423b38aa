/**
 * Trade memory on SQLite, `<data dir>/memory.sqlite` (WAL, synchronous=FULL), shared by every server
 * process on the data dir (the embedded default; the contract is contract.ts):
 * - fills: every broker fill, PRIMARY KEY (account, id); written with INSERT OR IGNORE, so a fill
 *   read twice (a re-read page, a restart, two processes polling) is stored once;
 * - cursors: where the last read of the broker's fills stopped (Broker.listFills' cursor), moved
 *   only from where the read started (an upsert whose update asks `cursor IS` the read's start);
 * - order_meta: what the gate knew when it sent an order, by client_order_id (strategy, tags,
 *   rationale, audit id) and the regime at entry once ingestion has read it; `seq` grows with every
 *   insert and regime update, so a reader takes only the rows changed since its last read;
 * - fees: fees the broker reports apart from its fills (Alpaca FEE activities), by id, INSERT OR
 *   IGNORE like fills; their cursor is the account's with `#fees`;
 * - handed_over: the losing round trips already given to the draft-lesson callback (once each).
 *
 * Incremental reads: fills by rowid (assigned max+1 inside the write transaction and never reused:
 * no fill is ever deleted), order metadata by seq; both grow in commit order, whichever process wrote
 * (every write takes the one write lock). `changes` reads in one read transaction: one WAL snapshot.
 *
 * @example const db = await SqliteMemory.open(deps.dataDir); const store = db.asStore();
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { openSqlite } from '../../store/sqlite.js';
import type { FeeRecord } from '../fees.js';
import type { Fill } from '../fills.js';
import type { Regime } from '../trips.js';
import type { ChangesFrom, CursorMove, MemoryChanges, MemoryStore, OrderMetaRecord, PendingRegime, StoredFees, StoredFills, StoredMeta } from './contract.js';
import { type CodedFillTuple, FILL_COLUMNS_SIDE_CODED, fillOf, META_COLUMNS, type MetaRow, metaOf, metaRowsOf, type MetaTuple, SIDES } from './rows.js';

export const MEMORY_DB_FILE = 'memory.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fills (
  account TEXT NOT NULL, id TEXT NOT NULL, order_id TEXT NOT NULL, client_order_id TEXT NOT NULL,
  symbol TEXT NOT NULL, side TEXT NOT NULL, qty REAL NOT NULL, price REAL NOT NULL, fee REAL, at TEXT NOT NULL,
  parent_order_id TEXT, asset_class TEXT, multiplier INTEGER, stored_at TEXT NOT NULL,
  PRIMARY KEY (account, id)
);
CREATE TABLE IF NOT EXISTS cursors (account TEXT PRIMARY KEY, cursor TEXT, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS order_meta (
  account TEXT NOT NULL, client_order_id TEXT NOT NULL, broker_order_id TEXT, symbol TEXT,
  strategy TEXT, tags TEXT NOT NULL DEFAULT '[]', rationale TEXT, audit_id TEXT,
  -- pending: not read yet; set: regime_trend / regime_volatility hold it; unavailable: tried, no bars
  regime_state TEXT NOT NULL DEFAULT 'pending', regime_trend TEXT, regime_volatility TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (account, client_order_id)
);
CREATE TABLE IF NOT EXISTS fees (
  account TEXT NOT NULL, id TEXT NOT NULL, amount REAL NOT NULL, order_id TEXT, symbol TEXT, date TEXT, stored_at TEXT NOT NULL,
  PRIMARY KEY (account, id)
);
CREATE TABLE IF NOT EXISTS handed_over (account TEXT NOT NULL, trip_id TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (account, trip_id));
`;

/** Columns added after a table first shipped: added to an older file when it is opened. */
const MIGRATIONS: Array<{ table: string; column: string; sql: string[] }> = [
  {
    table: 'order_meta',
    column: 'seq',
    sql: ['ALTER TABLE order_meta ADD COLUMN seq INTEGER', 'UPDATE order_meta SET seq = rowid WHERE seq IS NULL'],
  },
];

// on seq alone: MAX(seq), taken on every write, is then one index step
const INDEXES = 'CREATE INDEX IF NOT EXISTS order_meta_seq ON order_meta (seq);';

// the update runs only when the stored cursor is still where the read started (IS: null-safe)
const MOVE_CURSOR = `INSERT INTO cursors (account, cursor, updated_at) VALUES (?, ?, ?)
  ON CONFLICT(account) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at WHERE cursors.cursor IS ?`;

function migrate(db: BetterSqlite3.Database): void {
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      const columns = db.prepare(`PRAGMA table_info(${m.table})`).all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === m.column)) for (const sql of m.sql) db.exec(sql);
    }
    db.exec(INDEXES);
  }).immediate();
}

/** memory.sqlite with synchronous methods (the bench and a bulk load use them); `asStore()` is the MemoryStore. */
export class SqliteMemory {
  private constructor(
    private readonly db: BetterSqlite3.Database,
    readonly path: string,
  ) {}

  static async open(dataDir: string): Promise<SqliteMemory> {
    const path = join(dataDir, MEMORY_DB_FILE);
    const db = await openSqlite(path, { synchronous: 'FULL' });
    try {
      db.exec(SCHEMA);
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new SqliteMemory(db, path);
  }

  private moveCursor(key: string, move: CursorMove | null, now: string): void {
    if (move === null || move.to === null) return;
    this.db.prepare(MOVE_CURSOR).run(key, move.to, now, move.from);
  }

  addFills(account: string, fills: readonly Fill[], move: CursorMove | null, at: Date): number {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO fills (account, id, order_id, client_order_id, symbol, side, qty, price, fee, at, parent_order_id, asset_class, multiplier, stored_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = at.toISOString();
    return this.batch(() => {
      let added = 0;
      for (const f of fills) {
        const row = [f.id, f.order_id, f.client_order_id, f.symbol, f.side, f.qty, f.price, f.fee, f.at] as const;
        added += insert.run(account, ...row, f.parent_order_id ?? null, f.asset_class ?? null, f.multiplier ?? null, now).changes;
      }
      this.moveCursor(account, move, now);
      return added;
    });
  }

  cursor(account: string): string | null {
    const row = this.db.prepare('SELECT cursor FROM cursors WHERE account = ?').get(account) as { cursor: string | null } | undefined;
    return row?.cursor ?? null;
  }

  /**
   * The fills stored after row `after` (0: all), in row order. Each raw row becomes its fill as it
   * is stepped (no array of 100k rows first), the side read as a code (rows.ts).
   */
  fillsAfter(account: string, after: number): StoredFills {
    const rows = this.db.prepare(`SELECT rowid, ${FILL_COLUMNS_SIDE_CODED} FROM fills WHERE rowid > ? AND +account = ? ORDER BY rowid`).raw();
    const fills: Fill[] = [];
    let lastRow = after;
    for (const r of rows.iterate(after, account) as IterableIterator<CodedFillTuple>) {
      lastRow = r[0];
      const side = r[5];
      fills.push(fillOf(r, typeof side === 'number' ? SIDES[side]! : (side as Fill['side'])));
    }
    return { fills, lastRow };
  }

  recordMeta(account: string, m: OrderMetaRecord, at: Date): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO order_meta (account, client_order_id, broker_order_id, symbol, strategy, tags, rationale, audit_id, created_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_meta))`,
      )
      .run(account, m.client_order_id, m.broker_order_id, m.symbol, m.strategy, JSON.stringify(m.tags), m.rationale, m.audit_id, at.toISOString());
  }

  meta(account: string, clientOrderId: string): StoredMeta | null {
    const r = this.db.prepare(`SELECT ${META_COLUMNS} FROM order_meta WHERE account = ? AND client_order_id = ?`).get(account, clientOrderId) as
      | MetaRow
      | undefined;
    return r ? metaOf(r) : null;
  }

  /** Metadata rows inserted or changed after `afterSeq` (0: all), with the last seq read. */
  metaSince(account: string, afterSeq: number): MemoryChanges['meta'] {
    const raw = this.db.prepare(`SELECT client_order_id, seq, ${META_COLUMNS} FROM order_meta WHERE seq > ? AND +account = ? ORDER BY seq`).raw();
    return metaRowsOf(raw.iterate(afterSeq, account) as IterableIterator<MetaTuple>, afterSeq);
  }

  pendingRegimes(account: string): PendingRegime[] {
    return this.db
      .prepare(
        // SQLite: with MIN() the bare column (symbol) comes from the row holding the minimum
        `SELECT m.client_order_id, f.symbol, MIN(f.at) AS at FROM order_meta m
         JOIN fills f ON f.account = m.account AND f.client_order_id = m.client_order_id
         WHERE m.account = ? AND m.regime_state = 'pending'
         GROUP BY m.client_order_id`,
      )
      .all(account) as PendingRegime[];
  }

  setRegime(account: string, clientOrderId: string, regime: Regime | null): void {
    this.db
      .prepare(
        `UPDATE order_meta SET regime_state = ?, regime_trend = ?, regime_volatility = ?, seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_meta)
         WHERE account = ? AND client_order_id = ? AND regime_state = 'pending'`,
      )
      .run(regime ? 'set' : 'unavailable', regime?.trend ?? null, regime?.volatility ?? null, account, clientOrderId);
  }

  claimHandOver(account: string, tripId: string, at: Date): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO handed_over (account, trip_id, at) VALUES (?, ?, ?)').run(account, tripId, at.toISOString()).changes === 1;
  }

  /** Run several writes as one transaction (one fsync): a bulk load, a test's setup. */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  addFees(account: string, fees: readonly FeeRecord[], move: CursorMove | null, at: Date): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO fees (account, id, amount, order_id, symbol, date, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const now = at.toISOString();
    return this.batch(() => {
      let added = 0;
      for (const f of fees) added += insert.run(account, f.id, f.amount, f.order_id, f.symbol, f.date, now).changes;
      this.moveCursor(`${account}#fees`, move, now);
      return added;
    });
  }

  /** The fees stored after row `after`, in row order, with the last row read. */
  feesAfter(account: string, after: number): StoredFees {
    const rows = this.db
      .prepare('SELECT rowid, id, amount, order_id, symbol, date FROM fees WHERE rowid > ? AND +account = ? ORDER BY rowid')
      .all(after, account) as Array<FeeRecord & { rowid: number }>;
    return { fees: rows.map(({ rowid: _, ...f }) => f), lastRow: rows.length ? rows[rows.length - 1]!.rowid : after };
  }

  handedOver(account: string): Set<string> {
    return new Set(this.db.prepare('SELECT trip_id FROM handed_over WHERE account = ?').pluck().all(account) as string[]);
  }

  /** Everything written after `from`, in one read transaction (one WAL snapshot). */
  changes(account: string, from: ChangesFrom): MemoryChanges {
    return this.db.transaction(() => ({
      meta: this.metaSince(account, from.metaSeq),
      fees: this.feesAfter(account, from.feeRow),
      fills: this.fillsAfter(account, from.fillRow),
      handed: from.handed ? this.handedOver(account) : null,
    }))();
  }

  releaseHandOver(account: string, tripId: string): void {
    this.db.prepare('DELETE FROM handed_over WHERE account = ? AND trip_id = ?').run(account, tripId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The asynchronous MemoryStore over this file (every method answers at once: SQLite is local). */
  asStore(): MemoryStore {
    return {
      backend: 'sqlite',
      where: this.path,
      addFills: async (a, fills, move, at) => this.addFills(a, fills, move, at),
      cursor: async (a) => this.cursor(a),
      addFees: async (a, fees, move, at) => this.addFees(a, fees, move, at),
      feeCursor: async (a) => this.cursor(`${a}#fees`),
      fills: async (a) => this.fillsAfter(a, 0).fills,
      recordMeta: async (a, m, at) => this.recordMeta(a, m, at),
      meta: async (a, id) => this.meta(a, id),
      changes: async (a, from) => this.changes(a, from),
      pendingRegimes: async (a) => this.pendingRegimes(a),
      setRegime: async (a, id, regime) => this.setRegime(a, id, regime),
      claimHandOver: async (a, id, at) => this.claimHandOver(a, id, at),
      releaseHandOver: async (a, id) => this.releaseHandOver(a, id),
      close: async () => this.close(),
    };
  }
}
