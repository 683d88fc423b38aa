/**
 * The process-wide trade memory store (contract.ts): PostgreSQL when TRADING_MCP_DATABASE_URL is set
 * (postgres.ts, shared by every replica), else `<dataDir>/memory.sqlite` (sqlite.ts); each loaded on
 * first use only.
 *
 * @example const store = await memoryStore(deps); await store.addFills(account, fills, { from, to }, new Date());
 */
import type { Deps } from '../../deps.js';
import type { MemoryStore } from './contract.js';

export type * from './contract.js';

export function memoryStore(deps: Deps): Promise<MemoryStore> {
  return deps.service('memory.store', async (d) => {
    const { storeBackend } = await import('../../store/backend.js');
    if (storeBackend(d) === 'postgres') {
      const [{ getPostgres }, { openPgMemoryStore }] = await Promise.all([import('../../store/postgres/index.js'), import('./postgres.js')]);
      const pg = await getPostgres(d);
      return openPgMemoryStore(pg.pool, pg.where);
    }
    const { SqliteMemory } = await import('./sqlite.js');
    const db = await SqliteMemory.open(d.dataDir);
    d.onClose(() => db.close());
    return db.asStore();
  });
}
