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
