/**
 * One LanceDB table of lessons embedded by ONE embedder (name + version): vectors of different
 * embedders never share a table, so they can never be mixed in one search. Holds the full-text
 * index (title + situations + tags + body + prevention) and, above ANN_MIN_ROWS, an HNSW vector index.
 *
 * Loaded only through a dynamic import (service.ts): LanceDB is native and must not weigh on start-up.
 */
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type * as arrow from 'apache-arrow';
import { type CandidateQuery, CandidateReads, type Scored } from './candidate-reads.js';
import { sqlString, tableNameFor } from './table-sql.js';
import {
  type EmbedderId,
  type FoundLesson,
  LESSON_COLUMNS,
  type LessonCandidate,
  lessonBatch,
  type Row,
  schemaFor,
  TEXT_COLUMNS,
  type TextRow,
  foundLesson,
  toHit,
} from './rows.js';
import { SEVERITY_RANK, type Lesson, type Severity } from './types.js';

export type { EmbedderId, FoundLesson, LessonCandidate, LessonHit } from './rows.js';

/** Below this many rows exact (flat) vector search is fast enough and exact; above it, an HNSW index. */
export const ANN_MIN_ROWS = 5_000;
/** Rows that may sit outside an index before ensureIndexes() folds them in (they stay searchable meanwhile). */
const UNINDEXED_TOLERANCE = 2_000;
const FTS_INDEX = 'search_text_idx';
const VECTOR_INDEX = 'vector_idx';
const TAGS_INDEX = 'tags_idx';
const SEVERITY_INDEX = 'severity_rank_idx';
const ID_INDEX = 'id_idx';
const HASH_INDEX = 'content_hash_idx';
/** More data files than this and ensureIndexes() compacts them first. */
const MAX_FRAGMENTS = 8;

/**
 * HNSW over scalar-quantised vectors, candidates re-ranked on the full vectors (REFINE_FACTOR × limit).
 * On the offline embedder's vectors (not clustered like the old hashing ones) IVF_FLAT needed most of
 * its partitions for recall@10 ≥ 0.98 against brute force: at 100k rows, 32 / 64 / 128 of 316 probes
 * gave 0.917 / 0.966 / 0.993 at p50 8.5 / 17 / 29 ms, where HNSW-SQ gave 0.985 (ef 200) and 0.993
 * (ef 300) at 8.6 / 11 ms, and at 10k 0.996 with ef 200 (one run, load average ~9–14; bench/lessons.ts
 * measures it on every run).
 */
export const HNSW = { m: 20, efConstruction: 300 } as const;

/**
 * HNSW search breadth for a table size. A vector-only search goes wider than a hybrid one, whose
 * full-text list finds what the graph misses. At 100k (bench/lessons.ts recall@10 vs brute force, one
 * run) ef 300 / 800 / 1500 gave vector 0.961 / 0.980 / 0.986 at p50 7.5 / 10.0 / 12.6 ms, while hybrid
 * stayed at 0.998 with ef 300. Hybrid then went narrower, ef 100 below 50k rows and 200 above: hybrid
 * recall@10 went from 0.998 to 0.994–0.995 at 10k and stayed at 0.993–0.995 at 100k (six runs), and both
 * lists of a 10k search took p50 1.69 ms against 2.04 with ef 200 (100k: ef 200 against 300, 3.49
 * against 3.71; interleaved, one run each). A vector-only search below 50k rows went wider, ef 300 from
 * 200: at 10k its recall@10 had sat at 0.980–0.983 in six runs, on the goal's line; with 300, 0.987,
 * at p50 2.15 ms (1.93–3.07 with 200 in those six runs).
 */
export function efFor(rows: number, vectorOnly = false): number {
  if (rows < 50_000) return vectorOnly ? 300 : 100;
  return vectorOnly ? 800 : 200;
}

/**
 * The breadth a vector query runs with: efFor, but never below the candidates the index must return
 * (`limit`, × the refine factor when refined). LanceDB refuses a query whose ef is below that ("ef must
 * be greater than or equal to k") rather than widening it: a k 50 search reads 150 candidates a list.
 */
export function efOf(rows: number, limit: number, opts: { vectorOnly?: boolean; refine: boolean }): number {
  return Math.max(efFor(rows, opts.vectorOnly), limit * (opts.refine ? refineFactorFor(rows) : 1));
}

