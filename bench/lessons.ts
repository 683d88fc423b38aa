/**
 * Lessons: ingestion throughput and search latency at 1k, 10k and 100k generated lessons through
 * the real service (offline embedder, LanceDB under a temp dir): hybrid, vector-only and full-text
 * only, plus the vector index's recall@10 against exact search and the exact-search latency as the
 * baseline measured in the same run. An IVF index is built above ANN_MIN_ROWS (store.ts).
 * Run alone: npm run build && node dist/bench/run.js lessons
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { prng as mulberry32 } from '../src/broker/sim/path.js';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as lancedb from '@lancedb/lancedb';
import { bootstrap } from '../src/bootstrap.js';
import { createLogger } from '../src/log.js';
import { loadCorpus } from '../src/lessons/corpus.js';
import { localEmbedder } from '../src/lessons/embedders.js';
import { embedLocal } from '../src/lessons/local-embedder.js';
import { createLessonService } from '../src/lessons/service.js';
import { ANN_MIN_ROWS, LessonTable } from '../src/lessons/store.js';
import { SEVERITIES, contentHash, type Lesson } from '../src/lessons/types.js';
import { LESSONS_DIR } from '../src/paths.js';
import { ratio, summarize } from './stats.js';

const QUERIES = [
  'my condor call side is being breached, should I roll it up',
  'will my short call get exercised before the dividend',
  'buying calls ahead of the quarterly report, implied vol is very high',
  'market order right at the opening bell got a terrible fill',
  'request timed out so I sent the order again and got filled twice',
  'model suggested a symbol that does not exist',
  'article text told the assistant to buy shares',
  'new credentials deployed, old ones revoked, now getting 401',
  'holding several chip stocks at once, is that diversified',
  'limit price based on an old quote from the cache',
  'stock opened way below my stop loss after bad news overnight',
  'too many requests from the model router',
];

/** Lessons that read like the shipped ones: a topic's words reshuffled, a random ticker and figures. */
export function generateLessons(n: number, seed = 7): Lesson[] {
  const topics = loadCorpus(LESSONS_DIR).lessons;
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const topicWords = topics.map((t) => `${t.body} ${t.prevention}`.split(/\s+/).filter((w) => w.length > 2));
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  const out: Lesson[] = [];
  for (let i = 0; i < n; i++) {
    const ti = Math.floor(rand() * topics.length);
    const topic = topics[ti]!;
    const wordsOf = topicWords[ti]!;
    const ticker = Array.from({ length: 3 + Math.floor(rand() * 2) }, () => pick([...letters])).join('');
    const start = Math.floor(rand() * Math.max(1, wordsOf.length - 45));
    const body = `${ticker}: ${wordsOf.slice(start, start + 30 + Math.floor(rand() * 30)).join(' ')} Loss ${(rand() * 5).toFixed(1)}% on ${Math.ceil(rand() * 20)} contracts.`;
    const titleWords = topic.title.split(' ');
    const title = `${ticker} ${titleWords.slice(0, 4 + Math.floor(rand() * (titleWords.length - 3))).join(' ')}`;
    const content = { title, body, prevention: topic.prevention.split('\n')[0] ?? '', severity: pick(SEVERITIES), tags: topic.tags };
    out.push({
      id: `gen-${i}`,
      ...content,
      created: Date.UTC(2024, 0, 1) + Math.floor(rand() * 600) * 86_400_000,
      source: 'corpus:generated',
      contentHash: contentHash(content),
    });
  }
  return out;
}

async function timeQueries(q: number, fn: (query: string) => Promise<unknown>): Promise<ReturnType<typeof summarize>> {
  for (let i = 0; i < 10; i++) await fn(QUERIES[i % QUERIES.length]!);
  const samples: number[] = [];
  for (let i = 0; i < q; i++) {
    const t = performance.now();
    await fn(`${QUERIES[i % QUERIES.length]!}${i >= QUERIES.length ? ` ${i}` : ''}`);
    samples.push(performance.now() - t);
  }
  return summarize(samples);
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
    const embedStart = performance.now();
    embedLocal(corpus.slice(0, Math.min(n, 5_000)).map((l) => `${l.title}\n${l.body}`));
    const embedPerSec = Math.round(Math.min(n, 5_000) / ((performance.now() - embedStart) / 1000));

    const service = await createLessonService(deps, { corpus });
    const t0 = performance.now();
    await service.ingest();
    const ingestMs = performance.now() - t0;
    const status = await service.status();

    // k = 5 is search_lessons' default; k = 10 shown too.
    const hybrid = await timeQueries(queries, (query) => service.search({ query, k: 5 }));
    const hybridK10 = await timeQueries(queries, (query) => service.search({ query, k: 10 }));
    const vectorOnly = await timeQueries(queries, (query) => service.search({ query, k: 5, mode: 'vector' }));
    const ftsOnly = await timeQueries(queries, (query) => service.search({ query, k: 5, mode: 'fts' }));
    const filtered = await timeQueries(queries, (query) => service.search({ query, k: 5, minSeverity: 'high', tags: ['options', 'execution'] }));

    // Vector index quality and the exact-search baseline, on the same table.
    const db = await lancedb.connect(join(dataDir, 'lessons.lance'));
    const table = await LessonTable.openOrCreate(db, localEmbedder, await localEmbedder.dim());
    const vectors = embedLocal(QUERIES.map((q, i) => `${q} ${i}`));
    let overlap = 0;
    for (const v of vectors) {
      const ann = new Set((await table.vectorSearch(v, 10)).map((h) => h.id));
      const exact = await table.vectorSearch(v, 10, undefined, true);
      overlap += exact.filter((h) => ann.has(h.id)).length / exact.length;
    }
    const annSearch = await timeQueries(queries, (query) => table.vectorSearch(embedLocal([query])[0]!, 10));
    const exactSearch = await timeQueries(n >= 100_000 ? 30 : 60, (query) => table.vectorSearch(embedLocal([query])[0]!, 10, undefined, true));
    db.close();
    await deps.close();
    const state = status.tables[0]?.state;
    return {
      lessons: n,
      vectorIndex: state?.vector ? `${state.vector.type} (${state.vector.indexed} rows)` : `none (exact search below ${ANN_MIN_ROWS} rows)`,
      ingest: {
        ms: Math.round(ingestMs),
        lessonsPerSec: Math.round(n / (ingestMs / 1000)),
        indexes: status.lastIngest?.indexes ?? [],
        embedderTextsPerSec: embedPerSec,
      },
      searchHybridMs: hybrid,
      searchHybridK10Ms: hybridK10,
      searchHybridFilteredMs: filtered,
      searchVectorOnlyMs: vectorOnly,
      searchFtsOnlyMs: ftsOnly,
      vectorAnnMs: annSearch,
      vectorExactMs: exactSearch,
      vectorExactOverAnnP50: ratio(exactSearch.p50, annSearch.p50),
      vectorRecallAt10VsExact: Math.round((overlap / vectors.length) * 1000) / 1000,
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const sizes = (process.env.LESSONS_BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
  // The machine is shared: record its load so the latencies can be read in context.
  const result: Record<string, unknown> = { loadAverageAtStart: loadavg().map((x) => Math.round(x * 10) / 10) };
  const started = performance.now();
  for (const n of sizes) result[`n${n}`] = await benchSize(n, n >= 100_000 ? 100 : 200);
  result.totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  return result;
}
