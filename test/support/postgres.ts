/**
 * PostgreSQL for the tests: `freshDatabase()` creates a uniquely named database on the cluster of
 * TRADING_MCP_TEST_DATABASE_URL (`.ci/postgres.sh start` prints it) and drops it after the test file.
 * PostgreSQL tests are `describe.skipIf(!PG_TEST_URL)`, so the suite runs its SQLite half alone where no
 * PostgreSQL is available; `.ci/run` always runs both.
 *
 * @example
 *   describe.skipIf(!PG_TEST_URL)('on PostgreSQL', () => {
 *     let db: FreshDatabase;
 *     beforeAll(async () => { db = await freshDatabase(); });
 *     afterAll(() => db.drop());
 *   });
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const PG_TEST_URL = process.env.TRADING_MCP_TEST_DATABASE_URL;

export interface FreshDatabase {
  name: string;
  /** postgres://… of the new database. */
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  if (!PG_TEST_URL) throw new Error('TRADING_MCP_TEST_DATABASE_URL is unset (run .ci/postgres.sh start)');
  const client = new pg.Client({ connectionString: PG_TEST_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(prefix = 't'): Promise<FreshDatabase> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: withDatabase(PG_TEST_URL as string, name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}
