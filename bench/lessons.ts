/**
 * Lessons: ingestion throughput and search latency at 1k, 10k and 100k generated lessons through
 * the real service (offline embedder, LanceDB under a temp dir): hybrid, vector-only and full-text
 * only, each series on queries the service has not seen, the series taking turns (timeSeries), and
 * the two bare LanceDB lists as their floor (lanceDbPair); recall@10 of the service's vector and
 * hybrid results against an independent brute force (exact cosine over the stored vectors in JS; for
 * hybrid, fused with the exact full-text list read from the table directly) on 200 held-out queries
 * over a corpus that is not trivially clustered (lessons-corpus.ts); the embedder's cost per
 * query and per lesson against its lexical half alone (the old hashing embedder's work) in the same
 * process; the word table's load cost; the package size with and without the word table.
 * Run alone: npm run build && node dist/bench/run.js lessons
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import type * as arrow from 'apache-arrow';
import { bootstrap } from '../src/bootstrap.js';
import { createLogger } from '../src/log.js';
import { readCard } from '../src/lessons/card.js';
import { resultOf } from '../src/lessons/candidate-reads.js';
import { localEmbedder } from '../src/lessons/embedders.js';
import { embedLocal } from '../src/lessons/local-embedder.js';
import { rescoreByPieces } from '../src/lessons/pieces.js';
import { fuse } from '../src/lessons/rank.js';
import type { LessonService } from '../src/lessons/service.js';
import { RESCORED_PER_LIST, createLessonService, poolFor } from '../src/lessons/service.js';
import { ANN_MIN_ROWS, efOf, tableNameFor } from '../src/lessons/store.js';
import { analyse, ftsText } from '../src/lessons/text/analyse.js';
import { hashedVector } from '../src/lessons/text/hashed.js';
import { WORD_TABLE_FILE, wordTable } from '../src/lessons/text/word-table.js';
import { searchText, type Severity } from '../src/lessons/types.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { generateLessons, generateQueries } from './lessons-corpus.js';
import { ratio, summarize } from './stats.js';

// Generated on first use: the word table must not load before wordTableLoad() measures its loading.
let queries: string[] | null = null;
const heldOutQueries = (): string[] => (queries ??= generateQueries(200));
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Queries the timings use, apart from the recall set: a warm-up slice and one slice per timed series. */
const WARM_UP = 100;
const SERIES = 6;
const MAX_PER_SERIES = 200;
let timingPool: string[] | null = null;
const timingQueries = (): string[] => (timingPool ??= generateQueries(WARM_UP + SERIES * MAX_PER_SERIES, 2_002));

/**
 * Steady-state latency on queries the service has not seen, the series taking turns query by query:
 * WARM_UP queries of each series first (the JIT, LanceDB's index caches and the candidate cache's
 * whole-table read settle), then `q` rounds in which each series asks one query of its own slice,
 * none asked before of this service — so a series cannot be answered from candidate rows an earlier
 * series' identical queries brought in (at 100k rows the cache holds only part of the table). Taking
 * turns, a slow spell of this shared machine or the work an ingestion leaves behind falls on every
 * series alike: run one after another, the first series alone paid it (a full run of 578a2b5 at 10k:
 * hybrid k 5, first, p50 4.51 ms; hybrid k 10, next, 3.44; vector-only 2.15).
 */
async function timeSeries<K extends string>(
  q: number,
  series: Record<K, (query: string) => Promise<unknown>>,
): Promise<Record<K, ReturnType<typeof summarize>>> {
  const names = Object.keys(series) as K[];
  if (q > MAX_PER_SERIES || names.length > SERIES) throw new Error(`timeSeries: ${names.length} series of ${q} queries is outside the pool`);
  const pool = timingQueries();
  for (let i = 0; i < WARM_UP; i++) for (const name of names) await series[name](pool[i]!);
  const samples = names.map((): number[] => []);
  for (let i = 0; i < q; i++) {
    // Each round starts one series further on: what a series leaves behind (GC, native work) does not always land on the same next one.
    for (let turn = 0; turn < names.length; turn++) {
      const k = (turn + i) % names.length;
      const name = names[k]!;
      const query = pool[WARM_UP + k * q + i]!;
      const t = performance.now();
      await series[name](query);
      samples[k]!.push(performance.now() - t);
    }
  }
  return Object.fromEntries(names.map((name, k) => [name, summarize(samples[k]!)])) as Record<K, ReturnType<typeof summarize>>;
}

