/** doctor: which backend holds the durable records, the database's reachability and the schema version per component. */
import type { DoctorCheck } from '../doctor/types.js';
import { storeBackend } from './backend.js';
import { redactUrl } from './postgres/url.js';

export const storeChecks: DoctorCheck = async (deps) => {
  if (storeBackend(deps) === 'sqlite') return [{ name: 'store backend', status: 'ok', detail: `sqlite under ${deps.dataDir}` }];
  const where = redactUrl(deps.config.databaseUrl ?? '');
  const { getPostgres } = await import('./postgres/index.js');
  const { loadComponentMigrations, schemaVersions } = await import('./postgres/migrations.js');
  try {
    const pg = await getPostgres(deps);
    const [versions, expected] = await Promise.all([schemaVersions(pg.pool), loadComponentMigrations()]);
    const list = Object.entries(versions).map(([c, v]) => `${c} v${v}`);
    // every component this build keeps on the database (one file per component under migrations/), at its latest version
    const behind = expected.filter((c) => (versions[c.component] ?? 0) < c.migrations.length).map((c) => `${c.component} v${c.migrations.length}`);
    return [
      { name: 'store backend', status: 'ok', detail: `postgres at ${where}: reachable` },
      {
        name: 'schema version',
        status: behind.length ? 'fail' : 'ok',
        detail: `${list.length ? list.join(', ') : 'no components migrated'}${behind.length ? `; not migrated yet: ${behind.join(', ')} (restart a server to migrate)` : ''}`,
      },
    ];
  } catch (err) {
    return [{ name: 'store backend', status: 'fail', detail: `postgres at ${where}: unreachable (${(err as Error).message})` }];
  }
};
