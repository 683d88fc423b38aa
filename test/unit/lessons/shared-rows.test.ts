/**
 * The lessons' rows on both backends (SPEC §16): two replicas — on SQLite two services on one data dir
 * (today's sharing), on PostgreSQL two services on two data dirs and one database — see each other's
 * recorded lessons, drafts and promotions. The bound on PostgreSQL is the next search (asserted with
 * no wait at all); on SQLite it is LanceDB's read-consistency interval (1 s).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import type { Deps } from '../../../src/deps.js';
import { lessonChecks } from '../../../src/lessons/doctor.js';
import { draftIdFor, writeLossDraft } from '../../../src/lessons/drafts.js';
import { lessonsForOrder } from '../../../src/lessons/for-order.js';
import { lessonFeedFor } from '../../../src/lessons/index.js';
import { listDrafts, promoteLesson } from '../../../src/lessons/promote.js';
import { createLessonService, type LessonService } from '../../../src/lessons/service.js';
import { createLogger } from '../../../src/log.js';
import { LESSONS_DIR } from '../../../src/paths.js';
import { contract, type StorePlace } from '../../support/backends.js';

const corpus = mkdtempSync(join(tmpdir(), 'tars-corpus-'));
for (const id of ['exec-market-order-at-open', 'opt-iron-condor-tested-short-strike']) cpSync(join(LESSONS_DIR, `${id}.md`), join(corpus, `${id}.md`));

const loss = (roundTripId: string) => ({
  roundTripId,
  symbol: 'QQQ',
  strategy: 'iron_condor',
  tags: ['earnings'],
  realizedPnl: -212.5,
  holdingMs: 3 * 86_400_000,
  entryPrice: 1.45,
  exitPrice: 3.6,
  regimeAtEntry: null,
  auditId: 'aud_1',
  clientOrderId: 'ic-qqq-1',
  rationale: 'selling the wings',
});

const recorded = {
  title: 'Gamma squeeze on the short call of a covered strangle',
  body: 'A meme rally ran through the short call within two sessions; the roll cost three times the credit.',
  prevention: 'Close the short call when the underlying trades through it by one expected move.',
  severity: 'high' as const,
  tags: ['options', 'gamma'],
};

contract('lesson rows across replicas', (backend) => {
  let place: StorePlace;
  const opened: Deps[] = [];
  const dirs: string[] = [];

  /** A replica: its own data dir on PostgreSQL, the shared one on SQLite (that is how SQLite shares). */
  function replica(): Deps {
    const dataDir = backend.name === 'postgres' ? mkdtempSync(join(tmpdir(), 'tars-replica-')) : place.dataDir;
    if (dataDir !== place.dataDir) dirs.push(dataDir);
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    if (place.databaseUrl) env.TRADING_MCP_DATABASE_URL = place.databaseUrl;
    const deps = bootstrap(
      { 'data-dir': dataDir },
      env,
      createLogger('warn', {}, () => undefined),
    );
    opened.push(deps);
    return deps;
  }

  const service = (deps: Deps): Promise<LessonService> => createLessonService(deps, { corpusDir: corpus });

  /** On PostgreSQL the first search must find it (bound: the next search); on SQLite within the 1 s read-consistency interval. */
  async function findsSoon(lessons: LessonService, query: string, id: string, includeDrafts = false): Promise<boolean> {
    const deadline = Date.now() + (backend.name === 'postgres' ? 0 : 2_500);
    for (;;) {
      const hits = (await lessons.search({ query, k: 10, includeDrafts })).hits.map((h) => h.lesson.id);
      if (hits.includes(id)) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    await place.cleanup();
  });

  it('a lesson recorded on one replica is found by the other', async () => {
    const [a, b] = [await service(replica()), await service(replica())];
    await Promise.all([a.ingest(), b.ingest()]);
    expect((await b.search({ query: 'gamma squeeze covered strangle', k: 5 })).hits.map((h) => h.lesson.id)).not.toContain('rec-x');
    const r = await a.record(recorded);
    expect(r.duplicate).toBe(false);
    expect(await findsSoon(b, 'gamma squeeze on the short call', r.lesson.id)).toBe(true);
    // recorded again on the other replica: the same lesson, not a second one
    const again = await b.record(recorded);
    expect(again).toMatchObject({ duplicate: true, lesson: { id: r.lesson.id } });
  }, 60_000);

  it('one draft per round trip across replicas; a promotion is seen by both, at search and at the gate', async () => {
    const [da, db] = [replica(), replica()];
    const [a, b] = [await service(da), await service(db)];
    await Promise.all([a.ingest(), b.ingest()]);
    const writes = await Promise.all(Array.from({ length: 6 }, (_, i) => writeLossDraft(i % 2 ? db : da, loss('rt-shared-1'))));
    expect(writes.filter((w) => w.status === 'written')).toHaveLength(1);
    const id = draftIdFor('rt-shared-1');
    expect(await listDrafts(replica())).toContain(id);
    const query = 'QQQ iron condor loss';
    expect(await findsSoon(b, query, id, true)).toBe(true);
    expect(await findsSoon(a, query, id, true)).toBe(true);
    expect((await b.search({ query, k: 10 })).hits.map((h) => h.lesson.id)).not.toContain(id);
    const order = { symbol: 'QQQ', side: 'sell', type: 'limit' } as const;
    expect((await lessonsForOrder(db, order)).map((m) => m.lesson.id)).not.toContain(id);

    expect(await promoteLesson(replica(), id)).toMatch(new RegExp(`^promoted ${id}`));
    expect(await findsSoon(a, query, id)).toBe(true);
    expect(await findsSoon(b, query, id)).toBe(true);
    expect((await b.search({ query, k: 10 })).hits.find((h) => h.lesson.id === id)?.lesson.source).toBe(`user:${id}.md`);
    expect((await lessonsForOrder(da, order)).map((m) => m.lesson.id)).toContain(id);
    expect((await lessonsForOrder(db, order)).map((m) => m.lesson.id)).toContain(id);
    expect(await promoteLesson(replica(), id)).toMatch(/already a lesson/);
  }, 90_000);

  it.skipIf(backend.name !== 'postgres')(
    'the same lesson recorded at once on two replicas is recorded once',
    async () => {
      const [a, b] = [await service(replica()), await service(replica())];
      await Promise.all([a.ingest(), b.ingest()]);
      const outs = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? b : a).record(recorded)));
      expect(outs.filter((o) => !o.duplicate)).toHaveLength(1);
      expect(new Set(outs.map((o) => o.lesson.id)).size).toBe(1);
      const rows = (await lessonFeedFor(opened[0]!))!.rows;
      expect((await rows.since(0)).recorded).toHaveLength(1);
    },
    60_000,
  );

  it.skipIf(backend.name !== 'postgres')(
    'lessons recorded in a data dir before the database was set are shared at its first start on it, once',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'tars-before-db-'));
      dirs.push(dir);
      const quiet = createLogger('warn', {}, () => undefined);
      const before = bootstrap({ 'data-dir': dir }, { PATH: process.env.PATH ?? '' }, quiet);
      const old = await (await service(before)).record(recorded);
      await before.close();
      const env = { PATH: process.env.PATH ?? '', TRADING_MCP_DATABASE_URL: place.databaseUrl! };
      for (let run = 0; run < 2; run++) {
        const after = bootstrap({ 'data-dir': dir }, env, quiet);
        opened.push(after);
        await (await service(after)).ingest();
      }
      const other = await service(replica());
      expect(await findsSoon(other, 'gamma squeeze on the short call', old.lesson.id)).toBe(true);
      const rows = (await lessonFeedFor(opened.at(-1)!))!.rows;
      expect((await rows.since(0)).recorded.map((l) => l.id)).toEqual([old.lesson.id]);
    },
    60_000,
  );

  it.skipIf(backend.name !== 'postgres')(
    'a replica with an empty data dir rebuilds its cache from the rows; an unmoved counter costs one read',
    async () => {
      const a = await service(replica());
      const r = await a.record(recorded);
      const dc = replica();
      const c = await service(dc);
      expect(await findsSoon(c, 'gamma squeeze on the short call', r.lesson.id)).toBe(true);
      const feed = (await lessonFeedFor(dc))!;
      const before = { ...feed.counts };
      await c.search({ query: 'market order at the open', k: 3 });
      await c.search({ query: 'tested short strike', k: 3 });
      expect(feed.counts.fetched).toBe(before.fetched);
      expect(feed.counts.unchanged).toBeGreaterThanOrEqual(before.unchanged + 2);
      const store = (await lessonChecks(dc)).find((c) => c.name === 'lesson store')!;
      expect(store).toMatchObject({ status: 'ok', detail: expect.stringContaining('a cache of the shared lesson rows in postgres://') });
    },
    60_000,
  );
});
