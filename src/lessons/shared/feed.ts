/**
 * Catch-up from the shared lesson rows (PostgreSQL): one read of the change counter per call, the rows
 * written after this process's cursor only when it moved. The library takes the user texts (drafts and
 * promotions: the gate matches orders against them), the service takes the recorded lessons into its
 * LanceDB cache. Bound: a row committed before a call to `catchUp()` starts is in what that call returns
 * (calls arriving while one runs wait for it and read the counter again: none is answered by a read
 * that began before it was made).
 *
 * @example
 *   await feed.catchUp();
 *   const fresh = feed.takeRecorded();
 */
import type { Lesson } from '../types.js';
import type { LessonRows, UserText } from './types.js';

export class LessonFeed {
  private cursor = 0;
  private tail: Promise<void> = Promise.resolve();
  private next: Promise<void> | null = null;
  private recorded = new Map<string, Lesson>();
  private texts = new Map<string, UserText>();
  /** Bumps whenever the user texts changed. */
  textVersion = 0;
  /** Catch-ups that found the counter unmoved / moved (doctor and the bench read them). */
  readonly counts = { unchanged: 0, fetched: 0 };

  constructor(readonly rows: LessonRows) {}

  catchUp(): Promise<void> {
    if (!this.next) {
      const run: Promise<void> = this.tail
        .catch(() => undefined)
        .then(() => {
          if (this.next === run) this.next = null;
          return this.run();
        });
      this.next = run;
      this.tail = run;
    }
    return this.next;
  }

  private async run(): Promise<void> {
    if ((await this.rows.head()) <= this.cursor) {
      this.counts.unchanged++;
      return;
    }
    const changes = await this.rows.since(this.cursor);
    for (const lesson of changes.recorded) this.recorded.set(lesson.id, lesson);
    for (const text of changes.texts) this.texts.set(text.id, text);
    if (changes.texts.length) this.textVersion++;
    this.cursor = changes.head;
    this.counts.fetched++;
  }

  /** The recorded lessons caught up and not yet taken (each is handed out once; giveBack on failure). */
  takeRecorded(): Lesson[] {
    const out = [...this.recorded.values()];
    this.recorded.clear();
    return out;
  }

  giveBack(lessons: readonly Lesson[]): void {
    for (const lesson of lessons) if (!this.recorded.has(lesson.id)) this.recorded.set(lesson.id, lesson);
  }

  userTexts(): UserText[] {
    return [...this.texts.values()];
  }
}
