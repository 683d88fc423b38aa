/**
 * Lessons across replicas (SPEC §16): what the per-search catch-up from the shared rows costs. One
 * process, the shipped corpus, offline embedder; searches alternate between a replica on the SQLite
 * default (no catch-up) and one on PostgreSQL (one read of the change counter per search), so both see
 * the same load; reported as the PostgreSQL/SQLite p50 ratio and the added milliseconds, beside the
 * counter read alone and the first search after another replica recorded a lesson (the catch-up that
 * fetches and embeds one row). Needs TRADING_MCP_TEST_DATABASE_URL (a database of its own per run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bootstrap } from '../src/bootstrap.js';
import type { Deps } from '../src/deps.js';
import { lessonFeedFor } from '../src/lessons/index.js';
import { createLessonService, type LessonService } from '../src/lessons/service.js';
import { createLogger } from '../src/log.js';
import { summarize } from './stats.js';

const QUERIES = [
  'market order right at the opening bell',
  'iron condor short strike tested',
  'earnings gap through a stop',
  'selling puts into a falling market',
  'wide bid ask spread on an illiquid option',
  'averaging down a losing position',
];
type Stats = ReturnType<typeof summarize>;
const SEARCHES = 150;
const NEW_ROWS = 10;

function replica(databaseUrl?: string): { deps: Deps; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-lessons-replica-'));
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (databaseUrl) env.TRADING_MCP_DATABASE_URL = databaseUrl;
  return {
    deps: bootstrap(
      { 'data-dir': dir },
      env,
      createLogger('warn', {}, () => undefined),
    ),
    dir,
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function database(base: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `lessons_bench_${process.pid}_${Date.now()}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(sql);
    await c.end();
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function run(): Promise<Record<string, unknown>> {
  const base = process.env.TRADING_MCP_TEST_DATABASE_URL;
  if (!base) return { skipped: 'TRADING_MCP_TEST_DATABASE_URL unset (run .ci/postgres.sh start)' };
  const db = await database(base);
  const made = [replica(), replica(db.url), replica(db.url)];
  try {
    const [local, shared, other] = (await Promise.all(made.map(({ deps }) => createLessonService(deps)))) as [LessonService, LessonService, LessonService];
    await Promise.all([local.ingest(), shared.ingest(), other.ingest()]);
    const search = (s: LessonService, i: number) => s.search({ query: QUERIES[i % QUERIES.length]!, k: 5 });
    for (let i = 0; i < 12; i++) await Promise.all([search(local, i), search(shared, i)]); // warm
    const sqliteMs: number[] = [];
    const postgresMs: number[] = [];
    for (let i = 0; i < SEARCHES; i++) {
      sqliteMs.push(await timed(() => search(local, i)));
      postgresMs.push(await timed(() => search(shared, i)));
    }
    const rows = (await lessonFeedFor(made[1]!.deps))!.rows;
    const headMs: number[] = [];
    for (let i = 0; i < SEARCHES; i++) headMs.push(await timed(() => rows.head()));
    // another replica records a lesson; the next search here fetches and embeds it
    const afterRecordMs: number[] = [];
    for (let i = 0; i < NEW_ROWS; i++) {
      await other.record({
        title: `Bench lesson ${i}: a fill far from the last print`,
        body: `Run ${i}: the order filled far from the last print because the book was thin at that moment.`,
        prevention: 'Use a marketable limit order.',
        severity: 'medium',
        tags: ['execution'],
      });
      afterRecordMs.push(await timed(() => search(shared, i)));
    }
    const [s, p, h, r] = [sqliteMs, postgresMs, headMs, afterRecordMs].map(summarize) as [Stats, Stats, Stats, Stats];
    return {
      searches: SEARCHES,
      sqliteSearchP50Ms: s.p50,
      postgresSearchP50Ms: p.p50,
      postgresSearchP99Ms: p.p99,
      sqliteSearchP99Ms: s.p99,
      p50Ratio: +(p.p50 / s.p50).toFixed(3),
      addedP50Ms: +(p.p50 - s.p50).toFixed(2),
      counterReadP50Ms: h.p50,
      counterReadP99Ms: h.p99,
      searchAfterOneNewRowP50Ms: r.p50,
    };
  } finally {
    for (const { deps, dir } of made) {
      await deps.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await db.drop();
  }
}
