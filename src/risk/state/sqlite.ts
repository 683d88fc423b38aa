/**
 * The risk state on SQLite, `<dataDir>/risk.sqlite` (the embedded default): the kill switch and its
 * history, the starting equity of each account's US trading day, and the orders submitted (rate and duplicate
 * checks). Several server processes may share one data dir: SQLite WAL, a busy timeout,
 * `synchronous=FULL` (a halt must survive a power cut), and BEGIN IMMEDIATE for every read-modify-write.
 * The gate ATTACHes this file and reads the halt and claims the order slot inside its INTENT transaction
 * (readHaltIn, claimSlotIn). better-sqlite3 is loaded lazily so importing this file is cheap.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { openSqlite } from '../../store/sqlite.js';
import {
  type ClaimResult,
  type ClaimRules,
  type DayEquity,
  type HaltEvent,
  type HaltStatus,
  KEEP_ORDERS_MS,
  type RiskState,
  type SubmittedOrder,
} from '../state.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS halt (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  halted INTEGER NOT NULL,
  reason TEXT,
  at TEXT,
  by TEXT
);
INSERT OR IGNORE INTO halt (id, halted) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS halt_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  action TEXT NOT NULL CHECK (action IN ('halt', 'resume')),
  at TEXT NOT NULL,
  by TEXT NOT NULL,
  reason TEXT
);
CREATE TABLE IF NOT EXISTS day_equity (
  account TEXT NOT NULL,
  trading_day TEXT NOT NULL,
  equity REAL NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (account, trading_day)
);
CREATE TABLE IF NOT EXISTS submitted_orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  at TEXT NOT NULL,
  hash TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  canonical TEXT NOT NULL,
  symbol TEXT
);
CREATE INDEX IF NOT EXISTS submitted_orders_at ON submitted_orders (at_ms);
`;

/**
 * A risk.sqlite from before days were keyed by account (day_equity keyed by trading_day alone): its
 * rows are kept under account '' (listed, never an account's base), the table rebuilt with the new key.
 */
const KEY_DAYS_BY_ACCOUNT = `
ALTER TABLE day_equity RENAME TO day_equity_v1;
CREATE TABLE day_equity (account TEXT NOT NULL, trading_day TEXT NOT NULL, equity REAL NOT NULL, recorded_at TEXT NOT NULL,
  PRIMARY KEY (account, trading_day));
INSERT INTO day_equity (account, trading_day, equity, recorded_at) SELECT '', trading_day, equity, recorded_at FROM day_equity_v1;
DROP TABLE day_equity_v1;
`;

function createSchema(db: BetterSqlite3.Database): void {
  db.exec(SCHEMA);
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(day_equity)').all();
  if (!columns.some((c) => c.name === 'account')) db.exec(KEY_DAYS_BY_ACCOUNT);
}

interface HaltRow {
  halted: number;
  reason: string | null;
  at: string | null;
  by: string | null;
}

/**
 * The halt as committed, read on any connection that has the risk database open as `schema`
 * ('main', or the name it is ATTACHed under): the gate reads it inside the transaction that writes
 * the INTENT, so a halt that has returned stops every order whose INTENT is not yet durable.
 */
export function readHaltIn(db: BetterSqlite3.Database, schema: string): HaltStatus {
  const row = db.prepare(`SELECT halted, reason, at, by FROM ${schema}.halt WHERE id = 1`).get() as HaltRow | undefined;
  // no row means a risk database that was never initialised: doubt, so halted
  if (!row) return { halted: true, reason: 'the risk state has no halt record', at: null, by: null };
  return { halted: Boolean(row.halted), reason: row.reason ?? null, at: row.at ?? null, by: row.by ?? null };
}

function insertSubmittedOrder(db: BetterSqlite3.Database, schema: string, o: SubmittedOrder): void {
  const atMs = Date.parse(o.at);
  db.prepare(`INSERT INTO ${schema}.submitted_orders (at_ms, at, hash, fingerprint, canonical, symbol) VALUES (?, ?, ?, ?, ?, ?)`).run(
    atMs,
    new Date(atMs).toISOString(),
    o.hash,
    o.fingerprint,
    o.canonical,
    o.symbol,
  );
  db.prepare(`DELETE FROM ${schema}.submitted_orders WHERE at_ms < ?`).run(atMs - KEEP_ORDERS_MS);
}

