/** The lesson rows this process keeps: PostgreSQL when TRADING_MCP_DATABASE_URL is set, else today's files and LanceDB under the data dir. */
import type { Deps } from '../../deps.js';
import { storeBackend } from '../../store/backend.js';
import { userLessonsDir } from '../index.js';
import type { LessonRows } from './types.js';

export const openLessonRows = (deps: Deps): Promise<LessonRows> =>
  deps.service('lesson-rows', async (d) => {
    if (storeBackend(d) === 'postgres') {
      const [{ getPostgres }, { PgLessonRows }] = await Promise.all([import('../../store/postgres/index.js'), import('./postgres.js')]);
      const pg = await getPostgres(d);
      return new PgLessonRows(pg.pool, pg.where);
    }
    const { FileLessonRows } = await import('./files.js');
    return new FileLessonRows(userLessonsDir(d));
  });
