/**
 * What a search reads (issue 21): the hits' text from the file lessons in memory only at the row's
 * text hash (else from the table), and the packed whole vector that re-ranks the HNSW candidates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { describe, expect, test } from 'vitest';
import { Float32, RecordBatch, Uint64, vectorFromArray } from 'apache-arrow';
import { idsAndScoresOf, resultOf } from '../../../src/lessons/candidate-reads.js';
import { localEmbedder } from '../../../src/lessons/embedders.js';
import { embedLocal } from '../../../src/lessons/local-embedder.js';
import { byWholeVector, packPieces, wholeScore } from '../../../src/lessons/pieces.js';
import { createLessonService } from '../../../src/lessons/service.js';
import { ANN_MIN_ROWS, LessonTable, tableNameFor } from '../../../src/lessons/store.js';
import type { Lesson } from '../../../src/lessons/types.js';
import { contentHash } from '../../../src/lessons/types.js';
import { lessonDeps } from './helpers.js';

const lesson = (id: string, title: string, body: string): Lesson => {
  const content = { title, body, prevention: 'Check first.', severity: 'high' as const, tags: ['execution'] };
  return { id, ...content, created: Date.parse('2025-01-02'), source: 'corpus:x', contentHash: contentHash(content) };
};

describe('search reads', () => {
  test('an indexed table answers the widest search: k 50 reads 150 candidates a list, refined or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wide-search-'));
    const dbPath = join(dir, 'lessons.lance');
    const db = await lancedb.connect(dbPath);
    try {
      const dim = 8;
      const table = await LessonTable.openOrCreate(db, { name: 'wide-search', version: '1' }, dim, dbPath);
      const lessons = Array.from({ length: ANN_MIN_ROWS }, (_, i) => lesson(`l-${i}`, `Wombat lesson ${i}`, `The wombat body ${i % 97}.`));
      const unit = (i: number) => {
        const v = Float32Array.from({ length: dim }, (_, d) => Math.sin(i * (d + 1) + d));
        const norm = Math.hypot(...v);
        return v.map((x) => x / norm);
      };
      await table.insert(
        lessons,
        lessons.map((_, i) => unit(i)),
      );
      expect(await table.ensureIndexes()).toContain('hnsw_sq');
      await table.count();
      expect(table.approximate()).toBe(true);
      // The service asks max(50, 3k) candidates a list, k ≤ 50: 150, × 2 when refined (below 50k rows).
      for (const opts of [{ refine: false }, { refine: true }, { refine: false, vectorOnly: true }]) {
        expect((await table.vectorSearch(unit(7), 150, undefined, opts)).length).toBe(150);
        const both = await table.hybridSearch(unit(7), 'wombat', 150, undefined, opts);
        expect([both.vector.length, both.text.length]).toEqual([150, 150]);
        const textless = await table.hybridSearch(unit(7), ' ', 150, undefined, opts);
        expect([textless.vector.length, textless.text.length]).toEqual([150, 0]);
      }
      await table.warmed();
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('row ids and scores stay paired across batches; a null score is undefined, not zero', () => {
    const batch = (ids: bigint[], scores: Array<number | null>) =>
      new RecordBatch({ _rowid: vectorFromArray(ids, new Uint64()), _score: vectorFromArray(scores, new Float32()) });
    const read = idsAndScoresOf([batch([7n, 3n], [2.5, null]), batch([9n], [1.25])], '_score');
    expect(read).toEqual({ rowIds: [7n, 3n, 9n], values: [2.5, undefined, 1.25] });
    expect(idsAndScoresOf([], '_score')).toEqual({ rowIds: [], values: [] });
  });

  test("a query's result is read batch by batch up to its limit, and to the stream's end below it", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'result-of-'));
    const db = await lancedb.connect(dir);
    try {
      // Three appends: three data files, read as (at least) one batch each.
      const rows = (from: number) => Array.from({ length: 10 }, (_, i) => ({ n: from + i }));
      const table = await db.createTable('t', rows(0));
      await table.add(rows(10));
      await table.add(rows(20));
      const count = (batches: Array<{ numRows: number }>) => batches.reduce((sum, b) => sum + b.numRows, 0);
      const upTo = await resultOf(table.query().select(['n']).limit(25), 25);
      expect(upTo.length).toBeGreaterThan(1);
      expect(count(upTo)).toBe(25);
      const all = await resultOf(table.query().select(['n']).limit(100), 100);
      expect(count(all)).toBe(30);
      expect(all.flatMap((b) => Array.from(b.getChild('n')!.toArray() as ArrayLike<number>, Number)).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 30 }, (_, i) => i),
      );
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a hit's text comes from the lesson in memory at the row's text hash; a recorded lesson's from its row", async () => {
    const corpus = [
      lesson('wombat-fill', 'Wombat auction fills', 'The wombat auction filled at a bad price.'),
      lesson('quokka-halt', 'Quokka halts', 'The quokka venue halted trading mid order.'),
    ];
    const first = lessonDeps();
    const dataDir = first.dataDir;
    await (await createLessonService(first, { corpus })).ingest();
    await first.close();
    // The row's text rewritten behind the service, its text hash kept: the next search shows what memory holds.
    const db = await lancedb.connect(join(dataDir, 'lessons.lance'));
    await (await db.openTable(tableNameFor(localEmbedder))).update({ where: `id = 'wombat-fill'`, values: { body: 'ROW TEXT at the same hash' } });
    db.close();
    const deps = lessonDeps(dataDir);
    try {
      const service = await createLessonService(deps, { corpus });
      const hit = async (query: string, id: string) => (await service.search({ query, k: 3 })).hits.find((h) => h.lesson.id === id)?.lesson;
      expect((await hit('wombat auction', 'wombat-fill'))?.body).toBe('The wombat auction filled at a bad price.');
      const recorded = await service.record({
        title: 'Numbat spreads',
        body: 'The numbat spread widened at the open.',
        prevention: 'Wait.',
        severity: 'low',
        tags: ['execution'],
      });
      expect(await hit('numbat spread', recorded.lesson.id)).toMatchObject({
        body: 'The numbat spread widened at the open.',
        source: 'recorded',
        severity: 'low',
      });
    } finally {
      await deps.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('the packed whole vector scores within quantisation error of the float cosine; no pieces, no score', () => {
    const [whole, piece, query] = embedLocal(['iron condor short strike tested', 'short strike tested', 'my condor short call is breached']);
    const cosine = whole!.reduce((s, x, i) => s + x * query![i]!, 0);
    expect(Math.abs(wholeScore(query!, packPieces(whole!, [piece!]))! - cosine)).toBeLessThan(0.01);
    expect(wholeScore(query!, new Uint8Array(0))).toBeNull();
  });
});

describe('re-ranking the index candidates on the packed whole vectors', () => {
  test('orders the hits by their whole vectors, not by the similarity the index gave', () => {
    const [near, far, query] = embedLocal(['iron condor short strike tested', 'broker api outage at the open', 'condor short strike breached']);
    const hit = (id: string, v: Float32Array, similarity: number) => ({ id, pieces: packPieces(v, [v]), similarity });
    const ranked = byWholeVector(query!, [hit('far', far!, 0.9), hit('near', near!, 0.1)]);
    expect(ranked.map((h) => h.id)).toEqual(['near', 'far']);
    expect(ranked[0]!.similarity).toBeCloseTo(wholeScore(query!, packPieces(near!, [near!]))!, 6);
  });
});
