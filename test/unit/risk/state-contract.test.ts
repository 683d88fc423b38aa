/**
 * The risk state's contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL: the
 * halt and its history, the first equity of the day, the order slots — also when handles on separate
 * connections race (six pools on PostgreSQL, six risk.sqlite handles on SQLite). On PostgreSQL: the halt
 * is the gate's shared row, a halt a data dir held before the database is carried into it, and a lost
 * database rejects with STORE_UNAVAILABLE.
 */
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { getRiskState, openRiskState, RISK_DB_FILE, type RiskState, type SubmittedOrder } from '../../../src/risk/state.js';
import { PgRiskState } from '../../../src/risk/state/postgres.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { migrate } from '../../../src/store/postgres/migrations.js';
import { migrations as riskMigrations } from '../../../src/store/postgres/migrations/risk.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { contract, type StorePlace } from '../../support/backends.js';
import { type Harness, startHarness } from '../../support/execution-harness.js';

const [PAPER, LIVE] = ['paper:PA1', 'live:LA1'];
const T0 = Date.parse('2026-03-10T15:00:00Z');
const slot = (s: number, fp: string): SubmittedOrder => ({
  at: new Date(T0 + s * 1000).toISOString(),
  hash: `h-${fp}-${s}`,
  fingerprint: fp,
  canonical: '{}',
  symbol: 'AAPL',
});