/**
 * The floor under a hybrid search of k 5: the query embedded and analysed, and its two lists (the
 * service's candidates per list, row ids and scores only, at its HNSW breadth) read in parallel on a
 * connection of its own, the way the service reads them (resultOf) — no cache, cards, re-scoring,
 * fusion, text or snippets. Timed with the service's series, so `hybridOverLanceDbPairP50` compares the
 * two on the same machine at the same time. A query whose lists come back short stops the bench.
 */
async function lanceDbPair(dbPath: string, n: number): Promise<{ ask: (query: string) => Promise<unknown>; close: () => void }> {
  const db = await lancedb.connect(dbPath, { readConsistencyInterval: 1 });
  const table = await db.openTable(tableNameFor(localEmbedder));
  const limit = poolFor(5);
  const ef = efOf(n, limit, { refine: false });
  const rows = (batches: Array<{ numRows: number }>) => batches.reduce((sum, b) => sum + b.numRows, 0);
  const ask = async (query: string) => {
    const vector = embedLocal([query])[0]!;
    const text = ftsText(query);
    const [byVector, byText] = await Promise.all([
      resultOf(table.query().nearestTo(vector).distanceType('cosine').ef(ef).limit(limit).select(['_distance']).withRowId(), limit),
      text.trim() ? resultOf(table.query().fullTextSearch(text, { columns: 'search_text' }).limit(limit).select(['_score']).withRowId(), limit) : [],
    ]);
    if (rows(byVector) < Math.min(limit, n) || (text.trim() && rows(byText) === 0)) {
      throw new Error(`lanceDbPair: "${query}" gave ${rows(byVector)} vector and ${rows(byText)} full-text rows`);
    }
  };
  return {
    ask,
    close: () => {
      table.close();
      db.close();
    },
  };
}

/**
 * µs per text of the whole embedder and of its lexical half alone (analysis + hashed features: the
 * old hashing embedder's work), same texts, interleaved rounds after a warm-up, best round of each.
 */
function embedCost(texts: string[]): { fullUs: number; lexicalOnlyUs: number; addedUs: number } {
  const lexical = () => {
    for (const t of texts) hashedVector(analyse(t).terms, 256);
  };
  const full = () => embedLocal(texts);
  const time = (fn: () => void) => {
    const t = performance.now();
    fn();
    return ((performance.now() - t) * 1000) / texts.length;
  };
  lexical();
  full();
  let lexicalOnlyUs = Infinity;
  let fullUs = Infinity;
  for (let round = 0; round < 5; round++) {
    lexicalOnlyUs = Math.min(lexicalOnlyUs, time(lexical));
    fullUs = Math.min(fullUs, time(full));
  }
  return { fullUs: round(fullUs, 1), lexicalOnlyUs: round(lexicalOnlyUs, 1), addedUs: round(fullUs - lexicalOnlyUs, 1) };
}

/** The stored vectors of the offline table, read back as one Float32Array (independent of the search path), with their norms. */
async function storedVectors(table: lancedb.Table): Promise<{
  ids: string[];
  severity: Severity[];
  created: number[];
  pieces: Map<string, Uint8Array>;
  flat: Float32Array;
  norms: Float32Array;
  dim: number;
}> {
  const rows = (await table.query().select(['id', 'severity', 'created', 'vector', 'card']).toArray()) as Array<{
    id: string;
    severity: Severity;
    created: number;
    vector: arrow.Vector;
    card: Uint8Array;
  }>;
  const dim = await localEmbedder.dim();
  const flat = new Float32Array(rows.length * dim);
  const norms = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    const v = r.vector.toArray() as Float32Array;
    flat.set(v, i * dim);
    norms[i] = Math.hypot(...v);
  });
  return {
    ids: rows.map((r) => r.id),
    severity: rows.map((r) => r.severity),
    created: rows.map((r) => Number(r.created)),
    // the stored piece vectors, from the row's card (card.ts)
    pieces: new Map(rows.map((r) => [r.id, readCard(r.card).pieces])),
    flat,
    norms,
    dim,
  };
}

