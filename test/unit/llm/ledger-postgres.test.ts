/**
 * The PostgreSQL ledger's transaction shape (src/llm/ledger/postgres.ts): decide runs on totals read
 * without a lock, and ledger_reserve commits the decision only if the totals under the lock are still
 * where it was decided; else decide runs again on those. Here a second connection moves the totals while
 * a reservation waits for the row lock it holds, deterministically.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { LedgerView } from '../../../src/llm/budget.js';
import type { ReserveDecision } from '../../../src/llm/ledger.js';
import { PgLedger } from '../../../src/llm/ledger/postgres.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';

const meta = (callId: string, tier = 'parse') => ({ callId, attempt: 1, tool: 'test', tier });
const usage = (costNano: number) => ({
  modelServed: 'm',
  inputTokens: 1,
  cachedInputTokens: 0,
  outputTokens: 1,
  reasoningTokens: 0,
  costNano,
  latencyMs: 1,
  outcome: 'ok' as const,
});

describe.skipIf(!PG_TEST_URL)('the PostgreSQL ledger: decided without the lock, committed under it', () => {
  let db: FreshDatabase;
  let store: Postgres;
  let other: pg.Client;
  beforeEach(async () => {
    db = await freshDatabase();
    store = await openPostgres(db.url, { max: 4 });
    other = new pg.Client({ connectionString: db.url });
    other.on('error', () => undefined); // the relay cut drops it: an idle client error is expected, not a crash
    await other.connect();
  });
  afterEach(async () => {
    await other.end();
    await store.pool.end();
    await db.drop();
  });

  /** Runs reserve while `other` holds the day row's lock; `move` runs on `other` once decide has seen the first view, then commits. */
  async function reserveWhileMoved(ledger: PgLedger, decide: (v: LedgerView) => ReserveDecision, move: string) {
    const day = (await ledger.view()).day;
    await other.query('BEGIN');
    await other.query(`SELECT 1 FROM llm_totals WHERE period = $1 FOR UPDATE`, [`day:${day}`]);
    let firstSeen!: () => void;
    const seen = new Promise<void>((r) => (firstSeen = r));
    const views: LedgerView[] = [];
    // the outcome is taken at once: the reserve can settle in the same turn as the COMMIT below, before
    // an await on it would be reached, and a refusal then would be an unhandled rejection
    const pending = ledger
      .reserve(meta('moved'), (v) => {
        views.push(v);
        firstSeen();
        return decide(v);
      })
      .then(
        (r) => r,
        (err: unknown) => err,
      );
    await seen;
    await other.query(move, [`day:${day}`]);
    await other.query('COMMIT');
    return { outcome: await pending, views };
  }

  async function ledgerWithRows(budgets = { dailyNano: 1_000, monthlyNano: 100_000 }): Promise<PgLedger> {
    const ledger = await PgLedger.open(store.pool, budgets);
    const r = await ledger.reserve(meta('rows'), () => ({ model: 'm', reserveNano: 1, step: 0, route: 'primary' }));
    await ledger.release(r.rowId, { outcome: 'timeout', latencyMs: 1 });
    return ledger;
  }

  it('a database error that is not a lost connection (here: the reserve function is gone) refuses with STORE_UNAVAILABLE, and nothing is written', async () => {
    const ledger = await ledgerWithRows();
    await other.query('ALTER FUNCTION ledger_reserve RENAME TO ledger_reserve_gone');
    const err = await ledger
      .reserve(meta('broken'), () => ({ model: 'm', reserveNano: 1, step: 0, route: 'primary' }))
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(ToolError);
    expect((err as ToolError).code).toBe('STORE_UNAVAILABLE');
    const { rows } = await other.query("SELECT count(*)::int AS n FROM llm_calls WHERE state = 'reserved'");
    expect(rows[0].n).toBe(0);
  });

  it('totals that moved past the budget meanwhile: decide runs again on them and refuses; nothing is written', async () => {
    const ledger = await ledgerWithRows();
    const { outcome, views } = await reserveWhileMoved(
      ledger,
      (v) => {
        if (v.dayLeftNano < 400) throw new ToolError('BUDGET_EXHAUSTED', 'spent');
        return { model: 'm', reserveNano: 400, step: v.step, route: 'primary' };
      },
      'UPDATE llm_totals SET committed_nano = committed_nano + 700 WHERE period = $1',
    );
    expect(outcome).toMatchObject({ code: 'BUDGET_EXHAUSTED' });
    expect(views.map((v) => v.dayCommittedNano)).toEqual([0, 700]);
    expect((await ledger.view()).dayCommittedNano).toBe(700);
    expect(await ledger.rowsForCall('moved')).toEqual([]);
  });

  it('totals that moved into another downgrade step: decided again at that step', async () => {
    const ledger = await ledgerWithRows();
    const { outcome, views } = await reserveWhileMoved(
      ledger,
      (v) => ({ model: v.step === 0 ? 'primary' : 'cheap', reserveNano: 100, step: v.step, route: 'primary' }),
      'UPDATE llm_totals SET committed_nano = committed_nano + 600 WHERE period = $1',
    );
    expect(views.map((v) => v.step)).toEqual([0, 1]);
    expect(await ledger.rowsForCall('moved')).toMatchObject([{ model_requested: 'cheap', downgrade_step: 1, state: 'reserved' }]);
    expect((await ledger.view()).dayCommittedNano).toBe(700);
    expect(outcome).toMatchObject({ decision: { model: 'cheap' } });
  });

  it('totals that moved within the bounds: the first decision stands (one decide)', async () => {
    const ledger = await ledgerWithRows();
    const { views } = await reserveWhileMoved(
      ledger,
      () => ({ model: 'm', reserveNano: 100, step: 0, route: 'primary' }),
      'UPDATE llm_totals SET committed_nano = committed_nano + 50 WHERE period = $1',
    );
    expect(views).toHaveLength(1);
    expect((await ledger.view()).dayCommittedNano).toBe(150);
  });

  it('a refusal on the totals reused from the last statement is made again on totals read now', async () => {
    const a = await ledgerWithRows();
    const b = await PgLedger.open(store.pool, { dailyNano: 1_000, monthlyNano: 100_000 });
    const r1 = await b.reserve(meta('r1'), () => ({ model: 'm', reserveNano: 600, step: 0, route: 'primary' }));
    const r2 = await b.reserve(meta('r2'), () => ({ model: 'm', reserveNano: 300, step: 1, route: 'primary' }));
    await a.settle(r1.rowId, usage(600)); // a now holds totals of 900
    await b.release(r2.rowId, { outcome: 'timeout', latencyMs: 1 }); // 600 in fact
    const seen: number[] = [];
    const r = await a.reserve(meta('r3'), (v) => {
      seen.push(v.dayCommittedNano);
      if (v.dayLeftNano < 300) throw new ToolError('BUDGET_EXHAUSTED', 'spent');
      return { model: 'm', reserveNano: 300, step: v.step, route: 'primary' };
    });
    expect(seen).toEqual([900, 600]);
    expect(r.decision.reserveNano).toBe(300);
    expect((await a.view()).dayCommittedNano).toBe(900);
  });

  it('the locked transaction (taken after repeated misses) never overshoots either, and settles once', async () => {
    const budgets = { dailyNano: 1_000, monthlyNano: 100_000 };
    const ledgers = [await PgLedger.open(store.pool, budgets, { optimisticAttempts: 0 }), await PgLedger.open(store.pool, budgets)];
    const outcomes = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        ledgers[i % 2]!.reserve(meta(`x${i}`), (v) => {
          if (v.dayLeftNano < 100) throw new ToolError('BUDGET_EXHAUSTED', 'spent');
          return { model: 'm', reserveNano: 100, step: v.step, route: 'primary' };
        }),
      ),
    );
    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(won).toHaveLength(10);
    await Promise.all(won.flatMap((r) => [ledgers[0]!.settle(r.rowId, usage(40)), ledgers[1]!.settle(r.rowId, usage(90))]));
    const settled = (await ledgers[0]!.recent(50)).filter((x) => x.state === 'settled');
    expect(settled).toHaveLength(10);
    expect((await ledgers[0]!.view()).dayCommittedNano).toBe(settled.reduce((sum, x) => sum + x.cost_nano, 0));
  });

  /** A TCP relay to the test cluster that can be cut (every connection dropped, new ones refused) and restored on the same port. */
  async function relay(): Promise<{ url: string; cut: () => Promise<void>; restore: () => Promise<void> }> {
    const target = new URL(db.url);
    const sockets = new Set<Socket>();
    let server: Server | null = null;
    const listen = (port: number) =>
      new Promise<number>((res) => {
        const srv = createServer((client) => {
          const upstream = connect(Number(target.port), target.hostname);
          for (const sock of [client, upstream]) {
            sockets.add(sock);
            sock.on('error', () => undefined);
            sock.on('close', () => sockets.delete(sock));
          }
          client.pipe(upstream).pipe(client);
        });
        server = srv;
        srv.listen(port, '127.0.0.1', () => res((srv.address() as { port: number }).port));
      });
    const port = await listen(0);
    const url = new URL(db.url);
    url.port = String(port);
    const cut = async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((res) => (server ? server.close(() => res()) : res()));
      server = null;
    };
    return { url: url.toString(), cut, restore: async () => void (await listen(port)) };
  }

  it('a database lost mid-run: reserve, settle and release fail closed with STORE_UNAVAILABLE, and work again once it is back', async () => {
    const r = await relay();
    const lossy = await openPostgres(r.url, { max: 2, connectTimeoutMs: 1_000 });
    try {
      const ledger = await PgLedger.open(lossy.pool, { dailyNano: 1_000, monthlyNano: 100_000 });
      const grant = () => ({ model: 'm', reserveNano: 100, step: 0, route: 'primary' });
      const held = await ledger.reserve(meta('before'), grant);
      await r.cut();
      await expect(ledger.reserve(meta('lost'), grant)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(ledger.settle(held.rowId, usage(50))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(ledger.release(held.rowId, { outcome: 'timeout', latencyMs: 1 })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await r.restore();
      expect((await ledger.settle(held.rowId, usage(50))).dayCommittedNano).toBe(50);
      const after = await ledger.reserve(meta('after'), grant);
      expect(after.rowId).toBeGreaterThan(held.rowId);
      expect(await ledger.rowsForCall('lost')).toEqual([]);
    } finally {
      await r.cut();
      await lossy.pool.end();
    }
  });
});
