/**
 * The candidate columns of a lesson table's rows (id, severity, created, text hash, pieces), held by
 * LanceDB row id, so a search reads only row ids, text hashes and scores from the table and takes
 * the rest from memory: reading the columns cost more than the search itself (at 10k rows, a vector
 * query with them 5.2 ms at p50, with row ids alone 1.6 ms; full-text 4.5 / 1.1 ms).
 *
 * Exact, never stale: a held entry is used only when the query read the same text hash for its row
 * id (the hash covers everything the columns are built from: types.ts textHash), so a row id that
 * came to name another row is a miss, whatever made it so — an overwrite or a restore that restarts
 * fragment ids keeps the directory. Without that, a row id is its fragment id and offset, an update
 * writes the new row under a new id and a compaction writes new fragments. Row ids the cache lacks
 * are read from the table in one take (the caller re-reads the query with its columns if one is gone
 * or changed meanwhile). A table dropped and recreated under the same name restarts its ids: the
 * cache holds the rows of one dataset, named by its directory's inode and birth time
 * (datasetIdentity, two stat calls a query), and is emptied when the directory holds another.
 *
 * @example
 *   const cache = new CandidateCache();
 *   const found = await cache.resolve(rows.map((r) => ({ rowId: r._rowid, textHash: r.text_hash })), takeColumns); // null: re-read
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
  /** The dataset (datasetIdentity) whose rows the cache holds. */
  dataset: string | null = null;

  constructor(readonly max = CANDIDATE_CACHE_MAX) {}

  get size(): number {
    return this.byRowId.size;
  }

  /** Empty, for the rows of this dataset. */
  reset(dataset: string | null): void {
    this.byRowId.clear();
    this.dataset = dataset;
  }

  /** Hold rows read with the candidate columns and their row ids. */
  fill(rows: readonly CandidateRow[]): void {
    for (const row of rows) {
      // A copy of the pieces: a view would keep the whole Arrow batch it came in alive.
      const c = { ...toCandidate(row), pieces: row.pieces ? row.pieces.slice() : null };
      this.byRowId.delete(c.rowId);
      this.byRowId.set(c.rowId, c);
    }
    for (const oldest of this.byRowId.keys()) {
      if (this.byRowId.size <= this.max) break;
      this.byRowId.delete(oldest);
    }
  }

  /**
   * The candidates of these rows, in their order: from memory where the held entry has the row's
   * text hash, the others read by `take` (the candidate columns and `_rowid`). Null when `take` fails,
   * misses a row id or reads another text hash than the query did (the row changed since).
   */
  async resolve(keys: ReadonlyArray<{ rowId: bigint; textHash: string }>, take: (ids: bigint[]) => Promise<CandidateRow[]>): Promise<LessonCandidate[] | null> {
    const held = keys.map((k) => {
      const c = this.byRowId.get(k.rowId);
      return c?.textHash === k.textHash ? c : undefined;
    });
    const missing = keys.filter((_, i) => !held[i]);
    if (!missing.length) return held as LessonCandidate[];
    const rows = await take(missing.map((k) => k.rowId)).catch(() => null);
    if (!rows) return null;
    const read = new Map(rows.map((r) => [BigInt(r._rowid), r]));
    if (missing.some((k) => read.get(k.rowId)?.text_hash !== k.textHash)) return null;
    this.fill(rows);
    return keys.map((k, i) => held[i] ?? toCandidate(read.get(k.rowId)!));
  }
}
