/** Waiting for SQLite's write lock with our own jittered retry (src/store/sqlite-busy.ts), on a real file held by a second connection. */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY_SPIN_CAP_MS, busyJitterMs, retryBusy, retryBusySync, SYNC_WAIT_MS } from '../../../src/store/sqlite-busy.js';
import { openSqliteWith } from '../../../src/store/sqlite.js';

describe('retryBusy', () => {
  let dir: string;
  let holder: Database.Database;
  let waiter: Database.Database;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sqlite-busy-'));
    holder = openSqliteWith(Database, join(dir, 'x.sqlite'), { synchronous: 'NORMAL', busyTimeoutMs: 0 });
    holder.exec('CREATE TABLE t (n INTEGER)');
    waiter = openSqliteWith(Database, join(dir, 'x.sqlite'), { synchronous: 'NORMAL', busyTimeoutMs: 0 });
  });
  afterEach(() => {
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    waiter.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = () => waiter.transaction(() => waiter.prepare('INSERT INTO t VALUES (1)').run()).immediate();

  it('a write behind another connection’s write lock fails at once without it, and lands once the lock is free', async () => {
    holder.exec('BEGIN IMMEDIATE');
    expect(write).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    setTimeout(() => holder.exec('COMMIT'), 40);
    const t0 = performance.now();
    await retryBusy(write);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
    expect(waiter.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 1 });
  });

  it('gives up with the SQLITE_BUSY at its deadline, having written nothing', async () => {
    holder.exec('BEGIN IMMEDIATE');
    await expect(retryBusy(write, 30)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(() => retryBusySync(write, 5)).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    holder.exec('COMMIT');
    expect(waiter.prepare('SELECT COUNT(*) AS n FROM t').get()).toEqual({ n: 0 });
  });

  it('rethrows anything but busy at once', async () => {
    await expect(retryBusy(() => waiter.exec('INSERT INTO missing VALUES (1)'))).rejects.toThrow(/no such table/);
  });

  it('sleeps are jittered, grow from 50 µs and never exceed the cap', () => {
    expect(busyJitterMs(0, () => 1)).toBeCloseTo(0.05);
    expect(busyJitterMs(1, () => 1)).toBeCloseTo(0.1);
    expect(busyJitterMs(3, () => 1)).toBe(BUSY_SPIN_CAP_MS);
    // a lock is held 0.1–0.2 ms: a longer sleep wakes after it was taken again (issue 21)
    expect(BUSY_SPIN_CAP_MS).toBeLessThanOrEqual(0.25);
    expect(SYNC_WAIT_MS).toBeGreaterThanOrEqual(20);
    expect(busyJitterMs(40, () => 1)).toBe(BUSY_SPIN_CAP_MS);
    expect(busyJitterMs(40, () => 0)).toBe(0);
    expect(SYNC_WAIT_MS).toBeLessThan(50);
  });
});
