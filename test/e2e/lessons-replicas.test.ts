/**
 * Lessons across replicas (SPEC §16) through real MCP clients against two BUILT server processes
 * (npm run build first) on two data dirs and one fresh PostgreSQL: record_lesson on A is found by
 * search_lessons on B at its next search (no wait); a draft written from a loss (the same code the
 * server runs, here in the test process on the same database) is seen by both with include_drafts
 * only, and `tars-trading-mcp lessons promote ID` from the CLI makes it a lesson on both.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap.js';
import { draftIdFor, writeLossDraft } from '../../src/lessons/drafts.js';
import { createLogger } from '../../src/log.js';
import { baseEnv, CLI_PATH, callOk, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../support/postgres.js';

interface SearchOut {
  results: Array<{ id: string; title: string }>;
  degraded: string | null;
}

describe.skipIf(!PG_TEST_URL)('lessons across two replicas on one PostgreSQL', () => {
  let db: FreshDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    db = await freshDatabase('lessons_e2e');
    const env = { TRADING_MCP_DATABASE_URL: db.url };
    [a, b] = await Promise.all([startServer({ profile: 'analyst', env }), startServer({ profile: 'analyst', env })]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  const ids = async (s: RunningServer, query: string, includeDrafts = false) =>
    (await callOk<SearchOut>(s.client, 'search_lessons', { query, k: 10, include_drafts: includeDrafts })).results.map((r) => r.id);

  it('record_lesson on A is found by search_lessons on B at its next search', async () => {
    const query = 'gamma squeeze through the short call of a covered strangle';
    expect(await ids(b, query)).toHaveLength(10); // B ingested the shipped lessons; the lesson is not there yet
    const recorded = await callOk<{ id: string; status: string }>(a.client, 'record_lesson', {
      title: 'Gamma squeeze through the short call of a covered strangle',
      body: 'A meme rally ran through the short call within two sessions; rolling it cost three times the credit taken.',
      prevention: 'Close the short call once the underlying trades through it by one expected move.',
      severity: 'high',
      tags: ['options', 'gamma'],
    });
    expect(recorded.status).toBe('recorded');
    expect(await ids(b, query)).toContain(recorded.id);
    // the same lesson recorded on B is A's, not a second one
    const again = await callOk<{ id: string; status: string }>(b.client, 'record_lesson', {
      title: 'Gamma squeeze through the short call of a covered strangle',
      body: 'A meme rally ran through the short call within two sessions; rolling it cost three times the credit taken.',
      prevention: 'Close the short call once the underlying trades through it by one expected move.',
      severity: 'high',
      tags: ['options', 'gamma'],
    });
    expect(again).toMatchObject({ id: recorded.id, status: 'duplicate' });
  }, 60_000);

  it('a draft from a loss is seen by both with include_drafts only; a promote from the CLI makes it a lesson on both', async () => {
    const deps = bootstrap(
      { 'data-dir': tempDataDir() },
      { PATH: process.env.PATH ?? '', TRADING_MCP_DATABASE_URL: db.url },
      createLogger('warn', {}, () => undefined),
    );
    const draft = await writeLossDraft(deps, {
      roundTripId: 'rt-e2e-qqq-1',
      symbol: 'QQQ',
      strategy: 'iron_condor',
      tags: ['earnings'],
      realizedPnl: -212.5,
      holdingMs: 3 * 86_400_000,
      entryPrice: 1.45,
      exitPrice: 3.6,
      regimeAtEntry: null,
      auditId: 'aud_e2e',
      clientOrderId: 'ic-qqq-e2e',
      rationale: 'selling the wings into earnings',
    });
    await deps.close();
    expect(draft).toMatchObject({ status: 'written', id: draftIdFor('rt-e2e-qqq-1') });
    const query = 'QQQ iron condor loss';
    for (const s of [a, b]) {
      expect(await ids(s, query, true)).toContain(draft.id);
      expect(await ids(s, query)).not.toContain(draft.id);
    }
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [CLI_PATH, 'lessons', ...args, '--data-dir', tempDataDir()], {
        env: baseEnv({ TRADING_MCP_DATABASE_URL: db.url }),
        encoding: 'utf8',
        timeout: 30_000,
      });
    const listed = cli('drafts');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(draft.id);
    const promoted = cli('promote', draft.id);
    expect(promoted.status, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(new RegExp(`^promoted ${draft.id}`));
    for (const s of [a, b]) expect(await ids(s, query)).toContain(draft.id);
  }, 90_000);
});