/**
 * Candidates re-ranked on the full vectors, × limit (tables without pieces: the offline table's
 * searches re-rank on the pieces' whole vectors instead, read along anyway; service.ts). At 10k rows (ef 200, limit 50) a refine factor
 * of 2 held recall@10 0.992 against exact search, as 4 did, at p50 8.9 ms instead of 10.4 (no refine:
 * 0.974; one run, load average ~5); above 50k rows the factor stays 4, as measured before.
 */
export function refineFactorFor(rows: number): number {
  return rows < 50_000 ? 2 : 4;
}

export interface IndexState {
  rows: number;
  fts: { indexed: number; unindexed: number } | null;
  vector: { type: string; indexed: number; unindexed: number } | null;
}

/** Rows and index coverage of a lesson table. */
export async function indexStateOf(table: lancedb.Table): Promise<IndexState> {
  const rows = await table.countRows();
  const indices = await table.listIndices();
  const stat = async (name: string) => (indices.some((i) => i.name === name) ? table.indexStats(name) : undefined);
  const [fts, vector] = await Promise.all([stat(FTS_INDEX), stat(VECTOR_INDEX)]);
  return {
    rows,
    fts: fts ? { indexed: fts.numIndexedRows, unindexed: fts.numUnindexedRows } : null,
    vector: vector ? { type: String(vector.indexType), indexed: vector.numIndexedRows, unindexed: vector.numUnindexedRows } : null,
  };
}

export { TABLE_FORMAT, filterSql, isLessonTable, tableNameFor } from './table-sql.js';

/** Writes by several processes on one data dir can hit a commit conflict: retry a few times. */
async function withRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !/conflict|retry|commit|already exists/i.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 20 * i + Math.random() * 30));
    }
  }
}

export interface VectorOptions {
  exact?: boolean;
  refine?: boolean;
  vectorOnly?: boolean;
}
export type VectorHit = LessonCandidate & { similarity: number };
export type TextHit = LessonCandidate & { score: number };
const toVectorHits = (found: Scored): VectorHit[] => found.map(({ candidate, value }) => ({ ...candidate, similarity: 1 - (value ?? 1) }));
const toTextHits = (found: Scored): TextHit[] => found.map(({ candidate, value }) => ({ ...candidate, score: value ?? 0 }));

export class LessonTable {
  private constructor(
    readonly name: string,
    readonly embedder: EmbedderId,
    readonly dim: number,
    private readonly table: lancedb.Table,
    dir: string | null,
  ) {
    this.reads = new CandidateReads(table, dir, () => this.rowsHint);
  }

  /** How searches read their candidates (candidate-reads.ts). */
  private readonly reads: CandidateReads;

  /** `dbPath`: the connection's local directory, which lets searches take candidate columns from memory (candidate-cache.ts). */
  static async openOrCreate(db: lancedb.Connection, embedder: EmbedderId, dim: number, dbPath?: string): Promise<LessonTable> {
    const name = tableNameFor(embedder);
    const dir = dbPath ? join(dbPath, `${name}.lance`) : null;
    const open = async () => {
      const table = await db.openTable(name);
      const field = (await table.schema()).fields.find((f) => f.name === 'vector');
      const tableDim = (field?.type as arrow.FixedSizeList | undefined)?.listSize;
      if (tableDim !== dim) throw new Error(`lesson table ${name} has ${tableDim}-dim vectors, the embedder gives ${dim}`);
      return new LessonTable(name, embedder, dim, table, dir);
    };
    if ((await db.tableNames()).includes(name)) return open();
    try {
      return new LessonTable(name, embedder, dim, await db.createEmptyTable(name, schemaFor(dim)), dir);
    } catch (err) {
      // Another process created it first.
      if (/already exists/i.test((err as Error).message)) return open();
      throw err;
    }
  }

  /** The recorded (not shipped) lessons of another embedder's table: what a change of embedder must carry over. */
  static async recordedIn(db: lancedb.Connection, name: string): Promise<Lesson[]> {
    const rows = (await (await db.openTable(name)).query().where(`source = 'recorded'`).select(LESSON_COLUMNS).toArray()) as Row[];
    return rows.map((r) => toHit(r).lesson);
  }

  /** Row count as of the last write or count (sizes the HNSW search breadth; exactness does not matter). */
  private rowsHint = 0;
  private rowsCheckedAt = 0;

  async count(filter?: string): Promise<number> {
    const rows = await this.table.countRows(filter);
    if (!filter) {
      this.rowsHint = rows;
      this.rowsCheckedAt = Date.now();
    }
    return rows;
  }

