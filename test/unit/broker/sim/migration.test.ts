/** A data dir written by the first sim release (no trailing, exit or replace columns) opens, keeps its orders and money, and takes every new order kind. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { closeAll, OPEN, openSim, order } from './fixtures.js';

afterAll(closeAll);

/** The schema as the first release wrote it. */
const FIRST_RELEASE = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, client_order_id TEXT NOT NULL UNIQUE,
  symbol TEXT, side TEXT, order_class TEXT NOT NULL, type TEXT NOT NULL, time_in_force TEXT NOT NULL,
  qty REAL, notional REAL, limit_price REAL, stop_price REAL, extended_hours INTEGER NOT NULL, legs TEXT,
  status TEXT NOT NULL, filled_qty REAL NOT NULL DEFAULT 0, filled_avg_price REAL, stop_triggered INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, submitted_at TEXT NOT NULL, filled_at TEXT, canceled_at TEXT, updated_at TEXT NOT NULL,
  checked_until INTEGER NOT NULL, expires_at INTEGER, reserved_cents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX orders_status ON orders(status);
CREATE TABLE fills (
  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, symbol TEXT NOT NULL, asset_class TEXT NOT NULL,
  side TEXT NOT NULL, qty REAL NOT NULL, price REAL NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL
);
CREATE TABLE cash_movements (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, at_ms INTEGER NOT NULL, amount_cents INTEGER NOT NULL, reason TEXT NOT NULL, order_id TEXT);
CREATE TABLE positions (symbol TEXT PRIMARY KEY, asset_class TEXT NOT NULL, qty REAL NOT NULL, cost_basis REAL NOT NULL);
`;

function firstReleaseDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sim-v1-'));
  const db = new Database(join(dir, 'sim-broker.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(FIRST_RELEASE);
  const at = OPEN;
  const ms = Date.parse(OPEN);
  db.exec(`INSERT INTO meta VALUES ('account_id', 'acct-v1'), ('created_at', '${at}')`);
  db.exec(`INSERT INTO cash_movements (at, at_ms, amount_cents, reason) VALUES ('${at}', 0, 5000000, 'initial_deposit'), ('${at}', ${ms}, -200000, 'buy')`);
  db.exec("INSERT INTO positions VALUES ('AAPL', 'us_equity', 10, 2000)");
  db.exec(`INSERT INTO orders (id, client_order_id, symbol, side, order_class, type, time_in_force, qty, limit_price, extended_hours, status, created_at, submitted_at, updated_at, checked_until, reserved_cents)
    VALUES ('old-limit', 'v1-order', 'AAPL', 'buy', 'simple', 'limit', 'gtc', 5, 10, 0, 'new', '${at}', '${at}', '${at}', ${ms}, 5000)`);
  db.close();
  return dir;
}

describe('sim database migration', () => {
  it('adds the new columns to an old file, keeps its orders, cash and positions, and takes new kinds', async () => {
    const dataDir = firstReleaseDataDir();
    const a = await openSim(OPEN, { dataDir, cash: 1 });
    const b = await openSim(OPEN, { dataDir, cash: 1 }); // a second process on the same file finds it migrated
    const old = (await b.broker.getOrder('old-limit'))!;
    expect(old).toMatchObject({ clientOrderId: 'v1-order', status: 'new', limitPrice: 10, trailPrice: null, hwm: null, replaces: null, exits: null });
    const account = await a.broker.getAccount();
    expect(account).toMatchObject({ id: 'acct-v1', cash: 48_000, buyingPower: 48_000 - 50 });
    const bracket = await a.broker.submitOrder(
      order({ qty: 1, order_class: 'bracket', take_profit: { limit_price: 400 }, stop_loss: { stop_price: 50, limit_price: null } }),
    );
    expect(bracket.exits!.map((e) => e.status)).toEqual(['new', 'new']);
    const replaced = await b.broker.replaceOrder('old-limit', { limit_price: 11, client_order_id: 'v2-order' });
    expect(replaced.replaces).toBe('old-limit');
    const db = new Database(join(dataDir, 'sim-broker.sqlite'), { readonly: true });
    try {
      const columns = (db.prepare('PRAGMA table_info(orders)').all() as Array<{ name: string }>).map((c) => c.name);
      expect(columns).toEqual(
        expect.arrayContaining(['trail_price', 'trail_percent', 'hwm', 'take_profit', 'stop_loss', 'position_intent', 'replaces', 'replaced_by', 'parent_id']),
      );
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
