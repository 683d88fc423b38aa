/**
 * `tars-trading-mcp lessons drafts` and `lessons promote ID`: a person reviews the drafts written
 * from losing trades (Markdown under `<data dir>/lessons/`, editable before promoting) and turns
 * one into a lesson — `draft: true` gives way to `promoted: <time>` in its front matter, comments
 * and layout kept. A running server picks the change up without a restart: the lesson is then
 * searchable without include_drafts and matched to orders at the gate.
 *
 * @example tars-trading-mcp lessons promote loss-3f2a9c0d41e5b6a7c8d9 --data-dir ~/.tars-trading-mcp
 */
import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { Deps } from '../deps.js';
import { parseLessonFile } from './corpus.js';
import { userLessonsDir } from './index.js';
import type { FileLesson } from './types.js';

const FRONT = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/;

/** The user's lesson files that parse, with their text (a broken file is named by the library and doctor, not here). */
function userLessons(dir: string): Array<{ lesson: FileLesson; path: string; text: string }> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.md'));
  } catch {
    return [];
  }
  return names.sort().flatMap((file) => {
    const path = join(dir, file);
    try {
      const text = readFileSync(path, 'utf8');
      return [{ lesson: parseLessonFile(file, text, { origin: 'user' }), path, text }];
    } catch {
      return [];
    }
  });
}

/** Turn the draft `id` into a lesson. Throws with a message for a person when there is no such draft. */
export function promoteLesson(deps: Pick<Deps, 'dataDir'>, id: string, now: Date = new Date()): string {
  const dir = userLessonsDir(deps);
  const found = userLessons(dir).find((u) => u.lesson.id === id);
  if (!found) throw new Error(`no lesson ${id} under ${dir} (list the drafts with: tars-trading-mcp lessons drafts)`);
  if (!found.lesson.draft) return `${id} is already a lesson (${found.path}); nothing to do`;
  const front = FRONT.exec(found.text)!;
  const doc = parseDocument(front[1]!);
  doc.delete('draft');
  doc.set('promoted', now.toISOString());
  const text = `---\n${doc.toString({ lineWidth: 0 }).trimEnd()}\n---\n${found.text.slice(front[0].length)}`;
  const promoted = parseLessonFile(found.lesson.file, text, { origin: 'user' });
  if (promoted.draft) throw new Error(`${found.path}: still a draft after promotion; edit its front matter by hand`);
  const tmp = `${found.path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, found.path);
  return [
    `promoted ${id} "${promoted.title}" (${found.path})`,
    'It is now a lesson: search_lessons finds it without include_drafts, and orders it matches are shown it at the gate.',
  ].join('\n');
}

/** The drafts waiting for a person, newest first. */
export function listDrafts(deps: Pick<Deps, 'dataDir'>): string {
  const dir = userLessonsDir(deps);
  const drafts = userLessons(dir)
    .filter((u) => u.lesson.draft)
    .sort((a, b) => b.lesson.created - a.lesson.created);
  if (!drafts.length) return `no drafts under ${dir}`;
  return [
    `${drafts.length} draft(s) under ${dir} (review, edit, then: tars-trading-mcp lessons promote ID):`,
    ...drafts.map(
      (d) =>
        `  ${d.lesson.id}  ${new Date(d.lesson.created).toISOString().slice(0, 10)}  ${d.lesson.title}  (round trip ${d.lesson.links?.round_trip_id ?? '?'})`,
    ),
  ].join('\n');
}
