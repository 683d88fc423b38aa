/**
 * The lessons service's contract: what a search takes and returns, what recording returns, the
 * status doctor reads, and the options (cheap to import: types only).
 */
import type { CallReceipt } from '../llm/types.js';
import type { RankMode, ScoreParts } from './rank.js';
import type { EmbedderId, FoundLesson, IndexState } from './store.js';
import type { Lesson, LessonContent, Severity } from './types.js';

export interface SearchParams {
  query: string;
  k: number;
  tags?: string[] | undefined;
  minSeverity?: Severity | undefined;
  /** Drafts (written from losing trades, not yet promoted by a person) are left out unless asked for. */
  includeDrafts?: boolean | undefined;
  /** Tools always use hybrid; the evaluation compares the three. */
  mode?: RankMode;
  /** Severity and recency boosts (default off: the split evaluation did not justify them; rank.ts). */
  boosts?: boolean;
  signal?: AbortSignal;
}

export interface SearchHit {
  lesson: FoundLesson;
  snippet: string;
  score: number;
  parts: ScoreParts;
}

export interface SearchOutcome {
  hits: SearchHit[];
  embedder: EmbedderId;
  receipt: CallReceipt | null;
  /** Why the preferred (gateway) embedder was not used, when it was not. */
  degraded: string | null;
  lessonCount: number;
}

export interface RecordOutcome {
  lesson: Lesson;
  duplicate: boolean;
  embedders: EmbedderId[];
  receipt: CallReceipt | null;
  degraded: string | null;
}

export interface LessonStatus {
  dbPath: string;
  corpusFiles: number;
  corpusErrors: string[];
  ingestion: 'idle' | 'running' | 'done' | 'failed';
  lastIngest: { embedder: string; embedded: number; deleted: number; ms: number; indexes: string[] } | null;
  tables: Array<{ name: string; state: IndexState }>;
  preferred: EmbedderId;
  preferredTable: string;
}

export interface LessonService {
  /** Start (or join) the background ingestion; resolves when every embedder's table is in sync. */
  ingest(): Promise<void>;
  search(params: SearchParams): Promise<SearchOutcome>;
  record(content: LessonContent, signal?: AbortSignal): Promise<RecordOutcome>;
  status(): Promise<LessonStatus>;
}

export interface LessonServiceOptions {
  /** Shipped-lesson directory (default: the package's lessons/); the user's `<data dir>/lessons/` is read beside it. */
  corpusDir?: string;
  /** The corpus itself, instead of reading corpusDir (benchmarks with generated lessons). */
  corpus?: Lesson[];
  dbPath?: string;
}