  /** The row count, re-read at most once a second (search reports it; other processes may add rows). */
  async recentCount(): Promise<number> {
    return Date.now() - this.rowsCheckedAt < 1_000 ? this.rowsHint : this.count();
  }

  /** id → {text hash (what the row was built from), source} of every row (cheap: short columns). */
  async hashes(): Promise<Map<string, { hash: string; source: string }>> {
    const rows = (await this.table.query().select(['id', 'text_hash', 'source']).toArray()) as Array<{ id: string; text_hash: string; source: string }>;
    return new Map(rows.map((r) => [r.id, { hash: r.text_hash, source: r.source }]));
  }

  async findByHash(hash: string): Promise<Lesson | null> {
    const rows = (await this.table
      .query()
      .where(`content_hash = ${sqlString(hash)}`)
      .select(LESSON_COLUMNS)
      .limit(1)
      .toArray()) as Row[];
    return rows[0] ? toHit(rows[0]).lesson : null;
  }

  async all(filter?: string): Promise<Lesson[]> {
    const q = this.table.query().select(LESSON_COLUMNS);
    return ((await (filter ? q.where(filter) : q).toArray()) as Row[]).map((r) => toHit(r).lesson);
  }

  /** Append lessons whose ids are new to this table. */
  async insert(lessons: readonly Lesson[], vectors: readonly Float32Array[], pieces: readonly Uint8Array[] = []): Promise<void> {
    if (!lessons.length) return;
    const data = lessonBatch(this, lessons, vectors, pieces);
    await withRetry(() => this.table.add(data));
    this.rowsCheckedAt = 0;
  }

  /** Insert or replace by id. */
  async upsert(lessons: readonly Lesson[], vectors: readonly Float32Array[], pieces: readonly Uint8Array[] = []): Promise<void> {
    if (!lessons.length) return;
    const data = lessonBatch(this, lessons, vectors, pieces);
    await withRetry(() => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(data));
    this.rowsCheckedAt = 0;
  }

  async deleteIds(ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    await withRetry(() => this.table.delete(`id IN (${ids.map(sqlString).join(', ')})`));
    this.rowsCheckedAt = 0;
  }

