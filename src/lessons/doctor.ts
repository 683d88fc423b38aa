/** doctor: lesson count, embedder in use, ingestion and index state (runs a sync, as the server would). */
import type { DoctorCheck } from '../doctor/types.js';
import { getLessonStore } from './index.js';

export const lessonChecks: DoctorCheck = async (deps) => {
  const lessons = await getLessonStore(deps);
  let ingestError: string | null = null;
  await lessons.ingest().catch((err: unknown) => {
    ingestError = (err as Error).message;
  });
  const status = await lessons.status();
  const preferred = `${status.preferred.name}@${status.preferred.version}`;
  const active = status.tables.some((t) => t.name === status.preferredTable);
  return [
    {
      name: 'corpus',
      status: status.corpusErrors.length ? 'warn' : 'ok',
      detail: `${status.corpusFiles} shipped lesson files${status.corpusErrors.length ? `; ${status.corpusErrors.length} skipped: ${status.corpusErrors.join('; ')}` : ''}`,
    },
    {
      name: 'embedder',
      status: 'ok',
      detail: deps.config.gateway.apiKey
        ? `${preferred} (gateway embedding tier; offline local-hash kept as fallback)`
        : `${preferred} (offline: feature hashing, no weights, no network)`,
    },
    {
      name: 'lesson store',
      status: ingestError ? 'fail' : 'ok',
      detail: ingestError
        ? `ingestion failed: ${ingestError}`
        : `${status.dbPath}: ` +
          status.tables
            .map(
              (t) =>
                `${t.name} ${t.state.rows} lessons, full-text ${t.state.fts ? `${t.state.fts.indexed} indexed/${t.state.fts.unindexed} pending` : 'not built'}, vector ${t.state.vector ? `${t.state.vector.type} ${t.state.vector.indexed} indexed` : 'exact (no ANN index below 5000 rows)'}`,
            )
            .join('; ') +
          (active ? '' : ' (preferred embedder table not built yet)'),
    },
  ];
};
