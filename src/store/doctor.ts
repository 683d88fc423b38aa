/** doctor: which backend holds the durable records, the database's reachability and the schema version per component. */
import type { DoctorCheck } from '../doctor/types.js';
import { redactUrl, storeBackend } from './postgres/index.js';

export const storeChecks: DoctorCheck = async (deps) => {
  if (storeBackend(deps) === 'sqlite') return [{ name: 'store backend', status: 'ok', detail: `sqlite under ${deps.dataDir}` }];
  const where = redactUrl(deps.config.databaseUrl ?? '');
  const { getPostgres } = await import('./postgres/index.js');
  const { schemaVersions } = await import('./postgres/migrations.js');
  try {
    const pg = await getPostgres(deps);
    const versions = await schemaVersions(pg.pool);
    const list = Object.entries(versions).map(([c, v]) => `${c} v${v}`);
    return [
      { name: 'store backend', status: 'ok', detail: `postgres at ${where}: reachable` },
      { name: 'schema version', status: 'ok', detail: list.length ? list.join(', ') : 'no components migrated' },
    ];
  } catch (err) {
    return [{ name: 'store backend', status: 'fail', detail: `postgres at ${where}: unreachable (${(err as Error).message})` }];
  }
};
