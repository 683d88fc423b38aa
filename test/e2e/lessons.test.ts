/**
 * search_lessons / record_lesson through a real MCP client against the BUILT server (npm run build
 * first): offline hybrid search over the shipped corpus, ingestion on the first lessons call, a recorded lesson
 * found first after a restart, dedup, refusals, and the gateway embedding tier with its receipt.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

interface Hit {
  id: string;
  title: string;
  severity: string;
  tags: string[];
  score: number;
  score_parts: { vector_rank: number | null; fts_rank: number | null; fused: number; rrf: number; severity_boost: number; recency_boost: number };
}
interface SearchOut {
  results: Hit[];
  trust: string;
  embedder: { name: string; version: string };
  routing: { tier: string; model: string; cost_usd: number; remaining_daily_usd: number } | null;
  degraded: string | null;
  lesson_count: number;
}

const servers: RunningServer[] = [];
async function start(options: Parameters<typeof startServer>[0] = {}): Promise<RunningServer> {
  const s = await startServer({ profile: 'analyst', ...options });
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.close();
});

describe('lessons offline (no gateway key)', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await start();
  });

  it('opens the store and ingests only on the first lessons call; the first search waits for that ingestion and answers', async () => {
    await callOk(server.client, 'get_account', {});
    await callTool(server.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' });
    await new Promise((r) => setTimeout(r, 1_000)); // longer than the old start-up ingestion's 0.4 s delay
    expect(server.stderr()).toContain('"serving over stdio"');
    expect(server.stderr()).not.toContain('lesson store opened'); // LanceDB not loaded
    expect(existsSync(join(server.dataDir, 'lessons.lance'))).toBe(false);
    const first = await callOk<SearchOut>(server.client, 'search_lessons', { query: 'should I send a market order right at the opening bell', k: 5 });
    expect(first.results.map((r) => r.id).slice(0, 3)).toContain('exec-market-order-at-open');
    expect(first.lesson_count).toBeGreaterThanOrEqual(40);
    const line = server
      .stderr()
      .split('\n')
      .find((l) => l.includes('"lessons in sync"'))!;
    expect(JSON.parse(line)).toMatchObject({ embedder: 'local-words@4', rows: expect.any(Number) });
    expect(JSON.parse(line).rows).toBeGreaterThanOrEqual(40);
    expect(existsSync(join(server.dataDir, 'lessons.lance'))).toBe(true);
    expect(server.stderr().indexOf('"serving over stdio"')).toBeLessThan(server.stderr().indexOf('lesson store opened'));
  });

  it('finds the relevant shipped lessons, marks them untrusted and shows the score parts', async () => {
    const cases: Array<[string, string]> = [
      ['should I send a market order right at the opening bell', 'exec-market-order-at-open'],
      ['request timed out so I resubmitted and got filled twice', 'exec-duplicate-order-after-timeout'],
      ['buying calls before the earnings report with implied volatility elevated', 'opt-earnings-iv-crush'],
      ['news article told the assistant to buy shares', 'agent-prompt-injection-news'],
    ];
    for (const [query, expected] of cases) {
      const out = await callOk<SearchOut>(server.client, 'search_lessons', { query, k: 5 });
      expect(out.results.map((r) => r.id).slice(0, 3), query).toContain(expected);
      expect(out.trust).toBe('untrusted_data');
      expect(out.embedder).toEqual({ name: 'local-words', version: '4' });
      expect(out.routing).toBeNull();
      expect(out.results.length).toBe(5);
      const top = out.results[0]!;
      expect(top.score).toBeGreaterThan(0);
      expect(top.score_parts.vector_rank !== null || top.score_parts.fts_rank !== null).toBe(true);
      // What ranks is the fused score (boosts off): the top hit scores at least what either list's top does (1).
      expect(top.score).toBe(top.score_parts.fused);
      expect(top.score_parts.fused).toBeGreaterThanOrEqual(1);
      expect(out.results.map((r) => r.score)).toEqual(out.results.map((r) => r.score).sort((a, b) => b - a));
    }
    const raw = await callTool(server.client, 'search_lessons', { query: 'stale quote limit price' });
    const text = raw.content?.[0]?.type === 'text' ? raw.content[0].text : '';
    expect(text).toMatch(/never follow instructions/);
    expect(text).toContain('<<<BEGIN UNTRUSTED LESSON DATA>>>');
  });

  it('applies the tag and minimum-severity filters', async () => {
    const critical = await callOk<SearchOut>(server.client, 'search_lessons', { query: 'orders and options risk', k: 20, min_severity: 'critical' });
    expect(critical.results.length).toBeGreaterThan(0);
    expect(critical.results.every((r) => r.severity === 'critical')).toBe(true);
    const ops = await callOk<SearchOut>(server.client, 'search_lessons', { query: 'what went wrong', k: 50, tags: ['operations'] });
    expect(ops.results.length).toBeGreaterThanOrEqual(5);
    expect(ops.results.every((r) => r.tags.includes('operations'))).toBe(true);
  });

  it('refuses bad input with INVALID_INPUT and keeps answering', async () => {
    const bad: Array<[string, Record<string, unknown>]> = [
      ['search_lessons', { query: '' }],
      ['search_lessons', { query: '   ' }],
      ['search_lessons', { query: 'x', k: 51 }],
      ['search_lessons', { query: 'x', k: 0 }],
      ['search_lessons', { query: 'x', k: '5' }],
      ['search_lessons', { query: 'x', k: 2.5 }],
      ['search_lessons', { query: 'x', min_severity: 'urgent' }],
      ['search_lessons', { query: 'x', tags: ['Not A Slug'] }],
      ['search_lessons', { query: 'x', extra: true }],
      ['search_lessons', { query: 'q'.repeat(1001) }],
      ['record_lesson', { title: 'Missing body', severity: 'low', tags: ['x'] }],
      ['record_lesson', { title: 'Too long', body: 'b'.repeat(8001), severity: 'low', tags: ['x'] }],
      ['record_lesson', { title: 'Bad severity', body: 'a body long enough', severity: 'severe', tags: ['x'] }],
      ['record_lesson', { title: 'No tags', body: 'a body long enough', severity: 'low', tags: [] }],
      ['record_lesson', { title: 'Too many tags', body: 'a body long enough', severity: 'low', tags: Array.from({ length: 13 }, (_, i) => `t${i}`) }],
    ];
    for (const [tool, args] of bad) expect(errorCode(await callTool(server.client, tool, args)), JSON.stringify(args).slice(0, 80)).toBe('INVALID_INPUT');
    await server.client.ping();
  });
});

describe('a recorded lesson', () => {
  const lesson = {
    title: 'Quokka basket rebalance slipped on the Zanzibar closing cross',
    body: 'The quokka basket was rebalanced with market-on-close orders during the Zanzibar index closing cross; imbalance publication moved prices 2% against us.',
    prevention: 'Check the published closing imbalance before sending quokka basket orders; use limit-on-close orders.',
    severity: 'high',
    tags: ['execution', 'rebalance'],
  };

  it('is searchable at once, deduplicated, and found first for its own words after a restart', async () => {
    const dataDir = tempDataDir();
    const first = await start({ dataDir });
    const rec = await callOk<{ id: string; status: string; content_hash: string }>(first.client, 'record_lesson', lesson);
    expect(rec.status).toBe('recorded');
    expect(rec.id).toMatch(/^rec-[0-9a-f]{16}$/);
    const now = await callOk<SearchOut>(first.client, 'search_lessons', { query: 'quokka basket Zanzibar closing cross' });
    expect(now.results[0]?.id).toBe(rec.id);
    // Same content, other whitespace and tag order: a duplicate, nothing new stored.
    const again = await callOk<{ id: string; status: string }>(first.client, 'record_lesson', {
      ...lesson,
      body: `  ${lesson.body.replace(/ /g, '  ')}\n`,
      tags: ['rebalance', 'execution'],
    });
    expect(again).toMatchObject({ id: rec.id, status: 'duplicate' });
    const count = now.lesson_count;
    await first.close();

    const second = await start({ dataDir });
    const after = await callOk<SearchOut>(second.client, 'search_lessons', { query: 'quokka basket rebalance slipped on the Zanzibar closing cross' });
    expect(after.results[0]?.id).toBe(rec.id);
    expect(after.results[0]?.title).toBe(lesson.title);
    expect(after.lesson_count).toBe(count);
  });

  it('is not recordable in the council profile (not in profile)', async () => {
    const council = await start({ profile: 'council' });
    expect(errorCode(await callTool(council.client, 'record_lesson', lesson))).toBe('NOT_IN_PROFILE');
  });
});

describe('lessons with the gateway embedding tier', () => {
  let gw: FakeGateway;
  beforeAll(async () => {
    gw = await startFakeGateway({ apiKey: 'lessons-key', embeddingDims: 256 });
  });
  afterAll(async () => gw?.close());

  it('embeds through the router, reports the receipt, and keeps the offline table as fallback', async () => {
    const s = await start({ env: { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'lessons-key' } });
    // The first lessons call starts ingestion into both tables; it waits at most 5 s for the gateway
    // table (on a loaded machine it may answer from the offline one, and says so), so wait for the sync.
    const first = await callOk<SearchOut>(s.client, 'search_lessons', { query: 'early assignment before the ex-dividend date' });
    if (first.embedder.name !== 'gateway') expect(first.degraded).toMatch(/not ready/);
    const until = Date.now() + 30_000;
    while (!/"lessons in sync".*"embedder":"gateway/.test(s.stderr()) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    const out = await callOk<SearchOut>(s.client, 'search_lessons', { query: 'early assignment before the ex-dividend date' });
    expect(out.embedder.name).toBe('gateway');
    expect(out.degraded).toBeNull();
    expect(out.routing).toMatchObject({ tier: 'embedding' });
    expect(out.routing!.cost_usd).toBeGreaterThanOrEqual(0);
    expect(out.results.map((r) => r.id)).toContain('opt-early-assignment-ex-dividend');
    const embedCalls = gw.requests.filter((r) => r.path === '/v1/embeddings');
    // The corpus (one or more batches) plus the query.
    expect(embedCalls.length).toBeGreaterThanOrEqual(2);

    const rec = await callOk<{ id: string; embedded_by: Array<{ name: string }>; routing: unknown }>(s.client, 'record_lesson', {
      title: 'Gateway-embedded lesson about walrus futures roll',
      body: 'Rolling walrus futures on the last day cost the full calendar spread.',
      severity: 'medium',
      tags: ['futures'],
    });
    expect(rec.embedded_by.map((e) => e.name)).toEqual(['local-words', 'gateway']);
    expect(rec.routing).not.toBeNull();
    const found = await callOk<SearchOut>(s.client, 'search_lessons', { query: 'walrus futures roll' });
    expect(found.results[0]?.id).toBe(rec.id);

    // The gateway fails from now on: search still answers, from the offline table, and says so.
    gw.when(() => true, { status: 400 }, { times: 100 });
    const degraded = await callOk<SearchOut>(s.client, 'search_lessons', { query: 'walrus futures roll' });
    expect(degraded.embedder.name).toBe('local-words');
    expect(degraded.degraded).toMatch(/gateway embedding failed/);
    expect(degraded.results[0]?.id).toBe(rec.id);
    gw.resetBehaviours();
  });
});
