/**
 * The file lessons a search can take its hits' text from without reading the table: the library (or
 * the given corpus) holds them in memory already. Taken only when the row was built from exactly that
 * lesson (same text hash); otherwise — a recorded lesson, another process's newer files — the caller
 * reads the row (store.ts fetch()).
 */
import type { FoundLesson, LessonCandidate } from './rows.js';
import { type Lesson, textHash } from './types.js';

export class HeldLessons {
  private byId: Map<string, { lesson: Lesson; hash: string }> | null = null;
  private version = -1;

  /** @param source the file lessons as they stand and their library version (re-indexed when it moves) */
  constructor(private readonly source: () => { lessons: readonly Lesson[]; version: number }) {}

  /** The candidate's lesson from memory at the row's text hash, with the row's severity and created time. */
  lookup(c: LessonCandidate): FoundLesson | undefined {
    const { lessons, version } = this.source();
    if (!this.byId || version !== this.version) {
      // Each lesson's hash once per library version, not per hit.
      this.byId = new Map(lessons.map((l) => [l.id, { lesson: l, hash: textHash(l) }]));
      this.version = version;
    }
    const held = this.byId.get(c.id);
    if (!held || held.hash !== c.textHash) return undefined;
    const { id, title, body, prevention, tags, source } = held.lesson;
    return { id, title, body, prevention, severity: c.severity, tags: [...tags], created: c.created, source };
  }
}