/** Exact cosine top k over every stored vector, in plain JS. */
function exactTop(stored: Awaited<ReturnType<typeof storedVectors>>, q: Float32Array, k: number): Array<{ i: number; sim: number }> {
  const qNorm = Math.hypot(...q) || 1;
  const top: Array<{ i: number; sim: number }> = [];
  for (let i = 0; i < stored.ids.length; i++) {
    let dot = 0;
    const base = i * stored.dim;
    for (let j = 0; j < stored.dim; j++) dot += stored.flat[base + j]! * q[j]!;
    const sim = dot / ((stored.norms[i] || 1) * qNorm);
    if (top.length < k || sim > top[top.length - 1]!.sim) {
      top.push({ i, sim });
      top.sort((a, b) => b.sim - a.sim);
      if (top.length > k) top.pop();
    }
  }
  return top;
}

/**
 * The full-text list straight from the table, not through the service: LanceDB's BM25 over the
 * inverted index is exact (no approximation on this path), so the reference differs from the
 * service's hybrid only where the vector index or the service's plumbing would.
 */
async function exactFts(table: lancedb.Table, query: string, k: number) {
  const rows = (await table
    .query()
    .fullTextSearch(ftsText(query), { columns: 'search_text' })
    .select(['id', 'severity', 'created', '_score'])
    .limit(k)
    .toArray()) as Array<{ id: string; severity: Severity; created: number; _score: number }>;
  return rows.map((r) => ({ candidate: { id: r.id, severity: r.severity, created: Number(r.created) }, score: Number(r._score) }));
}

/**
 * recall@10 of the service's vector and hybrid results against brute force, over the held-out
 * queries, with the service's own ranking steps on exact lists: for vector, the exact cosine top
 * RESCORED_PER_LIST re-scored by pieces (pieces.ts); for hybrid, the same fusion (rank.ts) of the
 * exact cosine top 50 and the exact full-text top 50, its vector list re-scored by pieces over both
 * lists' top RESCORED_PER_LIST. So the figure measures the vector index (HNSW) and the plumbing,
 * not the re-scoring, which the service applies to approximate and exact candidates alike.
 */
async function recallVsBruteForce(service: LessonService, dbPath: string): Promise<{ vector: number; hybrid: number; queries: number }> {
  const db = await lancedb.connect(dbPath);
  const table = await db.openTable(tableNameFor(localEmbedder));
  const stored = await storedVectors(table);
  const now = Date.now();
  let vector = 0;
  let hybrid = 0;
  for (const query of heldOutQueries()) {
    const q = embedLocal([query])[0]!;
    const exact = exactTop(stored, q, 50);
    const candidate = (i: number) => ({
      id: stored.ids[i]!,
      severity: stored.severity[i]!,
      created: stored.created[i]!,
      pieces: stored.pieces.get(stored.ids[i]!) ?? null,
    });
    const exactVector = exact.map((e) => ({ candidate: candidate(e.i), similarity: e.sim }));
    const rescored = (list: typeof exactVector) =>
      rescoreByPieces(
        q,
        list.map((h) => h.candidate),
      ) ?? list;
    const exact10 = new Set(
      rescored(exactVector.slice(0, RESCORED_PER_LIST))
        .slice(0, 10)
        .map((h) => h.candidate.id),
    );
    const served = (await service.search({ query, k: 10, mode: 'vector' })).hits.map((h) => h.lesson.id);
    vector += served.filter((id) => exact10.has(id)).length / Math.max(1, exact10.size);
    const fts = (await exactFts(table, query, 50)).map((h) => ({ ...h, candidate: { ...h.candidate, pieces: stored.pieces.get(h.candidate.id) ?? null } }));
    const pool = [...exactVector.slice(0, RESCORED_PER_LIST), ...fts.slice(0, RESCORED_PER_LIST).map((h) => ({ candidate: h.candidate, similarity: 0 }))];
    const fused = fuse(rescored(pool), fts, { mode: 'hybrid', k: 10, now });
    const want = new Set(fused.map((r) => r.candidate.id));
    const got = (await service.search({ query, k: 10 })).hits.map((h) => h.lesson.id);
    hybrid += got.filter((id) => want.has(id)).length / Math.max(1, want.size);
  }
  db.close();
  return { vector: round(vector / heldOutQueries().length), hybrid: round(hybrid / heldOutQueries().length), queries: heldOutQueries().length };
}

