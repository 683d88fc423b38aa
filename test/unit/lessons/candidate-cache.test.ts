/**
 * The candidate columns a search takes from memory by row id (candidate-cache.ts) are the table's
 * own after every kind of change: an upsert of an existing id, a delete, a compaction, another
 * connection's writes, the table dropped and recreated under the same name, and the table overwritten
 * in place (a new version whose fragment ids restart: the same row ids name other rows).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { CandidateCache } from '../../../src/lessons/candidate-cache.js';
import { packCard } from '../../../src/lessons/card.js';
import { lessonBatch } from '../../../src/lessons/rows.js';
import { CandidateReads, WARM_RETRY_MS } from '../../../src/lessons/candidate-reads.js';
import { LessonTable, tableNameFor } from '../../../src/lessons/store.js';
import type { Lesson, Severity } from '../../../src/lessons/types.js';
import { contentHash } from '../../../src/lessons/types.js';

const embedder = { name: 'cache-test', version: '1' };
const DIM = 4;
const dirs: string[] = [];
const dbs: lancedb.Connection[] = [];

const lesson = (id: string, word: string, severity: Severity = 'low'): Lesson => {
  const content = { title: `${word} title`, body: `The ${word} body.`, prevention: 'Check.', severity, tags: ['execution'] };
  return { id, ...content, created: Date.parse('2025-01-02'), source: 'corpus:x', contentHash: contentHash(content) };
};
const vec = (i: number) => Float32Array.from({ length: DIM }, (_, d) => (d === i % DIM ? 1 : 0.1));

async function open(dbPath: string): Promise<LessonTable> {
  const db = await lancedb.connect(dbPath, { readConsistencyInterval: 0 });
  dbs.push(db);
  return LessonTable.openOrCreate(db, embedder, DIM, dbPath);
}

async function fresh(): Promise<{ dbPath: string; table: LessonTable }> {
  const dir = mkdtempSync(join(tmpdir(), 'candidate-cache-'));
  dirs.push(dir);
  const dbPath = join(dir, 'lessons.lance');
  const table = await open(dbPath);
  await table.insert([lesson('a', 'wombat'), lesson('b', 'quokka'), lesson('c', 'numbat')], [vec(0), vec(1), vec(2)]);
  await table.ensureIndexes();
  await table.count();
  return { dbPath, table };
}

/**
 * What both searches give for each id: severity and text hash (what the cache holds). Each list is
 * read alone and then both by one hybrid search (one take for the two): they must agree.
 */
async function seen(table: LessonTable, word: string, v: Float32Array) {
  const byVector = await table.vectorSearch(v, 10, undefined, { exact: true });
  const byText = await table.textSearch(word, 10);
  const shape = (xs: Array<{ id: string; severity: string; textHash: string }>) =>
    Object.fromEntries(xs.map((x) => [x.id, `${x.severity}/${x.textHash.slice(0, 8)}`]));
  const both = await table.hybridSearch(v, word, 10, undefined, { exact: true });
  expect({ vector: shape(both.vector), text: shape(both.text) }).toEqual({ vector: shape(byVector), text: shape(byText) });
  return { vector: shape(byVector), text: shape(byText) };
}

/** The table's candidate reads (candidate-reads.ts): the seam its fault-injection tests hold a take at. */
const readsOf = (table: LessonTable) => (table as unknown as { reads: object }).reads;

/** Another connection to the directory (closed after the test). */
async function connect(dbPath: string): Promise<lancedb.Connection> {
  const db = await lancedb.connect(dbPath);
  dbs.push(db);
  return db;
}

/** Overwrite the table in place from another connection: a new version, fragment ids restarted. */
async function overwrite(dbPath: string, rows: Lesson[], vectors: Float32Array[]): Promise<lancedb.Connection> {
  const db = await connect(dbPath);
  const name = tableNameFor(embedder);
  await db.createTable(name, lessonBatch({ name, embedder, dim: DIM }, rows, vectors), { mode: 'overwrite' });
  return db;
}

async function warm(table: LessonTable): Promise<void> {
  await table.vectorSearch(vec(0), 10, undefined, { exact: true });
  expect(await table.warmed()).toBeGreaterThan(0);
}