  /**
   * Build missing indexes; fold unindexed rows in once there are many. Returns what it did.
   * A bulk load leaves many small fragments: compact first (reads then touch one file, not dozens).
   */
  async ensureIndexes(): Promise<string[]> {
    const done: string[] = [];
    const rows = await this.count();
    if (rows === 0) return done;
    const fragments = (await this.table.stats()).fragmentStats.numFragments;
    let indices = await this.table.listIndices();
    if (fragments > MAX_FRAGMENTS) {
      await withRetry(() => this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) }));
      done.push('compact');
      indices = await this.table.listIndices();
    }
    const has = (name: string) => indices.some((i) => i.name === name);
    const build = async (column: string, name: string, config: lancedb.Index, label: string) => {
      await withRetry(() => this.table.createIndex(column, { name, replace: true, config }));
      done.push(label);
    };
    if (!has(FTS_INDEX)) {
      await build(
        'search_text',
        FTS_INDEX,
        // search_text is analysed already (text/analyse.ts: phrases, Porter2 stems, stop words out)
        lancedb.Index.fts({ stem: false, removeStopWords: false, asciiFolding: true, lowercase: true, withPosition: false }),
        'fts',
      );
    }
    if (rows >= ANN_MIN_ROWS) {
      if (!has(VECTOR_INDEX)) await build('vector', VECTOR_INDEX, lancedb.Index.hnswSq({ distanceType: 'cosine', numPartitions: 1, ...HNSW }), 'hnsw_sq');
      // Scalar indexes for the filters and id lookups (merge-insert, dedup) once scans would cost.
      if (!has(TAGS_INDEX)) await build('tags', TAGS_INDEX, lancedb.Index.labelList(), 'tags_label_list');
      if (!has(SEVERITY_INDEX)) await build('severity_rank', SEVERITY_INDEX, lancedb.Index.bitmap(), 'severity_bitmap');
      if (!has(ID_INDEX)) await build('id', ID_INDEX, lancedb.Index.btree(), 'id_btree');
      if (!has(HASH_INDEX)) await build('content_hash', HASH_INDEX, lancedb.Index.btree(), 'content_hash_btree');
    }
    if (!done.includes('compact')) {
      const stale = await Promise.all(indices.map((i) => this.table.indexStats(i.name)));
      if (stale.some((st) => (st?.numUnindexedRows ?? 0) > UNINDEXED_TOLERANCE)) {
        await withRetry(() => this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) }));
        done.push('optimize');
      }
    }
    return done;
  }

  async indexState(): Promise<IndexState> {
    return indexStateOf(this.table);
  }

  /** Whether vector searches go through the HNSW index (approximate) rather than an exact scan. */
  approximate(): boolean {
    return this.rowsHint >= ANN_MIN_ROWS;
  }

  /**
   * Nearest lessons by cosine similarity (exact below ANN_MIN_ROWS; HNSW above, re-ranked on the full
   * vectors unless `refine` is false: a caller re-ranking on the pieces' whole vectors saves that read).
   */
  async vectorSearch(vector: Float32Array, limit: number, where?: string, opts: VectorOptions = {}): Promise<VectorHit[]> {
    const [found] = await this.reads.of([this.vectorQuery(vector, limit, where, opts)]);
    return toVectorHits(found!);
  }

  /** BM25 over the analysed title, situations, tags, body and prevention; `text` must be analysed the same way (ftsText). */
  async textSearch(text: string, limit: number, where?: string): Promise<TextHit[]> {
    if (!text.trim()) return [];
    const [found] = await this.reads.of([this.textQuery(text, limit, where)]);
    return toTextHits(found!);
  }

  /** Both lists of a hybrid search under the same filter, their candidates read together (candidate-reads.ts). */
  async hybridSearch(
    vector: Float32Array,
    text: string,
    limit: number,
    where?: string,
    opts: VectorOptions = {},
  ): Promise<{ vector: VectorHit[]; text: TextHit[] }> {
    // No text: a vector-only search, as wide as one.
    if (!text.trim()) return { vector: await this.vectorSearch(vector, limit, where, { ...opts, vectorOnly: true }), text: [] };
    const [v, t] = await this.reads.of([this.vectorQuery(vector, limit, where, opts), this.textQuery(text, limit, where)]);
    return { vector: toVectorHits(v!), text: toTextHits(t!) };
  }

  /** A vector query (its limit is set by the reads, candidate-reads.ts). */
  private vectorQuery(vector: Float32Array, limit: number, where: string | undefined, opts: VectorOptions): CandidateQuery {
    const refine = !opts.exact && opts.refine !== false;
    const query = () => {
      let q = this.table.query().nearestTo(vector).distanceType('cosine');
      if (opts.exact) q = q.bypassVectorIndex();
      else q = q.ef(efOf(this.rowsHint, limit, { vectorOnly: opts.vectorOnly, refine }));
      if (refine) q = q.refineFactor(refineFactorFor(this.rowsHint));
      return where ? q.where(where) : q;
    };
    return { query, score: '_distance', limit };
  }

  /** A full-text query (its limit is set by the reads). */
  private textQuery(text: string, limit: number, where: string | undefined): CandidateQuery {
    const query = () => {
      const q = this.table.query().fullTextSearch(text, { columns: 'search_text' });
      return where ? q.where(where) : q;
    };
    return { query, score: '_score', limit };
  }

  /** Once the whole-table read of the candidates a search started is in (tests). */
  warmed(): Promise<number> {
    return this.reads.warmed();
  }

  /**
   * The text of the final candidates, in their order: from `held` (lessons in memory, taken only at
   * the row's text hash) or else the table (by row id; by id if a compaction moved rows meanwhile).
   * Severity and created time come from the candidates: every column read here costs.
   */
  async fetch(candidates: readonly LessonCandidate[], held?: (c: LessonCandidate) => FoundLesson | undefined): Promise<FoundLesson[]> {
    const byId = new Map<string, FoundLesson>();
    for (const c of candidates) {
      const lesson = held?.(c);
      if (lesson) byId.set(c.id, lesson);
    }
    const missing = candidates.filter((c) => !byId.has(c.id));
    if (missing.length) {
      let rows = (await this.table
        .takeRowIds(missing.map((c) => c.rowId))
        .select(TEXT_COLUMNS)
        .toArray()
        .catch(() => [])) as TextRow[];
      if (missing.some((c) => !rows.some((r) => r.id === c.id))) {
        rows = (await this.table
          .query()
          .where(`id IN (${missing.map((c) => sqlString(c.id)).join(', ')})`)
          .select(TEXT_COLUMNS)
          .toArray()) as TextRow[];
      }
      for (const row of rows) {
        const c = missing.find((m) => m.id === row.id);
        if (c) byId.set(row.id, foundLesson(c, row));
      }
    }
    return candidates.flatMap((c) => {
      const lesson = byId.get(c.id);
      return lesson ? [lesson] : [];
    });
  }
}
