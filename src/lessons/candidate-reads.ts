/**
 * How a lesson table's searches read their candidates: each query reads row ids and its score
 * alone, the candidates' cards come from the cache (candidate-cache.ts) at the snapshot it holds,
 * and the rows it lacks are read in ONE take for all the queries of a search (the vector and the
 * full-text list together: at 100k rows a take has ~1 ms of fixed cost, and a hybrid search whose
 * lists took apart paid it twice). A table larger than the cache reads its cards in its queries
 * instead (most rows would miss). store.ts builds the queries.
 *
 * @example
 *   const reads = new CandidateReads(table, dir, () => rows);
 *   const [vector, text] = await reads.of([{ query: vq, score: '_distance', limit: 50 }, { query: tq, score: '_score', limit: 50 }]);
 */
import type * as lancedb from '@lancedb/lancedb';
import type * as arrow from 'apache-arrow';
import { CANDIDATE_CACHE_MAX, CandidateCache, datasetIdentity } from './candidate-cache.js';
import { CANDIDATE_COLUMNS, type CandidateRow, type LessonCandidate, toCandidate } from './rows.js';

/** How long after a failed whole-table read of the candidate columns a search starts another. */
export const WARM_RETRY_MS = 2_000;

export type ScoreColumn = '_distance' | '_score';
export interface CandidateQuery {
  /** The query without its limit: the reads set `limit` (one value for LanceDB and for resultOf). */
  query: () => lancedb.VectorQuery | lancedb.Query;
  score: ScoreColumn;
  limit: number;
}
export type Scored = Array<{ candidate: LessonCandidate; value: number | undefined }>;

export class CandidateReads {
  private readonly cache: CandidateCache;
  private warming: Promise<void> | null = null;

  /**
   * `dir`: the table's local directory (null: no cache); `rows`: the table's last known row count;
   * `max`: rows the cache holds at most (a larger table reads its cards in its queries).
   */
  constructor(
    private readonly table: lancedb.Table,
    private readonly dir: string | null,
    private readonly rows: () => number,
    max = CANDIDATE_CACHE_MAX,
  ) {
    this.cache = new CandidateCache(max);
  }

  /**
   * Which rows the table reads now: its directory's dataset and the table version, as
   * `dev:inode:birth@version` (null: not a local directory, or the version unreadable; no cache then).
   * The version is the connection's view, which only moves forward (readConsistencyInterval), so the
   * same snapshot before and after a read means the read saw that version.
   */
  private async snapshot(): Promise<string | null> {
    const dataset = this.dir ? datasetIdentity(this.dir) : null;
    if (!dataset) return null;
    const version = await this.table.version().catch(() => null);
    return version === null ? null : `${dataset}@${version}`;
  }

  /** The cache for this snapshot, emptied if it holds another's rows; a table small enough is read whole into it. */
  private cacheFor(at: string): CandidateCache {
    if (this.cache.dataset !== at) {
      this.cache.reset(at);
      this.warming = null;
    }
    const rows = this.rows();
    if (!this.warming && rows > 0 && rows <= this.cache.max) {
      const warming: Promise<void> = this.takeCandidates(null)
        .then(async (read) => {
          if ((await this.snapshot()) === at && this.cache.dataset === at) this.cache.fill(read);
        })
        .catch(() => {
          // A failed read is tried again by a search after WARM_RETRY_MS (searches work meanwhile, by takes).
          setTimeout(() => {
            if (this.warming === warming) this.warming = null;
          }, WARM_RETRY_MS).unref();
        });
      this.warming = warming;
    }
    return this.cache;
  }

  /** Once the whole-table read a search started is in (tests). */
  async warmed(): Promise<number> {
    await this.warming;
    return this.cache.size;
  }

  /** The candidate columns of these rows (null: every row). */
  private async takeCandidates(rowIds: bigint[] | null): Promise<CandidateRow[]> {
    const q = rowIds ? this.table.takeRowIds(rowIds) : this.table.query();
    return (await q.select(CANDIDATE_COLUMNS).withRowId().toArray()) as CandidateRow[];
  }