afterEach(() => {
  for (const db of dbs.splice(0)) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('candidate cache', () => {
  test('an upsert of an existing id is seen with its new columns, a deleted row is gone', async () => {
    const { table } = await fresh();
    await warm(table);
    const changed = lesson('a', 'wombat', 'critical');
    await table.upsert([{ ...changed, body: 'The wombat body, rewritten.' }], [vec(0)]);
    await table.deleteIds(['b']);
    const after = await seen(table, 'wombat', vec(0));
    expect(after.vector.a).toMatch(/^critical\//);
    expect(after.vector.b).toBeUndefined();
    expect(after.text.a).toMatch(/^critical\//);
    expect(Object.keys(after.vector).sort()).toEqual(['a', 'c']);
  });

  test('a compaction moves rows to new row ids: every hit keeps its own columns', async () => {
    const { table } = await fresh();
    await warm(table);
    for (const [i, w] of ['koala', 'dingo', 'emu'].entries()) await table.insert([lesson(`n${i}`, w, 'high')], [vec(i)]);
    await table.deleteIds(['c']);
    const before = await seen(table, 'koala', vec(0));
    const db = dbs[0]!;
    await (await db.openTable(tableNameFor(embedder))).optimize({ cleanupOlderThan: new Date() });
    const after = await seen(table, 'koala', vec(0));
    expect(after).toEqual(before);
    expect(after.vector.n0).toMatch(/^high\//);
    expect(after.vector.c).toBeUndefined();
  });

  test("another connection's writes on the same directory are seen with their columns", async () => {
    const { dbPath, table } = await fresh();
    await warm(table);
    const other = await open(dbPath);
    await other.upsert([lesson('b', 'quokka', 'critical'), lesson('d', 'bilby', 'high')], [vec(1), vec(3)]);
    const after = await seen(table, 'quokka', vec(1));
    expect(after.vector.b).toMatch(/^critical\//);
    expect(after.vector.d).toMatch(/^high\//);
    expect(after.text.b).toMatch(/^critical\//);
  });

  test('a table dropped and recreated under the same name (same row ids, same version) gives its own rows', async () => {
    const { dbPath, table } = await fresh();
    await warm(table);
    const old = await seen(table, 'wombat', vec(0));
    await (await connect(dbPath)).dropTable(tableNameFor(embedder));
    const again = await open(dbPath);
    // The same ids at the same row ids, other severities and text.
    await again.insert([lesson('a', 'wombat', 'critical'), lesson('b', 'wombat', 'critical'), lesson('c', 'wombat', 'critical')], [vec(0), vec(1), vec(2)]);
    await again.ensureIndexes();
    const after = await seen(table, 'wombat', vec(0));
    expect(after.vector).toEqual(await seen(again, 'wombat', vec(0)).then((s) => s.vector));
    expect(Object.values(after.vector).every((v) => v.startsWith('critical/'))).toBe(true);
    expect(Object.values(after.text).every((v) => v.startsWith('critical/'))).toBe(true);
    expect(after.vector.a).not.toBe(old.vector.a);
  });
  test('a table overwritten in place (the same row ids now name other rows) gives its own rows', async () => {
    const { dbPath, table } = await fresh();
    await warm(table);
    const old = await seen(table, 'wombat', vec(0));
    const ids = async (db: lancedb.Connection) =>
      (await (await db.openTable(tableNameFor(embedder))).query().withRowId().select(['id']).toArray()).map((r) => `${r.id}@${r._rowid}`);
    const before = await ids(await connect(dbPath));
    // Same ids, same order, other severities and text: written as a new version of the same dataset.
    const rows = [lesson('a', 'wombat', 'critical'), lesson('b', 'wombat', 'critical'), lesson('c', 'wombat', 'critical')];
    const db = await overwrite(dbPath, rows, [vec(0), vec(1), vec(2)]);
    await (await open(dbPath)).ensureIndexes();
    expect(await ids(db)).toEqual(before); // the premise: the row ids are reused
    const after = await seen(table, 'wombat', vec(0));
    expect(Object.values(after.vector).every((v) => v.startsWith('critical/'))).toBe(true);
    expect(Object.values(after.text).every((v) => v.startsWith('critical/'))).toBe(true);
    expect(after.vector.a).not.toBe(old.vector.a);
  });

  test('the cache holds at most its bound: the oldest rows go and only they are read again, not held by resolve', async () => {
    const small = new CandidateCache(2);
    const rows = (['a', 'b', 'c'] as const).map((id, i) => ({
      id,
      _rowid: BigInt(i),
      card: packCard({ id, severity: 'low', created: 0 }, id.repeat(64), new Uint8Array(0)),
    }));
    small.reset('d@1');
    small.fill(rows);
    expect(small.size).toBe(2);
    const taken: bigint[][] = [];
    const found = await small.resolve(
      rows.map((r) => r._rowid),
      async (ids) => {
        taken.push(ids);
        return rows.filter((r) => ids.includes(r._rowid));
      },
    );
    expect(taken).toEqual([[0n]]);
    expect(found?.candidates.map((c) => c.id)).toEqual(['a', 'b', 'c']);
    // What was taken is the caller's to hold, once it knows the snapshot it was read at.
    expect(found?.taken.map((r) => r._rowid)).toEqual([0n]);
    expect(small.size).toBe(2);
    // A take that misses a row id (moved by a compaction meanwhile) is a miss: the caller re-reads.
    expect(await small.resolve([0n, 7n], async () => [rows[0]!])).toBeNull();
  });

  test('a failed whole-table read is tried again by a later search, and searches give their rows meanwhile', async () => {
    const { table } = await fresh();
    const take = vi.spyOn(readsOf(table) as unknown as { takeCandidates: (ids: bigint[] | null) => Promise<unknown> }, 'takeCandidates');
    take.mockImplementationOnce(() => Promise.reject(new Error('injected: read failed')));
    const wholeReads = () => take.mock.calls.filter(([ids]) => ids === null).length;
    const first = await seen(table, 'wombat', vec(0));
    await table.warmed();
    expect(Object.keys(first.vector).sort()).toEqual(['a', 'b', 'c']);
    await seen(table, 'quokka', vec(1));
    expect(wholeReads()).toBe(1); // not again at once
    await new Promise((r) => setTimeout(r, WARM_RETRY_MS + 100));
    await seen(table, 'wombat', vec(0));
    await table.warmed();
    expect(wholeReads()).toBe(2);
    await expect(take.mock.results.at(-1)?.value).resolves.toHaveLength(3);
  });
  test('a take that finishes after a parallel search moved the cache to a newer snapshot is not held in it', async () => {
    const { dbPath, table } = await fresh();
    type Take = (ids: bigint[] | null) => Promise<Array<{ _rowid: bigint }>>;
    const seam = readsOf(table) as unknown as { takeCandidates: Take };
    const original = seam.takeCandidates.bind(seam);
    let release: (() => void) | null = null;
    let held: Promise<void> | null = null;
    vi.spyOn(seam, 'takeCandidates').mockImplementation(async (ids) => {
      if (ids === null) throw new Error('injected: no whole-table read, so rows come in by takes');
      const rows = await original(ids);
      // The take of row 1 reads the old snapshot, then is held back until the table has moved on.
      if (held && ids.includes(1n)) await held;
      return rows;
    });
    const top = async (v: Float32Array) => (await table.vectorSearch(v, 1, undefined, { exact: true }))[0];
    expect(await top(vec(0))).toMatchObject({ id: 'a', severity: 'low' }); // the cache's label: the first snapshot
    held = new Promise<void>((r) => {
      release = r;
    });
    const a = top(vec(1)); // row 1 ('b', low): its take is read, then held
    await new Promise((r) => setTimeout(r, 50));
    // In place, the same row ids: row 0 now holds what is nearest vec(1), row 1 another lesson.
    const rows = [lesson('p', 'wombat', 'critical'), lesson('y', 'yak', 'critical'), lesson('q', 'quoll', 'critical')];
    await overwrite(dbPath, rows, [vec(1), vec(3), vec(2)]);
    expect(await top(vec(2))).toMatchObject({ id: 'q', severity: 'critical' }); // moves the cache to the new snapshot
    release!();
    expect(await a).toMatchObject({ id: 'p', severity: 'critical' });
    expect(await top(vec(3))).toMatchObject({ id: 'y', severity: 'critical' }); // row 1, as the table holds it now
  });
  test('a table larger than the cache reads its cards in its queries: the same hits, no take, nothing held', async () => {
    const { dbPath } = await fresh();
    const db = await lancedb.connect(dbPath, { readConsistencyInterval: 0 });
    dbs.push(db);
    const raw = await db.openTable(tableNameFor(embedder));
    const small = new CandidateReads(raw, join(dbPath, `${tableNameFor(embedder)}.lance`), () => 3, 2);
    const take = vi.spyOn(small as unknown as { takeCandidates: () => Promise<unknown> }, 'takeCandidates');
    const query = { query: () => raw.query().nearestTo(vec(1)).distanceType('cosine').bypassVectorIndex(), score: '_distance' as const, limit: 3 };
    const text = { query: () => raw.query().fullTextSearch('quokka', { columns: 'search_text' }), score: '_score' as const, limit: 3 };
    const [byVector, byText] = await small.of([query, text]);
    expect(byVector!.map((h) => h.candidate.id).sort()).toEqual(['a', 'b', 'c']);
    expect(byVector![0]).toMatchObject({ candidate: { id: 'b', severity: 'low' } });
    expect(byVector![0]!.value).toBeCloseTo(0, 5);
    expect(byText!.map((h) => h.candidate.id)).toEqual(['b']);
    expect(await small.warmed()).toBe(0);
    // An upsert is seen at once: nothing was held, and no search took rows.
    await (await open(dbPath)).upsert([lesson('b', 'quokka', 'critical')], [vec(1)]);
    const [again] = await small.of([query]);
    expect(again![0]).toMatchObject({ candidate: { id: 'b', severity: 'critical' } });
    expect(take).not.toHaveBeenCalled();
  });
});
