/**
 * The PostgreSQL ledger's period rows (src/llm/ledger/postgres.ts): the rows a process created once and
 * cached may vanish under it (the database recreated or truncated mid-run); a reservation then creates
 * them again instead of failing until a restart, and is counted in them. And the critical tier's hourly
 * confirmation count is serialised by one row even when the hour spans New York's midnight at a month's end.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import type { LedgerView } from '../../../src/llm/budget.js';
import { PgLedger } from '../../../src/llm/ledger/postgres.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';

const meta = (callId: string, tier = 'parse') => ({ callId, attempt: 1, tool: 'test', tier });
const grant = () => ({ model: 'm', reserveNano: 100, step: 0, route: 'primary' });
const budgets = { dailyNano: 1_000, monthlyNano: 100_000 };

describe.skipIf(!PG_TEST_URL)('the PostgreSQL ledger: period rows', () => {
  let db: FreshDatabase;
  let store: Postgres;
  let other: pg.Client;
  beforeEach(async () => {
    db = await freshDatabase();
    store = await openPostgres(db.url, { max: 4 });
    other = new pg.Client({ connectionString: db.url });
    other.on('error', () => undefined);
    await other.connect();
  });
  afterEach(async () => {
    await other.end();
    await store.pool.end();
    await db.drop();
  });

  for (const optimisticAttempts of [4, 0]) {
    it(`rows truncated mid-run are created again and the reservation counted in them (${optimisticAttempts ? 'one statement' : 'locked transaction'})`, async () => {
      const ledger = await PgLedger.open(store.pool, budgets, { optimisticAttempts });
      await ledger.reserve(meta('before', 'critical'), grant);
      await other.query('TRUNCATE llm_totals, llm_calls');
      const after = await ledger.reserve(meta('after', 'critical'), grant);
      expect(after.rowId).toBeGreaterThan(0);
      const view = await ledger.view();
      expect([view.dayCommittedNano, view.monthCommittedNano, view.critical.committedNano]).toEqual([100, 100, 100]);
      // a second one needs no retry
      await ledger.reserve(meta('again'), grant);
      expect((await ledger.view()).dayCommittedNano).toBe(200);
    });
  }

  /** Poll until `probe` answers a row (a lock wait seen in pg_locks). */
  async function until(sql: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if ((await other.query(sql)).rowCount) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`never seen: ${sql}`);
  }

  it('one confirmation left in an hour spanning midnight at a month end: replicas on either side of it take it once', async () => {
    // 23:30 in New York on the month's last day (04:30 UTC the next day), and 00:10 there the next day, 40 min later
    const before = () => new Date('2026-12-01T04:30:00Z');
    const after = () => new Date('2026-12-01T05:10:00Z');
    const oneAnHour = (v: LedgerView) => {
      if (v.critical.confirmationsLastHour >= 1) throw new ToolError('BUDGET_EXHAUSTED', 'one confirmation an hour');
      return grant();
    };
    const late = await PgLedger.open(store.pool, budgets, { now: before, optimisticAttempts: 0 });
    const early = await PgLedger.open(store.pool, budgets, { now: after });
    expect([(await late.view()).month, (await early.view()).month]).toEqual(['2026-11', '2026-12']);
    // the late replica's call row waits (a trigger on an advisory lock held here) after it counted the hour, before it commits
    await other.query('SELECT pg_advisory_lock(4242)');
    await other.query(`CREATE FUNCTION hold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
      IF NEW.call_id = 'late' THEN PERFORM pg_advisory_xact_lock_shared(4242); END IF; RETURN NEW; END $$`);
    await other.query('CREATE TRIGGER hold BEFORE INSERT ON llm_calls FOR EACH ROW EXECUTE FUNCTION hold()');
    const first = late.reserve(meta('late', 'critical'), oneAnHour).then(
      (r) => r,
      (e: unknown) => e,
    );
    await until("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted");
    const second = early.reserve(meta('early', 'critical'), oneAnHour).then(
      (r) => r,
      (e: unknown) => e,
    );
    // the early one either waits for the late one's lock, or (the bug) commits past it
    const settled = await Promise.race([
      second.then(() => true),
      until("SELECT 1 FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted").then(() => false),
    ]);
    await other.query('SELECT pg_advisory_unlock(4242)');
    const outcomes = [await first, await second];
    expect(settled).toBe(false);
    expect(outcomes.filter((o) => o instanceof ToolError).map((o) => (o as ToolError).code)).toEqual(['BUDGET_EXHAUSTED']);
    const sent = await other.query("SELECT call_id FROM llm_calls WHERE tier = 'critical' AND state <> 'refused'");
    expect(sent.rows.map((r) => r.call_id)).toEqual(['late']);
  });
});