async function benchSize(n: number, queries: number): Promise<Record<string, unknown>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-bench-lessons-'));
  try {
    const deps = bootstrap(
      { 'data-dir': dataDir },
      { PATH: process.env.PATH ?? '' },
      createLogger('warn', {}, () => undefined),
    );
    const corpus = generateLessons(n);
    const service = await createLessonService(deps, { corpus });
    const t0 = performance.now();
    await service.ingest();
    const ingestMs = performance.now() - t0;
    const status = await service.status();

    // k = 5 is search_lessons' default; k = 10 shown too.
    const pair = await lanceDbPair(join(dataDir, 'lessons.lance'), n);
    const timed = timeSeries(queries, {
      hybrid: (query) => service.search({ query, k: 5 }),
      hybridK10: (query) => service.search({ query, k: 10 }),
      vectorOnly: (query) => service.search({ query, k: 5, mode: 'vector' }),
      ftsOnly: (query) => service.search({ query, k: 5, mode: 'fts' }),
      filtered: (query) => service.search({ query, k: 5, minSeverity: 'high', tags: ['options', 'execution'] }),
      lanceDbPair: pair.ask,
    }).finally(() => pair.close());
    const { hybrid, hybridK10, vectorOnly, ftsOnly, filtered, lanceDbPair: bare } = await timed;
    const recall = await recallVsBruteForce(service, join(dataDir, 'lessons.lance'));
    await deps.close();
    const state = status.tables[0]?.state;
    return {
      lessons: n,
      vectorIndex: state?.vector ? `${state.vector.type} (${state.vector.indexed} rows)` : `none (exact search below ${ANN_MIN_ROWS} rows)`,
      ingest: { ms: Math.round(ingestMs), lessonsPerSec: Math.round(n / (ingestMs / 1000)), indexes: status.lastIngest?.indexes ?? [] },
      searchHybridMs: hybrid,
      searchHybridK10Ms: hybridK10,
      searchHybridFilteredMs: filtered,
      searchVectorOnlyMs: vectorOnly,
      searchFtsOnlyMs: ftsOnly,
      lanceDbPairMs: bare,
      hybridOverFtsOnlyP50: ratio(hybrid.p50, ftsOnly.p50),
      hybridOverLanceDbPairP50: ratio(hybrid.p50, bare.p50),
      recallAt10VsBruteForce: recall,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = join(dir, e.name);
    return sum + (e.isDirectory() ? dirBytes(p) : statSync(p).size);
  }, 0);
}

/** What ships: `npm pack --dry-run` of the package, with and without the word table, and porter2's installed size. */
function packageSize(): Record<string, unknown> {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PACKAGE_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
  ) as Array<{
    size: number;
    unpackedSize: number;
    files: Array<{ path: string; size: number }>;
  }>;
  const mb = (b: number) => round(b / 1e6, 2);
  const table = pack!.files.filter((f) => f.path.startsWith('assets/')).reduce((s, f) => s + f.size, 0);
  return {
    tarballMB: mb(pack!.size),
    unpackedMB: mb(pack!.unpackedSize),
    wordTableMB: mb(statSync(resolve(PACKAGE_ROOT, WORD_TABLE_FILE)).size),
    unpackedWithoutWordTableMB: mb(pack!.unpackedSize - table),
    porter2InstalledKB: round(dirBytes(resolve(PACKAGE_ROOT, 'node_modules', 'porter2')) / 1e3, 1),
  };
}

/** The word table's one-time load (first embedding): time and memory, measured before anything else loads it. */
function wordTableLoad(): Record<string, unknown> {
  const before = process.memoryUsage();
  const t = performance.now();
  const table = wordTable();
  embedLocal(['warm the analysis']);
  const ms = performance.now() - t;
  const after = process.memoryUsage();
  return {
    words: table.index.size,
    ms: round(ms, 1),
    heapMB: round((after.heapUsed - before.heapUsed) / 1e6, 1),
    arrayBuffersMB: round((after.arrayBuffers - before.arrayBuffers) / 1e6, 1),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const sizes = (process.env.LESSONS_BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
  // The machine is shared: record its load so the latencies can be read in context.
  const result: Record<string, unknown> = { loadAverageAtStart: loadavg().map((x) => Math.round(x * 10) / 10) };
  const started = performance.now();
  result.wordTableLoad = wordTableLoad();
  const sample = generateLessons(2_000, 99);
  result.embedCostPerLesson = embedCost(sample.map(searchText));
  result.embedCostPerQuery = embedCost(heldOutQueries());
  for (const n of sizes) result[`n${n}`] = await benchSize(n, n >= 100_000 ? 100 : 200);
  result.package = packageSize();
  result.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  return result;
}
