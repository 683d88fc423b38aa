/**
 * Entry point of the lessons area. Cheap to import: LanceDB and the embedders load on first use.
 *
 * @example
 *   const lessons = await getLessonStore(deps);
 *   const { hits } = await lessons.search({ query: 'iron condor tested', k: 5 });
 */
import type { Deps } from '../deps.js';
import type { LessonService } from './service.js';

export type { LessonService, SearchOutcome, RecordOutcome, LessonStatus } from './service.js';

export const getLessonStore = (deps: Deps): Promise<LessonService> =>
  deps.service('lessons', async (d) => (await import('./service.js')).createLessonService(d));

/** Delay before the start-up ingestion begins, so the first requests after connect never compete with it. */
export const INGEST_DELAY_MS = 400;

/**
 * Ingest the shipped lessons in the background once the server is connected (when the profile
 * has a lessons tool). Never throws; a failure is logged and the next search retries.
 */
export function scheduleLessonIngestion(deps: Deps, delayMs = INGEST_DELAY_MS): void {
  if (!deps.profile.tools.some((t) => t === 'search_lessons' || t === 'record_lesson')) return;
  const timer = setTimeout(() => {
    getLessonStore(deps)
      .then((lessons) => lessons.ingest())
      .catch((err: unknown) => deps.log.warn('background lesson ingestion failed', { err: (err as Error).message }));
  }, delayMs);
  timer.unref();
}