/**
 * Re-check the rate and duplicate rules against the recorded orders and, if they hold, record this
 * one. Must run inside a write transaction that holds the risk database's lock (BEGIN IMMEDIATE).
 */
export function claimSlotIn(db: BetterSqlite3.Database, schema: string, o: SubmittedOrder, rules: ClaimRules): ClaimResult {
  const atMs = Date.parse(o.at);
  const countSince = (sinceMs: number) => (db.prepare(`SELECT COUNT(*) AS n FROM ${schema}.submitted_orders WHERE at_ms > ?`).get(sinceMs) as { n: number }).n;
  // Same windows as the engine: an order exactly one window old is outside it.
  const minute = countSince(atMs - 60_000);
  if (minute + 1 > rules.maxPerMinute)
    return { ok: false, code: 'RISK_RATE_MINUTE', message: `${minute} orders already in the last minute (limit ${rules.maxPerMinute})` };
  const hour = countSince(atMs - 3_600_000);
  if (hour + 1 > rules.maxPerHour) return { ok: false, code: 'RISK_RATE_HOUR', message: `${hour} orders already in the last hour (limit ${rules.maxPerHour})` };
  if (rules.duplicateWindowSec > 0) {
    const same = db
      .prepare(`SELECT COUNT(*) AS n FROM ${schema}.submitted_orders WHERE fingerprint = ? AND at_ms > ?`)
      .get(o.fingerprint, atMs - rules.duplicateWindowSec * 1000) as { n: number };
    if (same.n > 0) return { ok: false, code: 'RISK_DUPLICATE_ORDER', message: `an identical order was submitted in the last ${rules.duplicateWindowSec} s` };
  }
  insertSubmittedOrder(db, schema, o);
  return { ok: true };
}

type HaltOps = Pick<RiskState, 'isHalted' | 'halt' | 'resume' | 'haltHistory'>;
type DayOps = Pick<RiskState, 'startOfDayEquity' | 'dayEquities'>;
type OrderOps = Pick<RiskState, 'recordOrder' | 'claimOrder' | 'recentOrders' | 'lastOrders'>;

/** The kill switch and its history; every read-modify-write is BEGIN IMMEDIATE. */
function haltOps(db: BetterSqlite3.Database): HaltOps {
  const readHalt = db.prepare<[], HaltRow>('SELECT halted, reason, at, by FROM halt WHERE id = 1');
  const setHalt = db.prepare('UPDATE halt SET halted = ?, reason = ?, at = ?, by = ? WHERE id = 1');
  const addEvent = db.prepare('INSERT INTO halt_events (action, at, by, reason) VALUES (?, ?, ?, ?)');
  const toStatus = (row: HaltRow | undefined): HaltStatus => ({
    halted: Boolean(row?.halted),
    reason: row?.reason ?? null,
    at: row?.at ?? null,
    by: row?.by ?? null,
  });

  const halt = db.transaction((reason: string, by: string, at: string) => {
    const before = toStatus(readHalt.get());
    if (before.halted) return { ...before, alreadyHalted: true }; // the history records changes, not repeats
    addEvent.run('halt', at, by, reason);
    setHalt.run(1, reason, at, by);
    return { halted: true, reason, at, by, alreadyHalted: false };
  });
  const resume = db.transaction((by: string, at: string) => {
    const previous = toStatus(readHalt.get());
    if (!previous.halted) return { wasHalted: false, previous };
    setHalt.run(0, null, null, null);
    addEvent.run('resume', at, by, null); // the halt row above it carries the reason
    return { wasHalted: true, previous };
  });
  const selectEvents = db.prepare<[number], HaltEvent>('SELECT action, at, by, reason FROM halt_events ORDER BY seq DESC LIMIT ?');
  return {
    async isHalted() {
      return toStatus(readHalt.get());
    },
    async halt(reason, by = 'server', at = new Date()) {
      return halt.immediate(reason, by, at.toISOString());
    },
    async resume(by = 'cli', at = new Date()) {
      return resume.immediate(by, at.toISOString());
    },
    async haltHistory(limit = 10) {
      return selectEvents.all(limit);
    },
  };
}

