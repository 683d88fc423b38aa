/**
 * The lesson files the server knows: the shipped lessons/ (read once) and the user's own
 * `<data dir>/lessons/*.md` (same format; drafts written from losing trades live there too),
 * re-read whenever a file there is added, removed or changed — no restart. A user file with the
 * id of a shipped lesson replaces it (the way to retune or retire a shipped block rule). The
 * snapshot is cheap when nothing changed: one stat of the directory (a file added, removed or
 * renamed into place shows at once), and a listing with a stat per file at most once a second
 * (an edit in place shows within FULL_SCAN_MS).
 *
 * Load errors are kept with the snapshot; one that concerns a file declaring a block rule (or a
 * directory that cannot be read) is `blocking`: the gate refuses every order until it is fixed.
 *
 * @example
 *   const snap = (await getLessonLibrary(deps)).snapshot();
 *   snap.lessons.filter((l) => l.block && !l.draft)
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { declaresBlock, parseLessonFile, readLessonDir, type LoadError } from './corpus.js';
import type { LessonFeed } from './shared/feed.js';
import type { FileLesson } from './types.js';

export interface LibrarySnapshot {
  /** Bumps whenever the set of lessons (or their files) changed. */
  version: number;
  /** Shipped lessons (less those a user file replaces) and the user's, drafts included. */
  lessons: FileLesson[];
  errors: LoadError[];
  /** Lesson files read from the shipped directory and the user's. */
  files: { shipped: number; user: number };
}

type DirRead = { lessons: FileLesson[]; errors: LoadError[] };

/** An edit in place (no rename) is picked up within this long; adding, removing or renaming a file at once. */
export const FULL_SCAN_MS = 1_000;

export class LessonLibrary {
  private shipped: DirRead | null = null;
  private userStamp: string | null = null;
  private current: LibrarySnapshot | null = null;
  private reported = new Set<string>();
  private dirStamp = '';
  private scannedAt = 0;
  /** The user texts kept as shared rows (PostgreSQL: drafts and promotions), as of feed.textVersion. */
  private shared: DirRead = { lessons: [], errors: [] };
  private sharedVersion = 0;
  private sharedDirty = false;

  constructor(
    readonly shippedDir: string,
    readonly userDir: string,
    private readonly log: Logger,
    /** PostgreSQL: the shared rows to catch up from (null: the files are all there is). */
    readonly feed: LessonFeed | null = null,
  ) {}

  /** snapshot() after catching up the shared rows (one cheap read on PostgreSQL; nothing more on files). */
  async fresh(): Promise<LibrarySnapshot> {
    const feed = this.feed;
    if (feed) {
      await feed.catchUp();
      if (feed.textVersion !== this.sharedVersion) {
        this.sharedVersion = feed.textVersion;
        this.shared = readTexts(feed.userTexts(), feed.rows.where);
        this.sharedDirty = true;
      }
    }
    return this.snapshot();
  }

  /** The lessons as the files stand now (re-read only what changed). */
  snapshot(): LibrarySnapshot {
    this.shipped ??= readDir(this.shippedDir, 'shipped', (f) => f);
    if (this.current && !this.sharedDirty && !this.mayHaveChanged()) return this.current;
    const stamp = this.stampOfUserDir();
    if (this.current && !this.sharedDirty && stamp === this.userStamp) return this.current;
    const user: DirRead = stamp === 'absent' ? { lessons: [], errors: [] } : readDir(this.userDir, 'user', (f) => join(this.userDir, f));
    this.userStamp = stamp;
    this.sharedDirty = false;
    const withShared: DirRead = { lessons: [...user.lessons, ...this.shared.lessons], errors: [...user.errors, ...this.shared.errors] };
    this.current = { ...merge(this.shipped, withShared), version: (this.current?.version ?? 0) + 1 };
    this.reportErrors(this.current.errors);
    return this.current;
  }

  /**
   * One stat per call: a file added, removed or renamed into place changes the directory's mtime
   * at once; an edit in place is seen by the full scan at most FULL_SCAN_MS later.
   */
  private mayHaveChanged(): boolean {
    const now = Date.now();
    let dirStamp: string;
    try {
      // no user directory is the common case: answered without an exception (a thrown ENOENT cost ~50 µs a call)
      const st = statSync(this.userDir, { throwIfNoEntry: false });
      dirStamp = st ? `${st.mtimeMs}:${st.ino}` : 'ENOENT';
    } catch (err) {
      dirStamp = (err as NodeJS.ErrnoException).code ?? 'error';
    }
    if (dirStamp === this.dirStamp && now - this.scannedAt < FULL_SCAN_MS) return false;
    this.dirStamp = dirStamp;
    this.scannedAt = now;
    return true;
  }

  /** Names, sizes and modification times of the user's lesson files: any edit changes it. */
  private stampOfUserDir(): string {
    let names: string[];
    try {
      names = readdirSync(this.userDir).filter((f) => f.endsWith('.md'));
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : `unreadable:${(err as Error).message}`;
    }
    names.sort();
    const parts: string[] = [];
    for (const name of names) {
      try {
        const st = statSync(join(this.userDir, name));
        parts.push(`${name}:${st.mtimeMs}:${st.size}`);
      } catch {
        parts.push(`${name}:gone`);
      }
    }
    return parts.join('|');
  }

  private reportErrors(errors: LoadError[]): void {
    const now = new Set(errors.map((e) => e.error));
    for (const e of errors) {
      if (this.reported.has(e.error)) continue;
      if (e.blocking)
        this.log.error('lesson file with a block rule cannot be read: every order is refused until it is fixed', { file: e.file, error: e.error });
      else this.log.warn('lesson file skipped', { file: e.file, error: e.error });
    }
    this.reported = now;
  }
}

function readDir(dir: string, origin: FileLesson['origin'], label: (file: string) => string): DirRead {
  try {
    return readLessonDir(dir, origin, label);
  } catch (err) {
    // A lesson directory we cannot list may hold block rules: fail closed.
    return { lessons: [], errors: [{ file: dir, error: `cannot read ${dir}: ${(err as Error).message}`, blocking: true }] };
  }
}

/** Lesson texts kept as rows, parsed as the user's files are (a row that does not parse is reported like a file). */
function readTexts(texts: ReadonlyArray<{ id: string; markdown: string }>, where: string): DirRead {
  const out: DirRead = { lessons: [], errors: [] };
  for (const t of texts) {
    const label = `${where}#lesson_rows/${t.id}`;
    try {
      out.lessons.push(parseLessonFile(`${t.id}.md`, t.markdown, { origin: 'user', label }));
    } catch (err) {
      out.errors.push({ file: label, error: (err as Error).message, blocking: declaresBlock(t.markdown) });
    }
  }
  return out;
}

/** Shipped lessons by id, a user file of the same id in their place; a draft never replaces one. */
function merge(shipped: DirRead, user: DirRead): Omit<LibrarySnapshot, 'version'> {
  const errors = [...shipped.errors, ...user.errors];
  const byId = new Map(shipped.lessons.map((l) => [l.id, l]));
  const shippedIds = new Set(byId.keys());
  for (const lesson of user.lessons) {
    if (lesson.draft && shippedIds.has(lesson.id)) {
      errors.push({ file: lesson.file, error: `${lesson.file}: a draft may not reuse the shipped lesson id ${lesson.id}`, blocking: lesson.block !== null });
      continue;
    }
    byId.set(lesson.id, lesson);
  }
  return { lessons: [...byId.values()], errors, files: { shipped: shipped.lessons.length, user: user.lessons.length } };
}
