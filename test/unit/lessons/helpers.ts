/** In-process lessons service on a fresh temp data dir (no gateway key: offline embedder). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '../../../src/bootstrap.js';
import type { Deps } from '../../../src/deps.js';
import { createLogger } from '../../../src/log.js';
import { createLessonService, type LessonService } from '../../../src/lessons/service.js';

export function lessonDeps(dataDir = mkdtempSync(join(tmpdir(), 'tars-lessons-'))): Deps {
  return bootstrap(
    { 'data-dir': dataDir },
    { PATH: process.env.PATH ?? '' },
    createLogger('warn', {}, () => undefined),
  );
}

export async function offlineLessons(options: { corpusDir?: string; dataDir?: string } = {}): Promise<{ deps: Deps; lessons: LessonService }> {
  const deps = lessonDeps(options.dataDir);
  const lessons = await createLessonService(deps, options.corpusDir ? { corpusDir: options.corpusDir } : {});
  return { deps, lessons };
}

/** A lesson file's text: front matter (id plus the given fields over defaults), a body and a prevention. */
export function lessonText(id: string, front: Record<string, string> = {}, body = 'What happened, and why it went wrong.'): string {
  const fields = { title: `"Lesson ${id}"`, severity: 'high', tags: '[execution]', created: '2025-01-02', ...front };
  const yaml = Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return `---\nid: ${id}\n${yaml}\n---\n${body}\n\n## Prevention\n\nDo the careful thing instead.\n`;
}
