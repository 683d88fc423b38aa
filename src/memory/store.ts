/**
 * Trade memory's durable state, `<data dir>/memory.sqlite` (WAL, synchronous=FULL), shared by every
 * server process on the data dir. Rows are keyed by `account` (`<broker>:<mode>`, e.g. `sim:sim`,
 * `alpaca:paper`), so a paper and a live account on one data dir never mix.
 * - fills: every broker fill, PRIMARY KEY (account, id); written with INSERT OR IGNORE, so a fill
 *   read twice (a re-read page, a restart, two processes polling) is stored once;
 * - cursors: where the last read of the broker's fills stopped (Broker.listFills' cursor);
 * - order_meta: what the gate knew when it sent an order, by client_order_id (strategy, tags,
 *   rationale, audit id) and the regime at entry once ingestion has read it; `seq` grows with every
 *   insert and regime update, so a reader takes only the rows changed since its last read;
 * - fees: fees the broker reports apart from its fills (Alpaca FEE activities), by id, INSERT OR
 *   IGNORE like fills; their cursor is the account's with `#fees`;
 * - handed_over: the losing round trips already given to the draft-lesson callback (once each).
 *
 * Incremental reads: fills by rowid (assigned max+1 inside the write transaction and never reused:
 * no fill is ever deleted), order metadata by seq; both grow in commit order, whichever process wrote.
 *
 * @example const store = await MemoryStore.open(deps.dataDir); store.addFills('sim:sim', fills, cursor);
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { FeeRecord } from './fees.js';
import type { Fill } from './fills.js';
import { openSqlite } from '../store/sqlite.js';
import type { Regime, TradeMeta } from './trips.js';

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

function migrate(db: BetterSqlite3.Database): void {
  db.transaction(() => {
    for (const m of MIGRATIONS) {
      const columns = db.prepare(`PRAGMA table_info(${m.table})`).all() as Array<{ name: string }>;
      if (!columns.some((c) => c.name === m.column)) for (const sql of m.sql) db.exec(sql);
    }
    db.exec(INDEXES);
  }).immediate();
}

/** A page of stored fills in row order, and the last row read (the next read's `after`). */
export interface StoredFills {
  fills: Fill[];
  lastRow: number;
}

export interface OrderMetaRecord {
  client_order_id: string;
  broker_order_id: string | null;
  symbol: string | null;
  strategy: string | null;
  tags: readonly string[];
  rationale: string | null;
  audit_id: string | null;
}

export interface StoredMeta extends TradeMeta {
  audit_id: string | null;
  regime_state: 'pending' | 'set' | 'unavailable';
}

type FillTuple = [
  rowid: number,
  id: string,
  order_id: string,
  client_order_id: string,
  symbol: string,
  side: Fill['side'],
  qty: number,
  price: number,
  fee: number | null,
  at: string,
  parent_order_id: string | null,
  asset_class: NonNullable<Fill['asset_class']> | null,
  multiplier: number | null,
];

interface MetaRow {
  strategy: string | null;
  tags: string;
  rationale: string | null;
  audit_id: string | null;
  regime_state: StoredMeta['regime_state'];
  regime_trend: string | null;
  regime_volatility: string | null;
}

type MetaTuple = [
  client_order_id: string,
  seq: number,
  strategy: string | null,
  tags: string,
  rationale: string | null,
  audit_id: string | null,
  regime_state: StoredMeta['regime_state'],
  regime_trend: string | null,
  regime_volatility: string | null,
];

export type MetaSinceRow = StoredMeta & { client_order_id: string };

function metaOf(r: MetaRow): StoredMeta {
  const regime: Regime | null = r.regime_state === 'set' ? { trend: r.regime_trend, volatility: r.regime_volatility } : null;
  return { strategy: r.strategy, tags: JSON.parse(r.tags) as string[], rationale: r.rationale, audit_id: r.audit_id, regime, regime_state: r.regime_state };
}

/** One frozen regime per trend × volatility read (trips share it: trip-meta.ts). */
function sharedRegime(regimes: Map<string | null, Map<string | null, Regime>>, trend: string | null, volatility: string | null): Regime {
  let byVolatility = regimes.get(trend);
  if (byVolatility === undefined) {
    byVolatility = new Map();
    regimes.set(trend, byVolatility);
  }
  let regime = byVolatility.get(volatility);
  if (regime === undefined) {
    regime = Object.freeze({ trend, volatility });
    byVolatility.set(volatility, regime);
  }
  return regime;
}

