/**
 * The lessons service in-process: ingestion is incremental by content hash, a change of embedder
 * re-embeds only what the new embedder's table lacks, and vectors of two embedders never share a table.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import { createLogger } from '../../../src/log.js';
import { localEmbedder } from '../../../src/lessons/embedders.js';
import { createLessonService } from '../../../src/lessons/service.js';
import { tableNameFor } from '../../../src/lessons/store.js';
import { LESSONS_DIR } from '../../../src/paths.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { lessonDeps, lessonText } from './helpers.js';

const SHIPPED = [
  'exec-market-order-at-open',
  'exec-duplicate-order-after-timeout',
  'opt-earnings-iv-crush',
  'ops-api-key-rotation',
  'agent-hallucinated-ticker',
];

function smallCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tars-corpus-'));
  for (const id of SHIPPED) cpSync(join(LESSONS_DIR, `${id}.md`), join(dir, `${id}.md`));
  return dir;
}

const quiet = () => createLogger('warn', {}, () => undefined);

describe('incremental ingestion', () => {
  test('unchanged lessons are not re-embedded; edited, added and removed files are', async () => {
    const corpusDir = smallCorpus();
    const dataDir = mkdtempSync(join(tmpdir(), 'tars-lessons-'));
    const open = async () => {
      const deps = lessonDeps(dataDir);
      const lessons = await createLessonService(deps, { corpusDir });
      await lessons.ingest();
      return { deps, lessons, status: await lessons.status() };
    };
    const first = await open();
    expect(first.status.lastIngest).toMatchObject({ embedded: 5, deleted: 0 });
    expect(first.status.tables).toEqual([expect.objectContaining({ name: tableNameFor(localEmbedder), state: expect.objectContaining({ rows: 5 }) })]);
    await first.deps.close();

    const second = await open();
    expect(second.status.lastIngest).toMatchObject({ embedded: 0, deleted: 0 });
    await second.deps.close();

    const edited = join(corpusDir, 'ops-api-key-rotation.md');
    writeFileSync(edited, readFileSync(edited, 'utf8').replace('Sunday evening', 'Sunday evening (a marmot-themed maintenance window)'));
    rmSync(join(corpusDir, 'agent-hallucinated-ticker.md'));
    cpSync(join(LESSONS_DIR, 'risk-correlated-positions.md'), join(corpusDir, 'risk-correlated-positions.md'));
    const third = await open();
    expect(third.status.lastIngest).toMatchObject({ embedded: 2, deleted: 1 });
    expect(third.status.tables[0]!.state.rows).toBe(5);
    const { hits } = await third.lessons.search({ query: 'marmot-themed maintenance window', k: 1 });
    expect(hits[0]?.lesson.id).toBe('ops-api-key-rotation');
    const gone = await third.lessons.search({ query: 'hallucinated ticker symbol that does not exist', k: 5 });
    expect(gone.hits.map((h) => h.lesson.id)).not.toContain('agent-hallucinated-ticker');
    await third.deps.close();

    // A severity-only edit rewrites the row: search reads the new severity.
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/^severity: high$/m, 'severity: critical'));
    const fourth = await open();
    expect(fourth.status.lastIngest).toMatchObject({ embedded: 1, deleted: 0 });
    const again = await fourth.lessons.search({ query: 'marmot-themed maintenance window', k: 1 });
    expect(again.hits[0]?.lesson).toMatchObject({ id: 'ops-api-key-rotation', severity: 'critical' });
    await fourth.deps.close();
  });
});

describe('situations', () => {
  test('are indexed with the text (full-text and vector): a query phrased like one finds the lesson; editing them re-embeds it', async () => {
    const corpusDir = smallCorpus();
    const file = join(corpusDir, 'exec-wombat-auction.md');
    const write = (situations: string) =>
      writeFileSync(file, lessonText('exec-wombat-auction', { title: '"Closing auction imbalance"', situations }, 'An order joined the closing cross late.'));
    write('["about to send a buy order moments before the bell rings"]');
    const deps = lessonDeps();
    const lessons = await createLessonService(deps, { corpusDir });
    await lessons.ingest();
    for (const mode of ['fts', 'vector', 'hybrid'] as const) {
      const { hits } = await lessons.search({ query: 'sending a buy moments before the bell', k: 1, mode });
      expect(hits[0]?.lesson.id, mode).toBe('exec-wombat-auction');
    }
    await deps.close();

    write('["a marsupial-shaped sell ticket"]');
    const again = lessonDeps(deps.dataDir);
    const reopened = await createLessonService(again, { corpusDir });
    await reopened.ingest();
    expect((await reopened.status()).lastIngest).toMatchObject({ embedded: 1, deleted: 0 });
    const { hits } = await reopened.search({ query: 'marsupial-shaped ticket', k: 1, mode: 'fts' });
    expect(hits[0]?.lesson.id).toBe('exec-wombat-auction');
    await again.close();
  });
});

describe('several processes on one data dir', () => {
  test('concurrent first ingestions do not duplicate lessons', async () => {
    const corpusDir = smallCorpus();
    const dataDir = mkdtempSync(join(tmpdir(), 'tars-lessons-'));
    const a = lessonDeps(dataDir);
    const b = lessonDeps(dataDir);
    const [la, lb] = await Promise.all([createLessonService(a, { corpusDir }), createLessonService(b, { corpusDir })]);
    await Promise.all([la.ingest(), lb.ingest()]);
    const embedded = [(await la.status()).lastIngest!.embedded, (await lb.status()).lastIngest!.embedded].sort();
    expect(embedded).toEqual([0, 5]);
    expect((await la.status()).tables[0]!.state.rows).toBe(5);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('a change of embedder', () => {
  let gw: FakeGateway;
  beforeAll(async () => {
    gw = await startFakeGateway({ apiKey: 'k-lessons', embeddingDims: 64 });
  });
  afterAll(async () => gw?.close());

  test('re-embeds only what the new embedder lacks, carries recorded lessons over, never mixes vectors', async () => {
    const corpusDir = smallCorpus();
    const dataDir = mkdtempSync(join(tmpdir(), 'tars-lessons-'));
    const offlineDeps = lessonDeps(dataDir);
    const offline = await createLessonService(offlineDeps, { corpusDir });
    const recorded = await offline.record({
      title: 'Capybara spread widened at the close',
      body: 'The capybara pair spread widened in the closing auction.',
      prevention: '',
      severity: 'low',
      tags: ['execution'],
    });
    expect(recorded.duplicate).toBe(false);
    await offlineDeps.close();

    const gatewayDeps = bootstrap(
      { 'data-dir': dataDir },
      { PATH: process.env.PATH ?? '', LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'k-lessons' },
      quiet(),
    );
    const online = await createLessonService(gatewayDeps, { corpusDir });
    const before = gw.requests.length;
    await online.ingest();
    const embedded = gw.requests.slice(before).filter((r) => r.path === '/v1/embeddings');
    const texts = embedded.flatMap((r) => (Array.isArray(r.body?.input) ? (r.body!.input as unknown[]) : [r.body?.input]));
    // One dimension probe + 5 shipped + 1 recorded lesson, carried over from the offline table.
    expect(texts).toHaveLength(7);
    const status = await online.status();
    expect(status.preferred.name).toBe('gateway');
    expect(status.lastIngest).toMatchObject({ embedded: 6 });
    expect(status.tables.map((t) => [t.name, t.state.rows]).sort()).toEqual(
      [
        [status.preferredTable, 6],
        [tableNameFor(localEmbedder), 6],
      ].sort(),
    );

    const found = await online.search({ query: 'capybara spread closing auction', k: 1 });
    expect(found.embedder.name).toBe('gateway');
    expect(found.receipt?.tier).toBe('embedding');
    expect(found.hits[0]?.lesson.id).toBe(recorded.lesson.id);

    // Restarting with the gateway embedder: nothing left to embed.
    await gatewayDeps.close();
    const againDeps = bootstrap(
      { 'data-dir': dataDir },
      { PATH: process.env.PATH ?? '', LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'k-lessons' },
      quiet(),
    );
    const again = await createLessonService(againDeps, { corpusDir });
    await again.ingest();
    expect((await again.status()).lastIngest).toMatchObject({ embedded: 0 });
    await againDeps.close();

    // Each table holds only its own embedder's vectors.
    const db = await lancedb.connect(join(dataDir, 'lessons.lance'));
    for (const name of await db.tableNames()) {
      const rows = (await (await db.openTable(name)).query().select(['embedder', 'embedder_version']).toArray()) as Array<{
        embedder: string;
        embedder_version: string;
      }>;
      expect(new Set(rows.map((r) => `${r.embedder}@${r.embedder_version}`)).size, name).toBe(1);
    }
    db.close();
  });
});