contract('the risk state', (backend) => {
  let place: StorePlace;
  const pools: Postgres[] = [];
  const states: RiskState[] = [];
  const harnesses: Harness[] = [];
  const open = async (): Promise<RiskState> => {
    let state: RiskState;
    if (place.databaseUrl) {
      const p = await openPostgres(place.databaseUrl, { max: 2 });
      pools.push(p);
      state = new PgRiskState(p.pool, p.where);
    } else state = await openRiskState(join(place.dataDir, RISK_DB_FILE));
    states.push(state);
    return state;
  };
  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
    for (const s of states.splice(0)) s.close();
    for (const p of pools.splice(0)) await p.pool.end();
    await place.cleanup();
  });

  it('halts once (the first reason stays), resumes, and keeps the history; another handle sees it all', async () => {
    const [a, b] = [await open(), await open()];
    expect(await a.isHalted()).toEqual({ halted: false, reason: null, at: null, by: null });
    const first = await a.halt('news pending', 'cli', new Date(T0));
    expect(first).toEqual({ halted: true, reason: 'news pending', at: new Date(T0).toISOString(), by: 'cli', alreadyHalted: false });
    expect(await b.halt('again', 'dashboard')).toMatchObject({ reason: 'news pending', alreadyHalted: true });
    expect(await b.isHalted()).toMatchObject({ halted: true, reason: 'news pending', by: 'cli' });
    expect(await b.resume('cli', new Date(T0 + 1000))).toMatchObject({ wasHalted: true, previous: { reason: 'news pending' } });
    expect(await a.resume('cli')).toMatchObject({ wasHalted: false });
    expect(await a.isHalted()).toMatchObject({ halted: false });
    expect((await b.haltHistory()).map((e) => [e.action, e.by, e.reason])).toEqual([
      ['resume', 'cli', null],
      ['halt', 'cli', 'news pending'],
    ]);
  });

  it('six handles racing to halt: one halt lands, the history records it once', async () => {
    const handles = await Promise.all(Array.from({ length: 6 }, () => open()));
    const results = await Promise.all(handles.map((h, i) => h.halt(`stop ${i}`, `r${i}`)));
    expect(results.filter((r) => !r.alreadyHalted)).toHaveLength(1);
    const winner = results.find((r) => !r.alreadyHalted)!;
    for (const r of results) expect(r.reason).toBe(winner.reason);
    expect(await handles[0]!.haltHistory()).toHaveLength(1);
  });

  it('the first equity of a trading day wins, also when six handles race to record it', async () => {
    const handles = await Promise.all(Array.from({ length: 6 }, () => open()));
    expect(await handles[0]!.startOfDayEquity(PAPER, '2026-03-10', null)).toBeNull();
    const seen = await Promise.all(handles.map((h, i) => h.startOfDayEquity(PAPER, '2026-03-10', 100_000 + i)));
    expect(new Set(seen).size).toBe(1);
    expect(await handles[1]!.startOfDayEquity(PAPER, '2026-03-10', 1)).toBe(seen[0]);
    expect(await handles[2]!.startOfDayEquity(PAPER, '2026-03-11', -5)).toBeNull(); // a nonsense candidate is not recorded
    expect(await handles[2]!.startOfDayEquity(PAPER, '2026-03-11', 90_000.5)).toBe(90_000.5);
    expect((await handles[3]!.dayEquities()).map((d) => [d.tradingDay, d.equity])).toEqual([
      ['2026-03-11', 90_000.5],
      ['2026-03-10', seen[0]],
    ]);
  });

  it('a paper and a live account on one store each keep their own day base (the first of each wins)', async () => {
    const [a, b] = [await open(), await open()];
    expect(await a.startOfDayEquity(PAPER, '2026-03-10', 100_000)).toBe(100_000);
    expect(await b.startOfDayEquity(LIVE, '2026-03-10', 25_000)).toBe(25_000);
    expect(await b.startOfDayEquity(PAPER, '2026-03-10', 1)).toBe(100_000);
    expect(await a.startOfDayEquity(LIVE, '2026-03-10', 2)).toBe(25_000);
    expect((await a.dayEquities()).map((d) => [d.account, d.tradingDay, d.equity])).toEqual([
      [LIVE, '2026-03-10', 25_000],
      [PAPER, '2026-03-10', 100_000],
    ]);
  });

  it('a store from before the account key keeps its rows (account ""); on that day an account\'s base is never below the old row (an upgrade mid-day after a loss must not reset the daily-loss base lower)', async () => {
    const OLD = 'CREATE TABLE day_equity (trading_day TEXT PRIMARY KEY, equity REAL NOT NULL, recorded_at TEXT NOT NULL)';
    const ROW = "VALUES ('2026-03-10', 50000, '2026-03-10T13:30:00.000Z')";
    if (place.databaseUrl) {
      const before = createPool(place.databaseUrl);
      await migrate(before, [{ component: 'risk', migrations: riskMigrations.slice(0, 1) }]);
      await before.query(`INSERT INTO risk_day_equity (trading_day, equity, recorded_at) ${ROW}`);
      await before.end();
    } else {
      const Database = (await import('better-sqlite3')).default;
      const db = new Database(join(place.dataDir, RISK_DB_FILE));
      db.exec(`${OLD}; INSERT INTO day_equity (trading_day, equity, recorded_at) ${ROW}`);
      db.close();
    }
    const state = await open();
    expect(await state.dayEquities()).toEqual([{ account: '', tradingDay: '2026-03-10', equity: 50_000, recordedAt: '2026-03-10T13:30:00.000Z' }]);
    // the old row was the day's base before the upgrade: equity since fell to 25,000, the base stays 50,000
    expect(await state.startOfDayEquity(LIVE, '2026-03-10', 25_000)).toBe(50_000);
    expect(await state.startOfDayEquity(PAPER, '2026-03-10', 60_000)).toBe(60_000); // a higher candidate stands
    expect(await state.startOfDayEquity(LIVE, '2026-03-11', 26_000)).toBe(26_000);
    expect((await state.dayEquities()).map((d) => [d.account, d.tradingDay])).toEqual([
      [LIVE, '2026-03-11'],
      ['', '2026-03-10'],
      [LIVE, '2026-03-10'],
      [PAPER, '2026-03-10'],
    ]);
  });

  it('order slots: the rate and duplicate rules re-checked atomically; six racers for three slots, three win', async () => {
    const state = await open();
    const rules = { maxPerMinute: 2, maxPerHour: 3, duplicateWindowSec: 120 };
    expect(await state.claimOrder(slot(0, 'a'), rules)).toEqual({ ok: true });
    expect(await state.claimOrder(slot(1, 'a'), { ...rules, maxPerMinute: 9 })).toMatchObject({ ok: false, code: 'RISK_DUPLICATE_ORDER' });
    expect(await state.claimOrder(slot(2, 'b'), rules)).toEqual({ ok: true });
    expect(await state.claimOrder(slot(3, 'c'), rules)).toMatchObject({ ok: false, code: 'RISK_RATE_MINUTE' });
    expect(await state.claimOrder(slot(60, 'c'), rules)).toEqual({ ok: true }); // a is exactly 60 s old: outside
    expect(await state.claimOrder(slot(200, 'd'), rules)).toMatchObject({ ok: false, code: 'RISK_RATE_HOUR' });
    await state.recordOrder(slot(-30, 'r'));
    expect((await state.lastOrders(10)).map((o) => o.fingerprint)).toEqual(['c', 'b', 'a', 'r']);
    expect((await state.recentOrders(new Date(T0))).map((o) => o.fingerprint)).toEqual(['a', 'b', 'c']);

    const handles = await Promise.all(Array.from({ length: 6 }, () => open()));
    const later = { maxPerMinute: 3, maxPerHour: 1000, duplicateWindowSec: 0 };
    const won = await Promise.all(handles.map((h, i) => h.claimOrder(slot(7200 + i / 10, `race-${i}`), later)));
    expect(won.filter((w) => w.ok)).toHaveLength(3);
    expect(won.filter((w) => !w.ok).map((w) => (w.ok ? null : w.code))).toEqual(['RISK_RATE_MINUTE', 'RISK_RATE_MINUTE', 'RISK_RATE_MINUTE']);
  });

  if (backend.name === 'postgres') {
    it("the halt is the gate's shared row, and a halt this data dir held before the database is carried into it once", async () => {
      // a halt recorded on the data dir while it was SQLite-only
      const local = await openRiskState(join(place.dataDir, RISK_DB_FILE));
      await local.halt('halted before the fleet', 'cli', new Date(T0));
      local.close();
      const h = await startHarness({ databaseUrl: place.databaseUrl, dataDir: place.dataDir });
      harnesses.push(h);
      const state = await getRiskState(h.deps);
      expect(state.backend).toBe('postgres');
      expect(await state.isHalted()).toMatchObject({ halted: true, reason: 'halted before the fleet' });
      const raw = new pg.Client({ connectionString: place.databaseUrl });
      await raw.connect();
      try {
        expect((await raw.query('SELECT halted, reason FROM gate_halt WHERE id = 1')).rows[0]).toEqual({ halted: true, reason: 'halted before the fleet' });
        await state.resume('cli');
        expect((await raw.query('SELECT halted FROM gate_halt WHERE id = 1')).rows[0]).toEqual({ halted: false });
      } finally {
        await raw.end();
      }
      // carried once: the data dir's own halt was cleared, a second replica on it does not halt the fleet again
      const again = await openRiskState(join(place.dataDir, RISK_DB_FILE));
      expect(await again.isHalted()).toMatchObject({ halted: false });
      again.close();
      const h2 = await startHarness({ databaseUrl: place.databaseUrl, dataDir: place.dataDir });
      harnesses.push(h2);
      expect(await (await getRiskState(h2.deps)).isHalted()).toMatchObject({ halted: false });
    });

    it('fails closed: an unreachable database rejects with STORE_UNAVAILABLE (never "not halted")', async () => {
      const gone = createPool('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
      const state = new PgRiskState(gone);
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: unknown) => (e instanceof ToolError ? e.code : `raw ${String(e)}`),
        );
      expect(await code(state.isHalted())).toBe('STORE_UNAVAILABLE');
      expect(await code(state.claimOrder(slot(0, 'x'), { maxPerMinute: 9, maxPerHour: 9, duplicateWindowSec: 0 }))).toBe('STORE_UNAVAILABLE');
      expect(await code(state.startOfDayEquity(PAPER, '2026-03-10', 1000))).toBe('STORE_UNAVAILABLE');
      expect(await code(state.recentOrders(new Date(T0)))).toBe('STORE_UNAVAILABLE');
      expect(await code(state.halt('x'))).toBe('STORE_UNAVAILABLE');
      await gone.end();
    });
  }
});