  /**
   * Each query's rows as candidates with their score, in the queries' order. The queries run in
   * parallel and read row ids and the score alone; the candidates come from the cache when the table
   * is still, after the queries and the one take of the rows the cache lacks, at the snapshot the
   * cache holds (its label was read before the queries: the same snapshot after them means they saw
   * it). Else the queries are read again with their cards, between one pair of snapshots, and the
   * cache then holds that snapshot's rows.
   */
  async of(queries: readonly CandidateQuery[]): Promise<Scored[]> {
    // A table larger than the cache would miss most of a search's rows and pay a take for them (and
    // churn the cache): each query reads its cards itself instead, in the same native call. At 100k
    // rows, both lists: 4.3 ms p50 with their cards against 5.2 with ids and then one take (ids alone 3.2).
    if (this.rows() > this.cache.max) {
      if (this.cache.size) this.cache.reset(null); // what a smaller table held is of no use now
      return Promise.all(queries.map((q) => withCards(q)));
    }
    const at = this.cache.dataset;
    if (at) {
      const cache = this.cacheFor(at);
      const reads = await Promise.all(queries.map((q) => idsAndScores(q)));
      const all = [...new Set(reads.flatMap((r) => r.rowIds))];
      const held = await cache.resolve(all, (ids) => this.takeCandidates(ids));
      if (held && (await this.snapshot()) === at) {
        // Rows taken are held only now, at the snapshot they are known to be of (and only if the cache is still its).
        if (held.taken.length && this.cache.dataset === at) this.cache.fill(held.taken);
        const byRowId = new Map(all.map((id, i) => [id, held.candidates[i]!]));
        return reads.map((r) => r.rowIds.map((id, i) => ({ candidate: byRowId.get(id)!, value: r.values[i] })));
      }
    }
    // Every query read again with its cards, between two snapshots: held if the table did not move meanwhile.
    const before = await this.snapshot();
    const read = await Promise.all(queries.map((q) => withCardRows(q)));
    const after = await this.snapshot();
    if (after && after === before) this.cacheFor(after).fill(read.flatMap((r) => r.rows));
    return read.map((r) => r.scored);
  }
}

/**
 * A query's result batches, read until they hold `limit` rows: a query cannot return more than its
 * limit, so the stream's end need not be awaited. At 10k rows, both lists of a hybrid search read
 * this way took p50 1.71 ms against 2.04 with toArrow (a scratch comparison, interleaved, one run: toArrow awaits
 * one more native round trip for the end of the stream; 100k: 3.14 against 3.49).
 */
export async function resultOf(query: lancedb.VectorQuery | lancedb.Query, limit: number): Promise<arrow.RecordBatch[]> {
  const batches: arrow.RecordBatch[] = [];
  let rows = 0;
  for await (const batch of query) {
    batches.push(batch);
    rows += batch.numRows;
    if (rows >= limit) break;
  }
  return batches;
}

/** A query's rows with their scores and cards, read as columns. */
async function withCardRows({ query, score, limit }: CandidateQuery): Promise<{ scored: Scored; rows: CandidateRow[] }> {
  const read = await resultOf(
    query()
      .limit(limit)
      .select([score, ...CANDIDATE_COLUMNS])
      .withRowId(),
    limit,
  );
  const { rowIds, values } = idsAndScoresOf(read, score);
  const cards = read.flatMap((batch) => {
    const column = batch.getChild('card');
    return Array.from({ length: batch.numRows }, (_, i) => column?.get(i) as Uint8Array);
  });
  const rows: CandidateRow[] = rowIds.map((id, i) => ({ _rowid: id, card: cards[i]! }));
  return { scored: rows.map((r, i) => ({ candidate: toCandidate(r), value: values[i] })), rows };
}

const withCards = async (q: CandidateQuery): Promise<Scored> => (await withCardRows(q)).scored;

/** A query's row ids and scores alone. */
async function idsAndScores({ query, score, limit }: CandidateQuery): Promise<{ rowIds: bigint[]; values: Array<number | undefined> }> {
  return idsAndScoresOf(await resultOf(query().limit(limit).select([score]).withRowId(), limit), score);
}

/** The row ids and scores of a query's result batches, read as typed arrays: no row objects. */
export function idsAndScoresOf(read: readonly arrow.RecordBatch[], score: ScoreColumn): { rowIds: bigint[]; values: Array<number | undefined> } {
  const rowIds: bigint[] = [];
  const values: Array<number | undefined> = [];
  for (const batch of read) {
    for (const id of batch.getChild('_rowid')?.toArray() ?? []) rowIds.push(BigInt(id));
    const scores = batch.getChild(score);
    const typed = scores && scores.nullCount === 0 ? (scores.toArray() as Float32Array | Float64Array) : null;
    for (let i = 0; i < batch.numRows; i++) values.push(numberOrUndefined(typed ? typed[i] : scores?.get(i)));
  }
  return { rowIds, values };
}

const numberOrUndefined = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));
