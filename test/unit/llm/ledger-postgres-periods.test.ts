/**
 * The PostgreSQL ledger's period rows (src/llm/ledger/postgres.ts): the rows a process created once and
 * cached may vanish under it (the database recreated or truncated mid-run); a reservation then creates
 * them again instead of failing until a restart, and is counted in them.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
});
