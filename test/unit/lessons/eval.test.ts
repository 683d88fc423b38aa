/**
 * Retrieval quality on the labelled set (offline embedder, shipped corpus): recall@5 and nDCG@5 for
 * full-text only, vectors only and hybrid. Prints the table; asserts hybrid beats full-text only.
 * Run: npx vitest run test/unit/lessons/eval.test.ts
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Deps } from '../../../src/deps.js';
import { loadCorpus } from '../../../src/lessons/corpus.js';
import type { LessonService } from '../../../src/lessons/service.js';
import { LESSONS_DIR } from '../../../src/paths.js';
import { EVAL_SET } from './eval-set.js';
import { offlineLessons } from './helpers.js';

const K = 5;

function recallAt(ranked: string[], relevant: string[], k = K): number {
  const top = new Set(ranked.slice(0, k));
  return relevant.filter((id) => top.has(id)).length / relevant.length;
}

function ndcgAt(ranked: string[], relevant: string[], k = K): number {
  const rel = new Set(relevant);
  const dcg = ranked.slice(0, k).reduce((sum, id, i) => sum + (rel.has(id) ? 1 / Math.log2(i + 2) : 0), 0);
  const ideal = Array.from({ length: Math.min(k, relevant.length) }, (_, i) => 1 / Math.log2(i + 2)).reduce((a, b) => a + b, 0);
  return dcg / ideal;
}

describe('lesson retrieval evaluation (offline embedder)', () => {
  let deps: Deps;
  let lessons: LessonService;
  const metrics: Record<string, { recall5: number; ndcg5: number; mrr: number; ndcg5Even: number; ndcg5Odd: number }> = {};

  beforeAll(async () => {
    ({ deps, lessons } = await offlineLessons());
    await lessons.ingest();
    const configs = [
      ['fts', 'fts', false],
      ['vector', 'vector', false],
      ['hybrid (no boosts)', 'hybrid', false],
      ['hybrid', 'hybrid', true],
    ] as const;
    for (const [label, mode, boosts] of configs) {
      let recall = 0;
      let ndcg = 0;
      let mrr = 0;
      const halves = [0, 0];
      for (const [i, q] of EVAL_SET.entries()) {
        const { hits } = await lessons.search({ query: q.query, k: 10, mode, boosts });
        const ranked = hits.map((h) => h.lesson.id);
        recall += recallAt(ranked, q.relevant);
        ndcg += ndcgAt(ranked, q.relevant);
        halves[i % 2]! += ndcgAt(ranked, q.relevant);
        const first = ranked.findIndex((id) => q.relevant.includes(id));
        mrr += first >= 0 ? 1 / (first + 1) : 0;
      }
      const n = EVAL_SET.length;
      metrics[label] = {
        recall5: round(recall / n),
        ndcg5: round(ndcg / n),
        mrr: round(mrr / n),
        ndcg5Even: round(halves[0]! / Math.ceil(n / 2)),
        ndcg5Odd: round(halves[1]! / Math.floor(n / 2)),
      };
    }
    process.stdout.write(`\nlesson retrieval, ${EVAL_SET.length} queries, offline embedder:\n`);
    for (const [label, m] of Object.entries(metrics)) {
      process.stdout.write(
        `  ${label.padEnd(20)} recall@5 ${m.recall5.toFixed(3)}  nDCG@5 ${m.ndcg5.toFixed(3)}  MRR@10 ${m.mrr.toFixed(3)}  ` +
          `(nDCG@5 on even queries, where the RRF weights were chosen: ${m.ndcg5Even.toFixed(3)}; odd, held out: ${m.ndcg5Odd.toFixed(3)})\n`,
      );
    }
  }, 120_000);

  afterAll(async () => deps?.close());

  test('the labelled set has at least 30 queries and every relevant id is a shipped lesson', () => {
    expect(EVAL_SET.length).toBeGreaterThanOrEqual(30);
    const ids = new Set(loadCorpus(LESSONS_DIR).lessons.map((l) => l.id));
    for (const q of EVAL_SET) for (const id of q.relevant) expect(ids, `${q.query} → ${id}`).toContain(id);
  });

  test('hybrid beats full-text only on nDCG@5 and does not lose recall@5', () => {
    expect(metrics.hybrid!.ndcg5).toBeGreaterThan(metrics.fts!.ndcg5);
    expect(metrics.hybrid!.recall5).toBeGreaterThanOrEqual(metrics.fts!.recall5);
  });

  test('retrieval is useful: hybrid recall@5 of at least 0.8', () => {
    expect(metrics.hybrid!.recall5).toBeGreaterThanOrEqual(0.8);
  });
});

const round = (x: number) => Math.round(x * 1000) / 1000;
