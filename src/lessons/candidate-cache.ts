/**
 * The candidates of a lesson table's rows (id, severity, created, text hash, pieces: its card), held by
 * LanceDB row id, so a search reads only row ids and scores from the table and takes the rest from
 * memory: reading the columns cost more than the search itself (at 10k rows, a vector query with
 * them 5.2 ms at p50, with row ids alone 1.6 ms; full-text 4.5 / 1.1 ms; even one short text-hash
 * column to check each row against added 0.8 ms to the two queries in parallel).
 *
 * Exact, never stale: the cache holds the rows of ONE snapshot — the dataset in the table's
 * directory (its inode and birth time: a table dropped and recreated restarts its ids and versions)
 * and the table version — and is emptied when a search reads another (candidate-reads.ts: the label
 * is read before a search's queries, the snapshot after them). Every write makes a new version,
 * whatever it does to row ids: an overwrite keeps the directory and restarts fragment ids, so the
 * same row id names another row (a restore, a compaction or a delete of every row does not restart
 * them). Writes are rare next to searches (a recorded lesson, an edited file, a replica's catch-up);
 * a table small enough is read whole again. Row ids the cache lacks are read from the table in one
 * take; the caller re-reads the queries with their columns if one is gone or the snapshot moved.
 *
 * @example
 *   const cache = new CandidateCache();
 *   const found = await cache.resolve(rows.map((r) => r._rowid), takeColumns); // null: re-read; hold found.taken only once its snapshot is known
 */
import { statSync } from 'node:fs';
import { type CandidateRow, type LessonCandidate, toCandidate } from './rows.js';

/**
 * Rows held at most (the oldest go first). The offline table's rows are ~1.6 kB each with their
 * pieces, so 40,000 rows hold ~70 MB; a table of up to this many rows is loaded whole at its first search.
 */
export const CANDIDATE_CACHE_MAX = 40_000;

/** Which dataset a table directory holds: its inode and birth time (null: no such directory, or no birth time to tell). */
export function datasetIdentity(dir: string): string | null {
  try {
    const st = statSync(dir, { bigint: true });
    return st.birthtimeNs > 0n ? `${st.dev}:${st.ino}:${st.birthtimeNs}` : null;
  } catch {
    return null;
  }
}

export class CandidateCache {
  private readonly byRowId = new Map<bigint, LessonCandidate>();
  /** The snapshot (dataset and version, candidate-reads.ts) whose rows the cache holds. */
  dataset: string | null = null;

  constructor(readonly max = CANDIDATE_CACHE_MAX) {}

  get size(): number {
    return this.byRowId.size;
  }

  /** Empty, for the rows of this snapshot. */
  reset(dataset: string | null): void {
    this.byRowId.clear();
    this.dataset = dataset;
  }

  /** Hold rows read with the candidate columns and their row ids. */
  fill(rows: readonly CandidateRow[]): void {
    for (const row of rows) {
      // A copy of the pieces: a view would keep the whole Arrow batch it came in alive.
      const c = toCandidate(row);
      c.pieces = c.pieces ? c.pieces.slice() : null;
      this.byRowId.delete(c.rowId);
      this.byRowId.set(c.rowId, c);
    }
    for (const oldest of this.byRowId.keys()) {
      if (this.byRowId.size <= this.max) break;
      this.byRowId.delete(oldest);
    }
  }

  /**
   * The candidates of these row ids, in their order: from memory, the missing ones read by `take`
   * (the candidate columns and `_rowid`). Null when `take` fails or misses a row id (a compaction
   * moved the rows since the query was answered). The rows taken are NOT held: the caller holds
   * them (fill) once it knows they are of the cache's snapshot — a take that finishes late may have
   * read an older one than a parallel search has since emptied the cache for.
   */
  async resolve(
    rowIds: readonly bigint[],
    take: (ids: bigint[]) => Promise<CandidateRow[]>,
  ): Promise<{ candidates: LessonCandidate[]; taken: CandidateRow[] } | null> {
    const held = rowIds.map((id) => this.byRowId.get(id));
    const missing = rowIds.filter((_, i) => !held[i]);
    if (!missing.length) return { candidates: held as LessonCandidate[], taken: [] };
    const rows = await take(missing).catch(() => null);
    if (!rows) return null;
    const read = new Map(rows.map((r) => [BigInt(r._rowid), r]));
    if (missing.some((id) => !read.has(id))) return null;
    return { candidates: rowIds.map((id, i) => held[i] ?? toCandidate(read.get(id)!)), taken: rows };
  }
}
