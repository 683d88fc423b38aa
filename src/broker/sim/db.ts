/** The sim broker's database: schema, row shapes, the shared state every sim module works on, and small money helpers. */
import { join } from 'node:path';
import type DatabaseCtor from 'better-sqlite3';
import { ToolError } from '../../errors.js';
import { openSqlite } from '../../store/sqlite.js';
import type { SimMarket } from './market.js';

export type Db = DatabaseCtor.Database;

/** What every sim module works on: the database, the simulated tape, the sim clock and an IMMEDIATE transaction. */
export interface SimState {
  db: Db;
  market: SimMarket;
  now: () => Date;
  tx<T>(fn: () => T): T;
}

/**
 * Columns added after the first release (trailing stops, exits, replace chains, single-leg
 * options). A fresh file gets them from CREATE TABLE; an older file gets them from `migrate`.
 */
const ADDED_COLUMNS: Record<'orders' | 'positions', Record<string, string>> = {
  orders: {
    trail_price: 'REAL',
    trail_percent: 'REAL',
    // the high (low, for a buy) water mark a trailing stop trails; its current stop is stop_price
    hwm: 'REAL',
    // JSON of the request's take_profit / stop_loss, kept on the parent of a bracket, OCO or OTO
    take_profit: 'TEXT',
    stop_loss: 'TEXT',
    position_intent: 'TEXT',
    replaces: 'TEXT',
    replaced_by: 'TEXT',
    // an exit's parent: the entry of a bracket / OTO, or the take-profit order of an OCO
    parent_id: 'TEXT',
    // 'take_profit' | 'stop_loss' on an exit (an OCO's own order included), else null
    exit_role: 'TEXT',
  },
  positions: {
    // cash a short put holds (strike × 100 × contracts), released as the short is bought back
    collateral_cents: 'INTEGER NOT NULL DEFAULT 0',
    // shares of the underlying a short call holds (100 × contracts), likewise
    covered_shares: 'REAL NOT NULL DEFAULT 0',
  },
};
const added = (table: 'orders' | 'positions') =>
  Object.entries(ADDED_COLUMNS[table])
    .map(([name, decl]) => `, ${name} ${decl}`)
    .join('');

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  client_order_id TEXT NOT NULL UNIQUE,
  symbol TEXT, side TEXT, order_class TEXT NOT NULL, type TEXT NOT NULL, time_in_force TEXT NOT NULL,
  qty REAL, notional REAL, limit_price REAL, stop_price REAL, extended_hours INTEGER NOT NULL, legs TEXT,
  status TEXT NOT NULL, filled_qty REAL NOT NULL DEFAULT 0, filled_avg_price REAL, stop_triggered INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, submitted_at TEXT NOT NULL, filled_at TEXT, canceled_at TEXT, updated_at TEXT NOT NULL,
  checked_until INTEGER NOT NULL, expires_at INTEGER, reserved_cents INTEGER NOT NULL DEFAULT 0${added('orders')}
);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE TABLE IF NOT EXISTS fills (
  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, symbol TEXT NOT NULL, asset_class TEXT NOT NULL,
  side TEXT NOT NULL, qty REAL NOT NULL, price REAL NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cash_movements (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, at_ms INTEGER NOT NULL, amount_cents INTEGER NOT NULL, reason TEXT NOT NULL, order_id TEXT
);
CREATE TABLE IF NOT EXISTS positions (symbol TEXT PRIMARY KEY, asset_class TEXT NOT NULL, qty REAL NOT NULL, cost_basis REAL NOT NULL${added('positions')});
`;

/**
 * Bring a data dir written by an older sim up to the current shape: the missing columns are added
 * inside one IMMEDIATE transaction, so two processes opening the same file add each column once.
 */
export function migrate(db: Db): void {
  db.transaction(() => {
    for (const table of ['orders', 'positions'] as const) {
      const have = new Set((db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name));
      for (const [name, decl] of Object.entries(ADDED_COLUMNS[table])) {
        if (!have.has(name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${decl}`);
      }
    }
    db.exec('CREATE INDEX IF NOT EXISTS orders_parent ON orders(parent_id)');
  }).immediate();
}

export interface OrderRow {
  seq: number;
  id: string;
  client_order_id: string;
  symbol: string | null;
  side: 'buy' | 'sell' | null;
  order_class: string;
  type: string;
  time_in_force: string;
  qty: number | null;
  notional: number | null;
  limit_price: number | null;
  stop_price: number | null;
  extended_hours: number;
  legs: string | null;
  status: string;
  filled_qty: number;
  filled_avg_price: number | null;
  stop_triggered: number;
  created_at: string;
  submitted_at: string;
  filled_at: string | null;
  canceled_at: string | null;
  updated_at: string;
  checked_until: number;
  expires_at: number | null;
  reserved_cents: number;
  trail_price: number | null;
  trail_percent: number | null;
  hwm: number | null;
  take_profit: string | null;
  stop_loss: string | null;
  position_intent: string | null;
  replaces: string | null;
  replaced_by: string | null;
  parent_id: string | null;
  exit_role: 'take_profit' | 'stop_loss' | null;
}

export interface LegFill {
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
}

export const MINUTE = 60_000;
export const MAX_SWEEP_MS = 60 * 86_400_000;
export const SWEEPABLE = ['new', 'accepted', 'partially_filled', 'pending_new'];
/** What cancel and replace accept: the sweepable states plus an exit still held for its entry. */
export const LIVE = [...SWEEPABLE, 'held'];
export const inList = (list: readonly string[]) => list.map(() => '?').join(',');
export const round2 = (x: number) => Math.round(x * 100) / 100;
export const cents = (dollars: number) => Math.round(dollars * 100);

export function rejected(status: 403 | 422, message: string, extra: Record<string, unknown> = {}): ToolError {
  return new ToolError('BROKER_REJECTED', message, { status, broker: 'sim', ...extra });
}

/** Open the sim's database: WAL, synchronous=FULL (money state), a busy timeout for several processes. */
export async function openSimDatabase(dataDir: string): Promise<Db> {
  return openSqlite(join(dataDir, 'sim-broker.sqlite'), { synchronous: 'FULL', cacheStatements: true });
}
