/** doctor: lesson count, block rules and the user's files, embedder in use, ingestion and index state (runs a sync, as the server would). */
import type { Deps } from '../deps.js';
import type { DoctorCheck, DoctorResult } from '../doctor/types.js';
import { getLessonLibrary, getLessonStore, lessonFeedFor, userLessonsDir } from './index.js';

/** The block rules the gate enforces, and any block-bearing file that does not load (every order is refused then). */
async function blockRulesCheck(deps: Deps): Promise<DoctorResult> {
  const snap = await (await getLessonLibrary(deps)).fresh();
  const blocking = snap.errors.filter((e) => e.blocking);
  const rules = snap.lessons.filter((l) => l.block && !l.draft).map((l) => l.id);
  const drafts = snap.lessons.filter((l) => l.draft).length;
  return {
    name: 'block rules',
    status: blocking.length ? 'fail' : 'ok',
    detail: blocking.length
      ? `every order is refused until fixed: ${blocking.map((e) => e.error).join('; ')}`
      : `${rules.length} enforced (${rules.join(', ') || 'none'}); ${snap.files.user} file(s) in ${userLessonsDir(deps)}, ${drafts} draft(s) awaiting review`,
  };
}

export const lessonChecks: DoctorCheck = async (deps) => {
  const lessons = await getLessonStore(deps);
  let ingestError: string | null = null;
  await lessons.ingest().catch((err: unknown) => {
    ingestError = (err as Error).message;
  });
  const status = await lessons.status();
  const feed = await lessonFeedFor(deps);
  const cacheOf = feed ? ` (a cache of the shared lesson rows in ${feed.rows.where})` : '';
  const preferred = `${status.preferred.name}@${status.preferred.version}`;
  const active = status.tables.some((t) => t.name === status.preferredTable);
  return [
    await blockRulesCheck(deps),
    {
      name: 'corpus',
      status: status.corpusErrors.length ? 'warn' : 'ok',
      detail: `${status.corpusFiles} shipped lesson files${status.corpusErrors.length ? `; ${status.corpusErrors.length} skipped: ${status.corpusErrors.join('; ')}` : ''}`,
    },
    {
      name: 'embedder',
      status: 'ok',
      detail: deps.config.gateway.apiKey
        ? `${preferred} (gateway embedding tier; offline local-words kept as fallback)`
        : `${preferred} (offline: feature hashing, no weights, no network)`,
    },
    {
      name: 'lesson store',
      status: ingestError ? 'fail' : 'ok',
      detail: ingestError
        ? `ingestion failed: ${ingestError}`
        : `${status.dbPath}${cacheOf}: ` +
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
