/**
 * The routing statistics' contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL:
 * two stores on one home are two processes (replicas) that see each other's observations after a refresh,
 * in commit order, a council verdict recorded on one for a call recorded on the other, the same totals on
 * both, and a lost store that never throws into the router (writes reject for the caller to log, refresh
 * resolves, routing decides on memory).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { observeAnswer } from '../../../src/llm/observe.js';
import { PgRoutingStats } from '../../../src/llm/stats/postgres.js';
import { INSERT_OBSERVATION } from '../../../src/llm/stats/postgres-sql.js';
import { SqliteRoutingStats } from '../../../src/llm/stats/sqlite.js';
import type { ObservationInput, RoutingStatsStore } from '../../../src/llm/stats/store.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { contract, type StorePlace } from '../../support/backends.js';

const attempt = (callId: string, over: Partial<ObservationInput> = {}): ObservationInput => ({
  tier: 'parse',
  model: 'deepseek-v3.2',
  provider: 'gateway',
  callId,
  at: 1_780_000_000_000,
  outcome: 'ok',
  valid: true,
  latencyMs: 100,
  inputTokens: 10,
  cachedTokens: 0,
  outputTokens: 5,
  costNano: 1000,
  ...over,
});

/** Until the write after the open transaction has either committed or is waiting on a lock. */
async function settled(pg: Postgres, callId = 'early'): Promise<void> {
  const probe = `SELECT (SELECT count(*) FROM routing_observations WHERE call_id = $1)
    + (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock') AS n`;
  for (let i = 0; i < 250; i++) {
    if ((await pg.pool.query<{ n: number }>(probe, [callId])).rows[0]!.n > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the later write neither committed nor waited');
}

const ids = (s: RoutingStatsStore, model = 'deepseek-v3.2') => s.recent('parse', model).map((o) => o.callId);

contract('the routing statistics', (backend) => {
  let place: StorePlace;
  const pools: Postgres[] = [];
  const stores: RoutingStatsStore[] = [];
  /** A replica: its own pool on PostgreSQL, its own handle on llm-routing.sqlite; refresh reads every time. */
  const open = async (): Promise<RoutingStatsStore> => {
    let store: RoutingStatsStore;
    if (place.databaseUrl) {
      const pg = await openPostgres(place.databaseUrl, { max: 3 });
      pools.push(pg);
      store = await PgRoutingStats.open(pg.pool, { refreshMs: 0 });
    } else {
      store = new SqliteRoutingStats(place.dataDir, 0);
    }
    stores.push(store);
    return store;
  };
  /** The store's database lost: its pool ended on PostgreSQL, its handle closed on SQLite. */
  const lose = async (s: RoutingStatsStore) => {
    if (s instanceof SqliteRoutingStats) await s.close();
    else await pools.at(-1)!.pool.end();
  };
  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of pools.splice(0)) await p.pool.end().catch(() => undefined);
    await place.cleanup();
  });

  it('two replicas see each other’s observations after a refresh, each once, and a new replica loads them all in order', async () => {
    const a = await open();
    const b = await open();
    await a.record(attempt('a1'));
    await b.record(attempt('b1', { valid: false }));
    await a.record(attempt('a2', { outcome: 'failed', valid: null }));
    expect(ids(a)).toEqual(['a1', 'a2']); // own writes at once, others' only after a refresh
    await Promise.all([a.refresh(), b.refresh()]);
    await Promise.all([a.refresh(), b.refresh()]); // a second look adds nothing
    expect(ids(a)).toEqual(['a1', 'a2', 'b1']);
    expect(ids(b)).toEqual(['b1', 'a1', 'a2']);
    expect(b.recent('parse', 'deepseek-v3.2').map((o) => [o.outcome, o.valid])).toEqual([
      ['ok', false],
      ['ok', true],
      ['failed', null],
    ]);
    expect(ids(await open())).toEqual(['a1', 'b1', 'a2']);
  });

  it('a council verdict recorded on replica B lands on a call recorded on replica A; unknown and failed calls are refused', async () => {
    const a = await open();
    const b = await open();
    await a.record(attempt('x1'));
    await a.record(attempt('x2'));
    await a.record(attempt('f', { outcome: 'failed', valid: false }));
    await b.refresh();
    expect(await b.recordAgreement('x1', true)).toBe(true);
    expect([await b.recordAgreement('nope', true), await b.recordAgreement('f', true)]).toEqual([false, false]);
    // a council's members as one write; the last verdict of a repeated call wins
    const verdicts = [
      { callId: 'x2', agreed: true },
      { callId: 'nope', agreed: true },
      { callId: 'x2', agreed: false },
    ];
    expect(await b.recordAgreements(verdicts)).toBe(1);
    expect(b.recent('parse', 'deepseek-v3.2').map((o) => o.agreed)).toEqual([true, false, null]);
    await a.refresh();
    expect(a.recent('parse', 'deepseek-v3.2').map((o) => o.agreed)).toEqual([true, false, null]);
    expect((await a.summary())[0]).toMatchObject({ agreementN: 2, agreementRate: 0.5 });
  });

  it('a verdict right after a write not yet awaited finds its call (the router does not wait for its writes)', async () => {
    const a = await open();
    const write = a.record(attempt('quick'));
    expect(await a.recordAgreement('quick', true)).toBe(true);
    await write;
    const b = await open();
    expect(b.recent('parse', 'deepseek-v3.2').map((o) => [o.callId, o.agreed])).toEqual([['quick', true]]);
  });

  it('the totals are the same read from either replica, per tier × model, with the latency quantiles of the answered attempts', async () => {
    const a = await open();
    const b = await open();
    await a.record(attempt('f', { outcome: 'failed', valid: false, latencyMs: 5000 }));
    await b.record(attempt('ok1', { latencyMs: 200, costNano: 3000 }));
    await a.record(attempt('ok2', { valid: null, latencyMs: 400.125, costNano: 5000 }));
    await b.record(attempt('m1', { model: 'mistral-small-3.2', tier: 'parse' }));
    await b.record(attempt('r1', { tier: 'analysis', model: 'zeta' }));
    expect(await b.recordAgreement('ok2', false)).toBe(true);
    const [fromA, fromB] = await Promise.all([a.summary(), b.summary()]);
    expect(fromA).toEqual(fromB);
    expect(fromA.map((r) => [r.tier, r.model, r.calls])).toEqual([
      ['analysis', 'zeta', 1],
      ['parse', 'deepseek-v3.2', 3],
      ['parse', 'mistral-small-3.2', 1],
    ]);
    const row = fromA[1]!;
    expect(row).toMatchObject({ calls: 3, failed: 1, validN: 2, validRate: 0.5, agreementN: 1, agreementRate: 0, latencyP50Ms: 200, latencyP95Ms: 400.13 });
    expect(row.quality).toBeCloseTo(1 / 3, 10);
    expect(row.meanCostUsd).toBeCloseTo(4e-6, 12);
    expect(row.lastAt).toBe(new Date(1_780_000_000_000).toISOString());
  });

  it('a lost store never throws into the router: writes reject (logged), refresh resolves, routing decides on memory', async () => {
    const a = await open();
    await a.record(attempt('kept'));
    await lose(a);
    await expect(a.record(attempt('lost'))).rejects.toBeDefined();
    await expect(a.recordAgreement('kept', true)).rejects.toBeDefined();
    await expect(a.refresh()).resolves.toBeUndefined();
    expect(ids(a)).toEqual(['kept', 'lost']);
    const lines: string[] = [];
    const log = createLogger('warn', {}, (line) => lines.push(line));
    expect(() => observeAnswer(a, log, { ...attempt('via-router'), valid: true })).not.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.join('')).toContain('routing statistics not recorded');
  });

  it.skipIf(backend.name !== 'postgres')('on PostgreSQL: a write lost to the database rejects STORE_UNAVAILABLE', async () => {
    const a = await open();
    await lose(a);
    const err = await a.record(attempt('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('STORE_UNAVAILABLE');
  });

  it.skipIf(backend.name !== 'postgres')(
    'on PostgreSQL: a row that commits late is not skipped — a later writer waits for it, so paging by seq is commit order',
    async () => {
      const a = await open();
      const b = await open();
      const slow = await pools[0]!.pool.connect();
      try {
        await slow.query('BEGIN');
        await slow.query(INSERT_OBSERVATION, ['slow', 1, 'late', 'parse', 'deepseek-v3.2', 'gateway', 'ok', true, 1, 0, 0, 0, 0]);
        const later = a.record(attempt('early'));
        await settled(pools[1]!);
        await b.refresh();
        expect(ids(b)).toEqual([]); // neither is visible: the later write waits on the counter row
        await slow.query('COMMIT');
        await later;
        await b.refresh();
        expect(ids(b)).toEqual(['late', 'early']);
      } finally {
        slow.release();
      }
    },
  );

  it.skipIf(backend.name !== 'postgres')(
    'on PostgreSQL: a verdict waits for this replica’s write of its call, even one held up behind another replica’s',
    async () => {
      const a = await open();
      const slow = await pools[0]!.pool.connect();
      try {
        await slow.query('BEGIN');
        await slow.query(INSERT_OBSERVATION, ['slow', 1, 'other', 'parse', 'deepseek-v3.2', 'gateway', 'ok', true, 1, 0, 0, 0, 0]);
        const write = a.record(attempt('held'));
        await settled(pools[0]!, 'held');
        const verdict = a.recordAgreement('held', true);
        await new Promise((r) => setTimeout(r, 100));
        await slow.query('COMMIT');
        await write;
        expect(await verdict).toBe(true);
      } finally {
        slow.release();
      }
    },
  );

  it.skipIf(backend.name !== 'postgres')(
    'on PostgreSQL: a database that does not answer delays a routing decision by the refresh timeout only, and once known lost not at all',
    async () => {
      const sockets: Socket[] = [];
      const hung: Server = createServer((s) => sockets.push(s)); // accepts, never speaks
      await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
      const port = (hung.address() as { port: number }).port;
      const pool = createPool(`postgres://u@127.0.0.1:${port}/none`, { connectTimeoutMs: 3000 });
      const errors: string[] = [];
      const s = new PgRoutingStats(pool, { refreshMs: 0, refreshTimeoutMs: 300, onError: (m) => errors.push(m) });
      const timed = async () => {
        const t0 = performance.now();
        await s.refresh();
        return performance.now() - t0;
      };
      try {
        expect(await timed()).toBeLessThan(1000); // ~300 ms: the read goes on behind
        expect(s.recent('parse', 'deepseek-v3.2')).toEqual([]);
        await new Promise((r) => setTimeout(r, 3200)); // the read behind ends with the connect timeout
        expect(errors).toEqual(['routing statistics not refreshed; routing on what this replica holds']);
        expect(await timed()).toBeLessThan(150); // known lost: no wait (the next read runs behind), logged once
        expect(errors).toHaveLength(1);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((r) => hung.close(r));
        await pool.end().catch(() => undefined);
      }
    },
    10_000,
  );
});