export class MemoryStore {
  private constructor(private readonly db: BetterSqlite3.Database) {}

  static async open(dataDir: string): Promise<MemoryStore> {
    const db = await openSqlite(join(dataDir, MEMORY_DB_FILE), { synchronous: 'FULL' });
    try {
      db.exec(SCHEMA);
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    return new MemoryStore(db);
  }

  /** Store the fills (a fill already held is left as it was) and move the cursor, in one transaction; the count newly stored. */
  addFills(account: string, fills: readonly Fill[], cursor: string | null, at: Date): number {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO fills (account, id, order_id, client_order_id, symbol, side, qty, price, fee, at, parent_order_id, asset_class, multiplier, stored_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const now = at.toISOString();
    return this.db
      .transaction(() => {
        let added = 0;
        for (const f of fills) {
          added += insert.run(
            account,
            f.id,
            f.order_id,
            f.client_order_id,
            f.symbol,
            f.side,
            f.qty,
            f.price,
            f.fee,
            f.at,
            f.parent_order_id ?? null,
            f.asset_class ?? null,
            f.multiplier ?? null,
            now,
          ).changes;
        }
        if (cursor !== null)
          this.db
            .prepare(
              'INSERT INTO cursors (account, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT(account) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
            )
            .run(account, cursor, now);
        return added;
      })
      .immediate();
  }

  cursor(account: string): string | null {
    const row = this.db.prepare('SELECT cursor FROM cursors WHERE account = ?').get(account) as { cursor: string | null } | undefined;
    return row?.cursor ?? null;
  }

  /** Every stored fill of the account. */
  fills(account: string): Fill[] {
    return this.fillsAfter(account, 0).fills;
  }

  /** The fills stored after row `after` (0: all), in row order; built straight from raw rows (100k at a cold start). */
  fillsAfter(account: string, after: number): StoredFills {
    const rows = this.db
      .prepare(
        'SELECT rowid, id, order_id, client_order_id, symbol, side, qty, price, fee, at, parent_order_id, asset_class, multiplier FROM fills WHERE rowid > ? AND +account = ? ORDER BY rowid',
      )
      .raw()
      .all(after, account) as FillTuple[];
    const fills = new Array<Fill>(rows.length);
    let lastRow = after;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      lastRow = r[0];
      const f: Fill = {
        id: r[1],
        order_id: r[2],
        client_order_id: r[3],
        symbol: r[4],
        side: r[5],
        qty: r[6],
        price: r[7],
        fee: r[8],
        at: r[9],
        parent_order_id: r[10],
      };
      if (r[11] !== null) f.asset_class = r[11];
      if (r[12] !== null) f.multiplier = r[12];
      fills[i] = f;
    }
    return { fills, lastRow };
  }

  /** What the gate knew when it sent an order; a second record of the same client_order_id keeps the first. */
  recordMeta(account: string, m: OrderMetaRecord, at: Date): void {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO order_meta (account, client_order_id, broker_order_id, symbol, strategy, tags, rationale, audit_id, created_at, seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_meta))`,
      )
      .run(account, m.client_order_id, m.broker_order_id, m.symbol, m.strategy, JSON.stringify(m.tags), m.rationale, m.audit_id, at.toISOString());
  }

  meta(account: string, clientOrderId: string): StoredMeta | null {
    const r = this.db
      .prepare(
        'SELECT strategy, tags, rationale, audit_id, regime_state, regime_trend, regime_volatility FROM order_meta WHERE account = ? AND client_order_id = ?',
      )
      .get(account, clientOrderId) as MetaRow | undefined;
    return r ? metaOf(r) : null;
  }

  /**
   * Metadata rows inserted or changed after `afterSeq` (0: all), with the last seq read. Raw rows
   * built into one literal each, the tags text parsed once per distinct value (a cold start reads
   * one row per order: ~100k); rows sharing a tags text share one frozen array, rows sharing a regime
   * one frozen regime.
   */
  metaSince(account: string, afterSeq: number): { rows: MetaSinceRow[]; lastSeq: number } {
    const raw = this.db
      .prepare(
        'SELECT client_order_id, seq, strategy, tags, rationale, audit_id, regime_state, regime_trend, regime_volatility FROM order_meta WHERE seq > ? AND +account = ? ORDER BY seq',
      )
      .raw()
      .all(afterSeq, account) as MetaTuple[];
    const tagsOf = new Map<string, readonly string[]>();
    const regimes = new Map<string | null, Map<string | null, Regime>>();
    const rows = new Array<MetaSinceRow>(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const r = raw[i]!;
      let tags = tagsOf.get(r[3]);
      if (tags === undefined) {
        tags = Object.freeze(JSON.parse(r[3]) as string[]);
        tagsOf.set(r[3], tags);
      }
      rows[i] = {
        client_order_id: r[0],
        strategy: r[2],
        tags,
        rationale: r[4],
        audit_id: r[5],
        regime: r[6] === 'set' ? sharedRegime(regimes, r[7], r[8]) : null,
        regime_state: r[6],
      };
    }
    return { rows, lastSeq: raw.length ? raw[raw.length - 1]![1] : afterSeq };
  }

  /** Orders with metadata whose regime is not read yet, with their first fill (symbol and time). */
  pendingRegimes(account: string): Array<{ client_order_id: string; symbol: string; at: string }> {
    return this.db
      .prepare(
        // SQLite: with MIN() the bare column (symbol) comes from the row holding the minimum
        `SELECT m.client_order_id, f.symbol, MIN(f.at) AS at FROM order_meta m
         JOIN fills f ON f.account = m.account AND f.client_order_id = m.client_order_id
         WHERE m.account = ? AND m.regime_state = 'pending'
         GROUP BY m.client_order_id`,
      )
      .all(account) as Array<{ client_order_id: string; symbol: string; at: string }>;
  }

  setRegime(account: string, clientOrderId: string, regime: Regime | null): void {
    this.db
      .prepare(
        `UPDATE order_meta SET regime_state = ?, regime_trend = ?, regime_volatility = ?, seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM order_meta)
         WHERE account = ? AND client_order_id = ? AND regime_state = 'pending'`,
      )
      .run(regime ? 'set' : 'unavailable', regime?.trend ?? null, regime?.volatility ?? null, account, clientOrderId);
  }

  /** Claim a trip for the hand-over; true only for the one caller (of any process) that claimed it first. */
  claimHandOver(account: string, tripId: string, at: Date): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO handed_over (account, trip_id, at) VALUES (?, ?, ?)').run(account, tripId, at.toISOString()).changes === 1;
  }

  /** Run several writes as one transaction (one fsync): a bulk load, a test's setup. */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Store fees (a fee already held is left as it was) and move their cursor, in one transaction; the count newly stored. */
  addFees(account: string, fees: readonly FeeRecord[], cursor: string | null, at: Date): number {
    const insert = this.db.prepare('INSERT OR IGNORE INTO fees (account, id, amount, order_id, symbol, date, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    return this.batch(() => {
      let added = 0;
      for (const f of fees) added += insert.run(account, f.id, f.amount, f.order_id, f.symbol, f.date, at.toISOString()).changes;
      if (cursor !== null) {
        this.db
          .prepare(
            'INSERT INTO cursors (account, cursor, updated_at) VALUES (?, ?, ?) ON CONFLICT(account) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at',
          )
          .run(`${account}#fees`, cursor, at.toISOString());
      }
      return added;
    });
  }

  feeCursor(account: string): string | null {
    return this.cursor(`${account}#fees`);
  }

  /** The fees stored after row `after`, in row order, with the last row read. */
  feesAfter(account: string, after: number): { fees: FeeRecord[]; lastRow: number } {
    const rows = this.db
      .prepare('SELECT rowid, id, amount, order_id, symbol, date FROM fees WHERE rowid > ? AND +account = ? ORDER BY rowid')
      .all(after, account) as Array<FeeRecord & { rowid: number }>;
    return { fees: rows.map(({ rowid: _, ...f }) => f), lastRow: rows.length ? rows[rows.length - 1]!.rowid : after };
  }

  /** Every trip already handed over (read once when a server first matches its memory). */
  handedOver(account: string): Set<string> {
    const rows = this.db.prepare('SELECT trip_id FROM handed_over WHERE account = ?').pluck().all(account) as string[];
    return new Set(rows);
  }

  /** Give a claim back (the hand-over failed): the next read tries the trip again. */
  releaseHandOver(account: string, tripId: string): void {
    this.db.prepare('DELETE FROM handed_over WHERE account = ? AND trip_id = ?').run(account, tripId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
