/**
 * The lessons' shared rows with the database lost mid-run (SPEC §16), through a loopback TCP proxy in
 * front of the test cluster that the test cuts and restores: record_lesson fails with STORE_UNAVAILABLE
 * (nothing half-recorded), a search answers from the replica's cache and says so, the gate's lesson
 * rules fail closed with STORE_UNAVAILABLE; once the database is back all three work again, and the
 * other replica finds what was recorded after the return.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import type { Deps } from '../../../src/deps.js';
import { lessonRulesFor } from '../../../src/lessons/for-order.js';
import { createLessonService } from '../../../src/lessons/service.js';
import { createLogger } from '../../../src/log.js';
import { LESSONS_DIR } from '../../../src/paths.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';

/** A TCP proxy to the cluster that can be cut (every connection dropped, new ones refused) and restored on the same port. */
class CuttableProxy {
  private server: Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}
  async up(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', () => r()));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = null;
  }
}

describe.skipIf(!PG_TEST_URL)('lesson rows with the database lost mid-run', () => {
  let db: FreshDatabase;
  let proxy: CuttableProxy;
  const made: Array<{ deps: Deps; dir: string }> = [];
  const corpus = mkdtempSync(join(tmpdir(), 'tars-corpus-'));
  cpSync(join(LESSONS_DIR, 'exec-market-order-at-open.md'), join(corpus, 'exec-market-order-at-open.md'));

  function replica(url: string): Deps {
    const dir = mkdtempSync(join(tmpdir(), 'tars-replica-'));
    const deps = bootstrap(
      { 'data-dir': dir },
      { PATH: process.env.PATH ?? '', TRADING_MCP_DATABASE_URL: url },
      createLogger('error', {}, () => undefined),
    );
    made.push({ deps, dir });
    return deps;
  }

  beforeAll(async () => {
    db = await freshDatabase('lessons_lost');
    const u = new URL(db.url);
    proxy = new CuttableProxy({ host: u.hostname, port: Number(u.port) });
    await proxy.up();
  });
  afterAll(async () => {
    await proxy.cut();
    for (const { deps, dir } of made) {
      await deps.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await db.drop();
  });

  const lesson = (n: number) => ({
    title: `Stale quote lesson number ${n}`,
    body: `Case ${n}: the quote was stale by minutes and the limit price was set from it, far from the market.`,
    prevention: 'Refresh the quote before pricing a limit order.',
    severity: 'medium' as const,
    tags: ['execution'],
  });

  it('fails closed while it is gone, answers searches from the cache, and recovers when it returns', async () => {
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const [da, db2] = [replica(viaProxy.toString()), replica(db.url)];
    const [a, b] = [await createLessonService(da, { corpusDir: corpus }), await createLessonService(db2, { corpusDir: corpus })];
    const first = await a.record(lesson(1));
    expect((await a.search({ query: 'stale quote limit price', k: 5 })).degraded).toBeNull();

    await proxy.cut();
    await expect(a.record(lesson(2))).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    const cached = await a.search({ query: 'stale quote limit price', k: 5 });
    expect(cached.hits.map((h) => h.lesson.id)).toContain(first.lesson.id);
    expect(cached.degraded).toMatch(/shared lesson rows are unreachable \(STORE_UNAVAILABLE\)/);
    await expect(lessonRulesFor(da, { symbol: 'SPY', side: 'buy', type: 'market' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // nothing of the failed record reached the rows
    expect((await b.search({ query: 'stale quote lesson number 2', k: 5 })).hits.map((h) => h.lesson.title)).not.toContain('Stale quote lesson number 2');

    await proxy.up();
    const again = await a.record(lesson(2));
    expect(again.duplicate).toBe(false);
    expect((await a.search({ query: 'stale quote limit price', k: 5 })).degraded).toBeNull();
    await expect(lessonRulesFor(da, { symbol: 'SPY', side: 'buy', type: 'market' })).resolves.toMatchObject({ blocks: expect.any(Array) });
    expect((await b.search({ query: 'stale quote lesson number 2', k: 5 })).hits.map((h) => h.lesson.id)).toContain(again.lesson.id);
  }, 60_000);
});
