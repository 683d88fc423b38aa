/**
 * Versioned, idempotent schema migrations, one ordered list per component (ledger, gate, council,
 * memory, …). Each component's list lives in its own file under `./migrations/` (`<component>.ts`
 * exporting `component` and `migrations`), found by listing that folder: two engineers adding two
 * components never edit one shared list.
 *
 * Applied at start-up under a session advisory lock, so two replicas starting at once migrate once: the
 * second waits for the lock, then finds every version recorded in `schema_migrations` and does nothing.
 * Each version runs in its own transaction with its `schema_migrations` row, so a crash mid-way leaves
 * either the whole version or none of it.
 *
 * @example
 *   // src/store/postgres/migrations/ledger.ts
 *   export const component = 'ledger';
 *   export const migrations: Migration[] = [{ version: 1, name: 'calls and totals', sql: 'CREATE TABLE …' }];
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkout, type PgClient, type PgPool, query, unavailable, isUnavailable } from './pool.js';

export interface Migration {
  /** 1, 2, 3 … in order, never reused or renumbered once shipped. */
  version: number;
  name: string;
  sql: string;
}

export interface ComponentMigrations {
  component: string;
  migrations: Migration[];
}

/** pg_advisory_lock key of the migration step (any constant; "tarsmigr" as ASCII). */
export const MIGRATION_LOCK_KEY = 0x7461_7273_6d69_6772n;

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Every component's list, from the files under ./migrations/ (sorted by component). */
export async function loadComponentMigrations(dir = MIGRATIONS_DIR): Promise<ComponentMigrations[]> {
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')) // .ts: run from source (vitest)
    .sort();
  const out: ComponentMigrations[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Partial<ComponentMigrations>;
    if (typeof mod.component !== 'string' || !Array.isArray(mod.migrations)) continue;
    checkOrder(mod.component, mod.migrations);
    out.push({ component: mod.component, migrations: mod.migrations });
  }
  return out;
}

function checkOrder(component: string, migrations: Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations of ${component}: version ${m.version} at position ${i + 1} (versions are 1, 2, 3 … in order)`);
  });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  component text NOT NULL, version integer NOT NULL, name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`;

/** Apply what is missing of each component's list; returns the versions applied now, per component. */
export async function migrate(pool: PgPool, components: ComponentMigrations[]): Promise<Record<string, number[]>> {
  const client = await checkout(pool);
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      await client.query(CREATE_TABLE);
      const applied: Record<string, number[]> = {};
      for (const c of components) applied[c.component] = await migrateComponent(client, c);
      return applied;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => undefined);
    }
  } catch (err) {
    broken = isUnavailable(err);
    throw broken ? unavailable(err) : err;
  } finally {
    client.release(broken);
  }
}

async function migrateComponent(client: PgClient, c: ComponentMigrations): Promise<number[]> {
  const done = new Set(
    (await client.query<{ version: number }>('SELECT version FROM schema_migrations WHERE component = $1', [c.component])).rows.map((r) => r.version),
  );
  const newest = Math.max(0, ...done);
  if (newest > c.migrations.length)
    // an older build on a newer schema would write rows the newer one's invariants no longer expect
    throw new Error(
      `the database's ${c.component} schema is at v${newest}, newer than this build's v${c.migrations.length}: upgrade this replica (every replica on one database runs one version)`,
    );
  const now: number[] = [];
  for (const m of c.migrations) {
    if (done.has(m.version)) continue;
    try {
      await client.query('BEGIN');
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)', [c.component, m.version, m.name]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isUnavailable(err)) throw err;
      throw new Error(`migration ${c.component} v${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
    }
    now.push(m.version);
  }
  return now;
}

/** The schema version per component as recorded (highest applied), for doctor. */
export async function schemaVersions(pool: PgPool): Promise<Record<string, number>> {
  const rows = await query<{ component: string; version: number }>(
    pool,
    `SELECT component, MAX(version)::int AS version FROM schema_migrations GROUP BY component ORDER BY component`,
  ).catch((err) => {
    if ((err as { code?: string }).code === '42P01') return []; // never migrated
    throw err;
  });
  return Object.fromEntries(rows.map((r) => [r.component, r.version]));
}
