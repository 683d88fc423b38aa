/**
 * Entry point of the lessons area. Cheap to import: LanceDB and the embedders load on first use.
 *
 * @example
 *   const lessons = await getLessonStore(deps);
 *   const { hits } = await lessons.search({ query: 'iron condor tested', k: 5 });
 */
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import { LESSONS_DIR } from '../paths.js';
import type { DraftOutcome, LossFacts } from './drafts.js';
import type { LessonLibrary } from './library.js';
import type { LessonService } from './service.js';
import type { LessonFeed } from './shared/feed.js';

export type { LessonService, SearchOutcome, RecordOutcome, LessonStatus } from './service.js';
export type { LibrarySnapshot } from './library.js';
export type { DraftOutcome, LossFacts } from './drafts.js';

/** The user's own lesson files (and drafts from losing trades): `<data dir>/lessons/`. */
export const userLessonsDir = (deps: Pick<Deps, 'dataDir'>): string => join(deps.dataDir, 'lessons');

/**
 * With TRADING_MCP_DATABASE_URL: the catch-up from the shared lesson rows (shared/feed.ts), one per
 * process; null on the local backend (the files and the LanceDB table are the rows).
 */
export const lessonFeedFor = (deps: Deps): Promise<LessonFeed | null> =>
  deps.service('lesson-feed', async (d) => {
    if (!d.config.databaseUrl) return null;
    const [{ LessonFeed }, { openLessonRows }] = await Promise.all([import('./shared/feed.js'), import('./shared/open.js')]);
    return new LessonFeed(await openLessonRows(d));
  });

/**
 * The lesson files (shipped and the user's, plus on PostgreSQL the shared drafts and promotions),
 * re-read when they change: what the gate matches orders against (through `fresh()`).
 */
export const getLessonLibrary = (deps: Deps): Promise<LessonLibrary> =>
  deps.service('lesson-library', async (d) => {
    const { LessonLibrary } = await import('./library.js');
    return new LessonLibrary(LESSONS_DIR, userLessonsDir(d), d.log.child({ area: 'lessons' }), await lessonFeedFor(d));
  });

/**
 * Write the draft lesson of a losing round trip (SPEC §13), once per round trip id: see drafts.ts.
 * @example await writeLossDraft(deps, { roundTripId, symbol, strategy, tags, realizedPnl, holdingMs, ... })
 */
export async function writeLossDraft(deps: Deps, facts: LossFacts, options: { signal?: AbortSignal; now?: Date } = {}): Promise<DraftOutcome> {
  return (await import('./drafts.js')).writeLossDraft(deps, facts, options);
}

/**
 * The lesson store (LanceDB), opened on the first lessons call: search_lessons or record_lesson.
 * Nothing else opens it — the gate and the lesson resources read the files (getLessonLibrary) — so a
 * server that never sees a lessons call never loads LanceDB's native module. Ingestion starts with
 * that first call (a search waits for it only while the table it needs is empty: service.ts).
 */
export const getLessonStore = (deps: Deps): Promise<LessonService> =>
  deps.service('lessons', async (d) => (await import('./service.js')).createLessonService(d));
