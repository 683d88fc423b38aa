/**
 * The PostgreSQL connection pool (node-postgres) and the transaction helper every PostgreSQL store uses.
 *
 * node-postgres, not `postgres` (porsager): it is the kept, most widely deployed client, its Pool
 * reconnects on its own after the server comes back (each checkout opens a fresh connection when the
 * idle ones died), and its errors carry the SQLSTATE we retry on. No ORM: each store is a few statements.
 *
 * A database lost mid-run fails closed: a query throws (ECONNREFUSED, 57P01 …), the store turns that into
 * ToolError STORE_UNAVAILABLE, nothing that needs the store proceeds; the pool connects again on the next
 * checkout once the server is back.
 *
 * @example
 *   const row = await withTransaction(pool, async (c) => (await c.query('SELECT 1 AS one')).rows[0], { isolation: 'serializable' });
 */
import pg from 'pg';
import { ToolError } from '../../errors.js';
import { redactIn, redactUrl } from './url.js';

export type PgPool = pg.Pool;
export type PgClient = pg.PoolClient;

export interface PoolOptions {
  /** Connections at most (default 10). */
  max?: number;
  /** How long a checkout waits for a connection before failing (default 5 s). */
  connectTimeoutMs?: number;
  /** Where an idle connection's error goes (the server dropped it); the pool replaces it on the next checkout. */
  onIdleError?: (message: string) => void;
}

/** int8 (COUNT, SUM, bigserial, nano-dollar amounts) as a JS number: every value we store is far below 2^53. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export function createPool(url: string, options: PoolOptions = {}): PgPool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    // a statement never hangs a tool call: the gate and the ledger answer or fail within this
    statement_timeout: 15_000,
    application_name: 'tars-trading-mcp',
    types,
  });
  // without a listener an idle connection killed by the server (restart, failover) crashes the process
  pool.on('error', (err) => options.onIdleError?.(redactIn(err.message, url)));
  return pool;
}

/** SQLSTATEs a transaction is retried on: serialization failure and deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
/** Connection-level failures: the database is unreachable or went away (class 08, admin shutdown, cannot connect now). */
const UNAVAILABLE = /^(08|57P0[1-3])/;
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);
/**
 * Refused at connect by a server that is up: too many connections, the database gone or closed to
 * connections (ALLOW_CONNECTIONS false, a restore in progress), the login refused. A store whose
 * statement meets one of these cannot answer, exactly like a server that is down.
 */
const REFUSED_AT_CONNECT = new Set(['53300', '3D000', '55000', '28000', '28P01']);

export function isRetryable(err: unknown): boolean {
  return RETRYABLE.has((err as { code?: string }).code ?? '');
}

export function isUnavailable(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  if (NETWORK.has(code) || UNAVAILABLE.test(code) || REFUSED_AT_CONNECT.has(code)) return true;
  const msg = (err as Error).message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(msg);
}

export interface TransactionOptions {
  /** Default READ COMMITTED, whatever the server's default_transaction_isolation: the stores' row-lock designs rely on it. */
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Further attempts after a serialization failure or deadlock (default 8). */
  retries?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * BEGIN (at the isolation asked) → fn → COMMIT; ROLLBACK on any error. A serialization failure or a
 * deadlock reruns fn from the start after a jittered, growing backoff (so fn must be safe to rerun: it
 * only talks to the database). A lost connection becomes ToolError STORE_UNAVAILABLE (fail closed).
 */
export async function withTransaction<T>(pool: PgPool, fn: (client: PgClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const retries = options.retries ?? 8;
  const begin = `BEGIN ISOLATION LEVEL ${(options.isolation ?? 'read committed').toUpperCase()}`;
  for (let attempt = 0; ; attempt++) {
    const client = await checkout(pool);
    let broken = false;
    try {
      await client.query(begin);
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      broken = isUnavailable(err);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      if (isRetryable(err) && attempt < retries) {
        await sleep(Math.random() * Math.min(100, 2 ** attempt * 2));
        continue;
      }
      throw broken ? unavailable(err) : err;
    } finally {
      client.release(broken);
    }
  }
}

/** Clients that already carry our error listener (the pool reuses them). */
const listened = new WeakSet<PgClient>();

/**
 * A pooled connection, or STORE_UNAVAILABLE when the database cannot be reached. The pool listens for
 * errors only while a client is idle: a connection the server drops while a client is checked out but
 * between statements emits `error` on the client, which would crash the process without a listener. Ours
 * swallows the event; the client's next statement then fails "not queryable", which isUnavailable counts,
 * so the caller gets STORE_UNAVAILABLE and the client is released as broken.
 */
export async function checkout(pool: PgPool): Promise<PgClient> {
  let client: PgClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw unavailable(err);
  }
  if (!listened.has(client)) {
    listened.add(client);
    client.on('error', () => undefined);
  }
  return client;
}

/** A statement by its text, or a named one (prepared once per connection, then only bound and run). */
export type Sql = string | { name: string; text: string };

/**
 * One statement outside a transaction, on a connection of its own checkout: a database that cannot be
 * reached (whatever the error says: refused, "not currently accepting connections", a timeout) or that
 * drops the connection mid-statement becomes STORE_UNAVAILABLE.
 */
export async function queryResult<R extends pg.QueryResultRow = pg.QueryResultRow>(pool: PgPool, sql: Sql, params: unknown[] = []): Promise<pg.QueryResult<R>> {
  const client = await checkout(pool);
  let broken = false;
  try {
    return await client.query<R>(typeof sql === 'string' ? { text: sql, values: params } : { ...sql, values: params });
  } catch (err) {
    broken = isUnavailable(err);
    throw broken ? unavailable(err) : err;
  } finally {
    client.release(broken);
  }
}

/** The rows of one statement outside a transaction (queryResult). */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(pool: PgPool, sql: Sql, params: unknown[] = []): Promise<R[]> {
  return (await queryResult<R>(pool, sql, params)).rows;
}

/**
 * One statement that is its own transaction (e.g. a function call), rerun after a serialization failure
 * or a deadlock like withTransaction's body: a failed statement changed nothing.
 */
export async function statement<R extends pg.QueryResultRow = pg.QueryResultRow>(pool: PgPool, sql: Sql, params: unknown[], retries = 8): Promise<R[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await query<R>(pool, sql, params);
    } catch (err) {
      if (!isRetryable(err) || attempt >= retries) throw err;
      await sleep(Math.random() * Math.min(100, 2 ** attempt * 2));
    }
  }
}

export function unavailable(err: unknown): ToolError {
  if (err instanceof ToolError) return err;
  // node-postgres' connection errors name the host and port, never the connection string
  const message = (err as Error).message ?? String(err);
  return new ToolError('STORE_UNAVAILABLE', `the database is unreachable: ${message}`, {
    reason: (err as { code?: string }).code ?? 'connection_error',
  });
}

export { redactUrl };
