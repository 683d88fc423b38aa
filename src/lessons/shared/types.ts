/**
 * The lessons' own rows, behind one async seam (SPEC §16): what record_lesson stores, the drafts
 * written from losing trades with their one-per-round-trip claim, and their promotion. Two homes,
 * chosen by TRADING_MCP_DATABASE_URL (open.ts):
 *
 * - local (files.ts, the default): exactly today's places — a recorded lesson's row IS its row in the
 *   data dir's LanceDB table, drafts are Markdown files under `<data dir>/lessons/` with claim files
 *   under `lessons/.drafts/`. Nothing to catch up from (`head()` stays 0).
 * - PostgreSQL (postgres.ts): the rows live in the database, shared by every replica; each replica's
 *   LanceDB table is a local cache caught up from them (feed.ts) before each search.
 *
 * Shipped lessons are files in the package on both and never have rows here.
 */
import type { Lesson } from '../types.js';

/** A lesson file's text kept as a row (a draft, or a promoted one): what the library parses like a file. */
export interface UserText {
  id: string;
  markdown: string;
}

/** What changed after a cursor: recorded lessons and user texts (drafts, promotions), and the new cursor. */
export interface LessonChanges {
  recorded: Lesson[];
  texts: UserText[];
  head: number;
}

export interface LessonRows {
  readonly backend: 'local' | 'postgres';
  /** For people: the folder or the (password-masked) database the rows live in. */
  readonly where: string;
  /**
   * Store a recorded lesson unless one of the same content hash is stored: the stored one comes back
   * (`duplicate`). Local: LanceDB is the row store (the service dedups there), so it is taken as new.
   */
  record(lesson: Lesson): Promise<{ lesson: Lesson; duplicate: boolean }>;
  /**
   * Share recorded lessons this replica held before the rows did (a data dir that predates the
   * database): those whose id and content hash are both new are stored; returns how many.
   */
  carryOver(lessons: readonly Lesson[]): Promise<number>;
  /** The change counter: grows with every write of a row (one cheap read). */
  head(): Promise<number>;
  /** The rows written after `cursor` (a cursor of 0: all of them). */
  since(cursor: number): Promise<LessonChanges>;
  /** Where the text of this id is (or would be) kept, for people: a file path or a database row. */
  locationOf(id: string): string;
  /** Whether a draft (or the lesson promoted from it) of this id is stored. */
  hasText(id: string): Promise<boolean>;
  /** Take the one claim of a draft id; false when another call holds it (younger than staleMs) or wrote it. */
  claimDraft(id: string, roundTripId: string, staleMs: number): Promise<boolean>;
  /** Store the draft's text and mark its claim written. */
  saveDraft(id: string, roundTripId: string, markdown: string): Promise<string>;
  /** Give a pending claim back (nothing was written: the next call may try again). */
  releaseDraft(id: string): Promise<void>;
  /** Every stored lesson text (drafts and promoted ones) that may be promoted or listed. */
  texts(): Promise<Array<UserText & { where: string }>>;
  /** Replace a stored text (a promotion); the change counter moves, so every replica sees it. */
  replaceText(id: string, markdown: string): Promise<void>;
  close(): Promise<void>;
}
