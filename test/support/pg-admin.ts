/**
 * The test's own view of a fleet's database: read what the replicas wrote, and take the database away
 * from them (and give it back) the way an outage does — every connection of theirs terminated and new
 * ones refused, while the cluster itself keeps running for everyone else.
 */
import pg from 'pg';
import { PG_TEST_URL } from './postgres.js';

/** Rows of one statement on `url` (a connection of its own, closed afterwards). */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

const onCluster = (text: string, params: unknown[] = []) => sql(PG_TEST_URL as string, text, params);

/** The database refuses new connections and every open one is terminated (the replicas' pools lose theirs). */
export async function loseDatabase(name: string): Promise<void> {
  await onCluster(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
  await onCluster('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
}

/** Connections are accepted again. */
export async function restoreDatabase(name: string): Promise<void> {
  await onCluster(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
}

/** Connections to `name` open right now (the replicas' pools). */
export async function connectionsTo(name: string): Promise<number> {
  const rows = await onCluster('SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
  return Number(rows[0]?.n ?? 0);
}
