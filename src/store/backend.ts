/**
 * Which backend the stores open: PostgreSQL when `TRADING_MCP_DATABASE_URL` is set, else SQLite under the data dir.
 * Its own module, so asking costs no PostgreSQL driver: `pg` (~0.25 s to import on a loaded machine) loads only
 * when the answer is 'postgres'.
 */
import type { Deps } from '../deps.js';

export type StoreBackend = 'sqlite' | 'postgres';

export function storeBackend(deps: Pick<Deps, 'config'>): StoreBackend {
  return deps.config.databaseUrl ? 'postgres' : 'sqlite';
}
