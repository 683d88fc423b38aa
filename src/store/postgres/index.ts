/**
 * The shared PostgreSQL of SPEC §16, one per process: the pool from `TRADING_MCP_DATABASE_URL`,
 * reached and migrated on first use (start-up calls `connectPostgres` so an unreachable database stops
 * the server with one line). Stores ask `getPostgres(deps)`; `storeBackend(deps)` says which backend a
 * store opens (unset variable: SQLite under the data dir, exactly as before).
 *
 * @example
 *   if (storeBackend(deps) === 'postgres') return new PgBudgetLedger(await getPostgres(deps), budgets);
 */
import type { Deps } from '../../deps.js';
import { loadComponentMigrations, migrate } from './migrations.js';
import { createPool, query, type PgPool } from './pool.js';
import { redactUrl } from './url.js';

import { storeBackend } from '../backend.js';

export { storeBackend, type StoreBackend } from '../backend.js';

export interface Postgres {
  pool: PgPool;
  /** The URL with its password replaced (for logs and doctor). */
  where: string;
}

/** Open the pool, check the database answers, apply every component's migrations; throws STORE_UNAVAILABLE when unreachable. */
export async function openPostgres(url: string, options: { max?: number; onIdleError?: (m: string) => void } = {}): Promise<Postgres> {
  const pool = createPool(url, options);
  try {
    await query(pool, 'SELECT 1');
    await migrate(pool, await loadComponentMigrations());
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  return { pool, where: redactUrl(url) };
}

export const getPostgres = (deps: Deps): Promise<Postgres> =>
  deps.service('postgres', async (d) => {
    const url = d.config.databaseUrl;
    if (!url) throw new Error('getPostgres without TRADING_MCP_DATABASE_URL');
    const pg = await openPostgres(url, { onIdleError: (m) => d.log.warn('database connection lost (the pool reconnects)', { err: m }) });
    d.onClose(() => pg.pool.end());
    d.log.info('database', { backend: 'postgres', url: pg.where });
    return pg;
  });

/** Connections the advice stores (routing statistics) may hold at once: their own pool, apart from money's. */
export const ADVICE_POOL_MAX = 2;

/**
 * A second, small pool on the same database for writes that are advice, not money (routing statistics:
 * fire-and-forget, one per model attempt): however many are in flight on a slow database, they wait for
 * these connections and never take the ones the ledger's reserves and the gate's INTENT need.
 */
export const getAdvicePostgres = (deps: Deps): Promise<Postgres> =>
  deps.service('postgres-advice', async (d) => {
    const main = await getPostgres(d); // reached and migrated once, by the main pool
    const pool = createPool(d.config.databaseUrl!, {
      max: ADVICE_POOL_MAX,
      onIdleError: (m) => d.log.warn('database connection lost (the advice pool reconnects)', { err: m }),
    });
    d.onClose(() => pool.end());
    return { pool, where: main.where };
  });

/**
 * Start-up: with the variable set, reach and migrate the database now; the one line to exit with when it
 * cannot be reached (no stack, no password), else undefined.
 */
export async function connectPostgres(deps: Deps): Promise<string | undefined> {
  if (storeBackend(deps) !== 'postgres') return undefined;
  try {
    await getPostgres(deps);
    return undefined;
  } catch (err) {
    return `the database at ${redactUrl(deps.config.databaseUrl ?? '')} could not be reached or migrated (${(err as Error).message})`;
  }
}

export { redactUrl };
