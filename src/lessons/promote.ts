/**
 * `tars-trading-mcp lessons drafts` and `lessons promote ID`: a person reviews the drafts written
 * from losing trades (Markdown under `<data dir>/lessons/`, editable before promoting; with
 * TRADING_MCP_DATABASE_URL rows of the shared database) and turns one into a lesson — `draft: true`
 * gives way to `promoted: <time>` in its front matter, comments and layout kept. A running server
 * picks the change up without a restart (every replica, on PostgreSQL): the lesson is then searchable
 * without include_drafts and matched to orders at the gate.
 *
 * @example tars-trading-mcp lessons promote loss-3f2a9c0d41e5b6a7c8d9 --data-dir ~/.tars-trading-mcp
 */
import { parseDocument } from 'yaml';
import type { Deps } from '../deps.js';
import { parseLessonFile } from './corpus.js';
import { openLessonRows } from './shared/open.js';
import type { LessonRows } from './shared/types.js';
import type { FileLesson } from './types.js';

const FRONT = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/;

/** The stored lesson texts that parse (a broken one is named by the library and doctor, not here). */
async function userLessons(rows: LessonRows): Promise<Array<{ lesson: FileLesson; path: string; text: string }>> {
  return (await rows.texts()).flatMap((t) => {
    try {
      return [{ lesson: parseLessonFile(`${t.id}.md`, t.markdown, { origin: 'user' }), path: t.where, text: t.markdown }];
    } catch {
      return [];
    }
  });
}

/** A draft's text with `draft` dropped and `promoted` set, the rest as it was. */
export function promotedText(text: string, now: Date): string {
  const front = FRONT.exec(text)!;
  const doc = parseDocument(front[1]!);
  doc.delete('draft');
  doc.set('promoted', now.toISOString());
  return `---\n${doc.toString({ lineWidth: 0 }).trimEnd()}\n---\n${text.slice(front[0].length)}`;
}

/** Turn the draft `id` into a lesson. Throws with a message for a person when there is no such draft. */
export async function promoteLesson(deps: Deps, id: string, now: Date = new Date()): Promise<string> {
  const rows = await openLessonRows(deps);
  const found = (await userLessons(rows)).find((u) => u.lesson.id === id);
  if (!found) throw new Error(`no lesson ${id} in ${rows.where} (list the drafts with: tars-trading-mcp lessons drafts)`);
  if (!found.lesson.draft) return `${id} is already a lesson (${found.path}); nothing to do`;
  const text = promotedText(found.text, now);
  const promoted = parseLessonFile(found.lesson.file, text, { origin: 'user' });
  if (promoted.draft) throw new Error(`${found.path}: still a draft after promotion; edit its front matter by hand`);
  await rows.replaceText(id, text);
  return [
    `promoted ${id} "${promoted.title}" (${found.path})`,
    'It is now a lesson: search_lessons finds it without include_drafts, and orders it matches are shown it at the gate.',
  ].join('\n');
}

/** The drafts waiting for a person, newest first. */
export async function listDrafts(deps: Deps): Promise<string> {
  const rows = await openLessonRows(deps);
  const drafts = (await userLessons(rows)).filter((u) => u.lesson.draft).sort((a, b) => b.lesson.created - a.lesson.created);
  if (!drafts.length) return `no drafts in ${rows.where}`;
  return [
    `${drafts.length} draft(s) in ${rows.where} (review, edit, then: tars-trading-mcp lessons promote ID):`,
    ...drafts.map(
      (d) =>
        `  ${d.lesson.id}  ${new Date(d.lesson.created).toISOString().slice(0, 10)}  ${d.lesson.title}  (round trip ${d.lesson.links?.round_trip_id ?? '?'})`,
    ),
  ].join('\n');
}
