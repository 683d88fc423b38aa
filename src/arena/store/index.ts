/**
 * The process-wide arena store (SPEC §14, §16): PostgreSQL when TRADING_MCP_DATABASE_URL is set (every
 * replica fills the same shadow accounts), else `<dataDir>/arena.sqlite` (loaded on first use only).
 *
 * @example
 *   const store = await getArenaStore(deps);
 *   const r = await store.fill({ model, initialCash, at, source: 'round', ref: roundId, symbol, mid, size });
 */
import { join } from 'node:path';
import type { Deps } from '../../deps.js';
import { ARENA_DB_FILE, type ArenaStore } from './contract.js';

export * from './contract.js';

export const getArenaStore = (deps: Deps): Promise<ArenaStore> =>
  deps.service('arena-store', async (d) => {
    const { storeBackend } = await import('../../store/backend.js');
    if (storeBackend(d) === 'postgres') {
      const [{ getPostgres }, { pgArenaStore }] = await Promise.all([import('../../store/postgres/index.js'), import('./postgres.js')]);
      const pg = await getPostgres(d);
      return pgArenaStore(pg.pool, pg.where);
    }
    const { openArenaStore } = await import('./sqlite.js');
    const store = await openArenaStore(join(d.dataDir, ARENA_DB_FILE));
    d.onClose(() => store.close());
    return store;
  });
