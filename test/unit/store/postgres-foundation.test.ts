import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadComponentMigrations, migrate, schemaVersions, type ComponentMigrations } from '../../../src/store/postgres/migrations.js';
import { createPool, query, withTransaction, type PgPool } from '../../../src/store/postgres/pool.js';
import { openPostgres } from '../../../src/store/postgres/index.js';
import { redactUrl } from '../../../src/store/postgres/url.js';
import { loseDatabase, restoreDatabase } from '../../support/pg-admin.js';
import { freshDatabase, PG_TEST_URL, type FreshDatabase } from '../../support/postgres.js';

describe('database URLs in logs', () => {
  it('hides the password', () => {
    expect(redactUrl('postgres://ann:s3cret@db.example:5432/trading')).toBe('postgres://ann:***@db.example:5432/trading');
    expect(redactUrl('postgres://db/x?password=s3cret')).not.toContain('s3cret');
  });
});

describe('an unreachable database', () => {
  it('is STORE_UNAVAILABLE with no password in the message', async () => {
    const err = await openPostgres('postgres://ann:s3cret@127.0.0.1:1/nowhere').catch((e) => e);
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(err.message).not.toContain('s3cret');
  });
});

const widgets = (versions: number): ComponentMigrations => ({
  component: 'widgets',
  migrations: [
    { version: 1, name: 'table', sql: 'CREATE TABLE widgets (id int PRIMARY KEY)' },
    { version: 2, name: 'column', sql: 'ALTER TABLE widgets ADD COLUMN label text' },
  ].slice(0, versions),
});

const gadgets = (versions: number): ComponentMigrations => ({
  component: 'gadgets',
  migrations: [
    { version: 1, name: 'table', sql: 'CREATE TABLE gadgets (id int PRIMARY KEY)' },
    { version: 2, name: 'column', sql: 'ALTER TABLE gadgets ADD COLUMN label text' },
  ].slice(0, versions),
});

describe.skipIf(!PG_TEST_URL)('PostgreSQL foundation', () => {
  let db: FreshDatabase;
  let pool: PgPool;
  beforeAll(async () => {
    db = await freshDatabase('found');
    pool = createPool(db.url);
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('a statement on a database that refuses connections is STORE_UNAVAILABLE; the same pool works once it is back', async () => {
    const lostDb = await freshDatabase('lost');
    const lostPool = createPool(lostDb.url, { onIdleError: () => undefined });
    try {
      expect(await query(lostPool, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await loseDatabase(lostDb.name); // "database … is not currently accepting connections" (SQLSTATE 55000) on reconnect
      const err = await query(lostPool, 'SELECT 1 AS one').catch((e) => e);
      expect(err.code).toBe('STORE_UNAVAILABLE');
      await restoreDatabase(lostDb.name);
      expect(await query(lostPool, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await lostPool.end();
      await lostDb.drop();
    }
  });

  it('migrates once when several replicas start at once, and again only for new versions', async () => {
    const pools = Array.from({ length: 4 }, () => createPool(db.url, { max: 1 }));
    const applied = await Promise.all(pools.map((p) => migrate(p, [widgets(1)])));
    await Promise.all(pools.map((p) => p.end()));
    expect(applied.map((a) => a.widgets).flat()).toEqual([1]);
    expect(await migrate(pool, [widgets(1)])).toEqual({ widgets: [] });
    expect(await migrate(pool, [widgets(2)])).toEqual({ widgets: [2] });
    expect(await schemaVersions(pool)).toMatchObject({ widgets: 2 });
  });

  it('refuses to start a build older than the schema (a newer replica migrated past it)', async () => {
    await migrate(pool, [gadgets(2)]);
    await expect(migrate(pool, [gadgets(1)])).rejects.toThrow(/gadgets schema is at v2, newer than this build's v1: upgrade this replica/);
    expect(await migrate(pool, [gadgets(2)])).toEqual({ gadgets: [] });
  });

  it('loads each component list from its own file and refuses a gap in the versions', async () => {
    const shipped = await loadComponentMigrations();
    expect(shipped.map((c) => c.component)).toContain('ledger');
    const dir = mkdtempSync(join(tmpdir(), 'migr-'));
    writeFileSync(join(dir, 'bad.js'), "export const component = 'bad'; export const migrations = [{ version: 2, name: 'x', sql: '' }];");
    await expect(loadComponentMigrations(dir)).rejects.toThrow(/version 2 at position 1/);
  });

  it('reruns a transaction that lost a serialization race, so both increments land', async () => {
    await pool.query('CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL); INSERT INTO counter VALUES (1, 0)');
    const bump = () =>
      withTransaction(
        pool,
        async (c) => {
          const { rows } = await c.query<{ n: number }>('SELECT n FROM counter WHERE id = 1');
          await new Promise((r) => setTimeout(r, 20));
          await c.query('UPDATE counter SET n = $1 WHERE id = 1', [(rows[0]?.n ?? 0) + 1]);
        },
        { isolation: 'serializable', retries: 20 },
      );
    await Promise.all([bump(), bump(), bump(), bump()]);
    expect((await pool.query('SELECT n FROM counter')).rows[0].n).toBe(4);
  });
});

describe.skipIf(!PG_TEST_URL)('doctor on PostgreSQL', () => {
  it('lists every component kept on the database at its latest version, and fails when one is not migrated', async () => {
    const { storeChecks } = await import('../../../src/store/doctor.js');
    const { startHarness } = await import('../../support/execution-harness.js');
    const db = await freshDatabase('doctor');
    const h = await startHarness({ databaseUrl: db.url });
    const deps = h.deps;
    try {
      const [backend, schema] = await storeChecks(deps);
      expect(backend).toMatchObject({ status: 'ok' });
      expect(schema).toMatchObject({ name: 'schema version', status: 'ok' });
      // every component shipped in src/store/postgres/migrations/, at its latest version
      const { loadComponentMigrations } = await import('../../../src/store/postgres/migrations.js');
      const shipped = await loadComponentMigrations();
      for (const name of ['approvals', 'arena', 'council', 'gate', 'ledger', 'lessons', 'memory', 'risk', 'routing'])
        expect(shipped.map((c) => c.component)).toContain(name);
      for (const c of shipped) expect(schema!.detail).toContain(`${c.component} v${Math.max(...c.migrations.map((m) => m.version))}`);
      const pool = createPool(db.url);
      await pool.query("DELETE FROM schema_migrations WHERE component = 'council'");
      await pool.end();
      const [, stale] = await storeChecks(deps);
      expect(stale).toMatchObject({ status: 'fail' });
      expect(stale!.detail).toContain('not migrated yet: council v1');
    } finally {
      await h.close();
      await db.drop();
    }
  });
});