/** The account of the day rows kept from before the account key (listed; an account's base never starts below its day's row). */
const LEGACY_ACCOUNT = '';

/** The first equity of each account's trading day (recorded once, atomically). */
function dayOps(db: BetterSqlite3.Database): DayOps {
  const getDay = db.prepare<[string, string], { equity: number }>('SELECT equity FROM day_equity WHERE account = ? AND trading_day = ?');
  const putDay = db.prepare('INSERT INTO day_equity (account, trading_day, equity, recorded_at) VALUES (?, ?, ?, ?)');
  const dayEquity = db.transaction((account: string, day: string, candidate: number | null, at: string) => {
    const row = getDay.get(account, day);
    if (row) return row.equity;
    if (candidate === null || !Number.isFinite(candidate) || candidate <= 0) return null;
    // the upgrade day: a row from before the account key was the day's base; never start below it
    const base = Math.max(candidate, account === LEGACY_ACCOUNT ? 0 : (getDay.get(LEGACY_ACCOUNT, day)?.equity ?? 0));
    putDay.run(account, day, base, at);
    return base;
  });
  const selectDays = db.prepare<[number], DayEquity>(
    'SELECT account, trading_day AS tradingDay, equity, recorded_at AS recordedAt FROM day_equity ORDER BY trading_day DESC, account LIMIT ?',
  );
  return {
    async startOfDayEquity(account, tradingDay, candidate, at = new Date()) {
      // a day's row is written once and never changed: once it is there, a plain read answers (every check_risk
      // asks), without the write lock; only the first call of the day takes BEGIN IMMEDIATE, re-reading inside
      const recorded = getDay.get(account, tradingDay);
      if (recorded) return recorded.equity;
      return dayEquity.immediate(account, tradingDay, candidate, at.toISOString());
    },
    async dayEquities(limit = 5) {
      return selectDays.all(limit);
    },
  };
}

/** The orders this server submitted (rate and duplicate checks). */
function orderOps(db: BetterSqlite3.Database): OrderOps {
  const record = db.transaction((o: SubmittedOrder) => insertSubmittedOrder(db, 'main', o));
  const claim = db.transaction((o: SubmittedOrder, rules: ClaimRules): ClaimResult => claimSlotIn(db, 'main', o, rules));
  const selectRecent = db.prepare<[number], { at: string; hash: string; fingerprint: string; canonical: string }>(
    'SELECT at, hash, fingerprint, canonical FROM submitted_orders WHERE at_ms >= ? ORDER BY at_ms, seq',
  );
  const selectLast = db.prepare<[number], SubmittedOrder>(
    'SELECT at, hash, fingerprint, canonical, symbol FROM submitted_orders ORDER BY at_ms DESC, seq DESC LIMIT ?',
  );
  return {
    async recordOrder(order) {
      record.immediate(order);
    },
    async claimOrder(order, rules) {
      return claim.immediate(order, rules);
    },
    async recentOrders(since) {
      return selectRecent.all(since.getTime());
    },
    async lastOrders(limit) {
      return selectLast.all(limit);
    },
  };
}

/** Open (creating if needed) the risk database at `path`. */
export async function openSqliteRiskState(path: string): Promise<RiskState> {
  const db: BetterSqlite3.Database = await openSqlite(path, { synchronous: 'FULL' });
  // Schema creation races with other processes opening the same file: take the write lock first.
  db.transaction(() => createSchema(db)).immediate();
  let open = true;
  return {
    backend: 'sqlite',
    path,
    ...haltOps(db),
    ...dayOps(db),
    ...orderOps(db),
    close() {
      if (!open) return;
      open = false;
      db.close();
    },
  };
}
