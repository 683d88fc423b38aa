/**
 * Lessons at the gate, end to end over stdio (BUILT server, executor profile, the sim broker, the
 * loopback gateway approving): a user's block lesson dropped into `<data dir>/lessons/` while the
 * server runs refuses a matching order at the risk stage with RISK_LESSON_BLOCK — nothing reaches
 * the gateway or the broker; a non-matching order passes and its Opus prompt carries the matching
 * lessons; a draft is searchable only with include_drafts until `lessons promote ID` (the CLI).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/bootstrap.js';
import { writeLossDraft } from '../../src/lessons/drafts.js';
import { createLogger } from '../../src/log.js';
import { CLI_PATH, baseEnv, callOk, callTool, errorCode, startServer, type RunningServer } from '../support/client.js';
import { CONFIRMATION_REQUESTS, MARKET_OPEN_INSTANT, alwaysApprove } from '../support/execution-harness.js';
import { messageText, startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

let gw: FakeGateway;
let server: RunningServer;
const env = () => ({ TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT, LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'e2e-key' });

beforeAll(async () => {
  gw = await startFakeGateway();
  alwaysApprove(gw);
  server = await startServer({ profile: 'executor', env: env() });
});
afterAll(async () => {
  await server?.close();
  await gw?.close();
});

const userLesson = (id: string, front: string, body: string) =>
  `---\nid: ${id}\ntitle: "${id} title"\nseverity: high\ntags: [execution]\ncreated: 2026-12-01\n${front}\n---\n${body}\n\n## Prevention\n\nDo not do it again.\n`;

async function brokerOrderIds(): Promise<string[]> {
  const out = await callOk<{ orders: Array<{ clientOrderId: string }> }>(server.client, 'get_orders', { status: 'all' });
  return out.orders.map((o) => o.clientOrderId);
}

describe('lessons at the gate', () => {
  it('a block lesson added while the server runs refuses a matching order at the risk stage; nothing reaches the gateway or the broker', async () => {
    const dir = join(server.dataDir, 'lessons');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'no-tsla.md'), userLesson('user-no-tsla-entries', 'block: {"underlying": "TSLA", "opening": true}', 'TSLA entries went badly.'));
    const requestsBefore = gw.requests.length;
    const order = { symbol: 'TSLA', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', client_order_id: 'lg-tsla-1' };
    const refused = await callTool(server.client, 'place_order', order);
    expect(errorCode(refused)).toBe('RISK_LESSON_BLOCK');
    const details = (refused.structuredContent as { details: Record<string, unknown> }).details as {
      stopped_at: string;
      stages: Array<{ outcome: string }>;
      risk: { checks: Array<{ name: string; passed: boolean; actual: unknown; message: string }> };
      lessons: unknown;
    };
    expect(details.stopped_at).toBe('risk');
    expect(details.stages.map((s) => s.outcome)).toEqual(['passed', 'passed', 'refused', 'not_reached', 'not_reached', 'not_reached', 'not_reached']);
    const check = details.risk.checks.find((c) => c.name === 'lesson_block')!;
    expect(check).toMatchObject({ passed: false, actual: 'user-no-tsla-entries' });
    expect(check.message).toBe('blocked by lesson user-no-tsla-entries "user-no-tsla-entries title" (underlying = TSLA, opening = true)');
    expect(details.risk.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['lesson_block']);
    expect(details.lessons).toBeNull();
    expect(gw.requests.length).toBe(requestsBefore);
    expect(await brokerOrderIds()).not.toContain('lg-tsla-1');
    // check_risk computes the same refusal
    const verdict = await callOk<{ passed: boolean; checks: Array<{ name: string; passed: boolean }> }>(server.client, 'check_risk', order);
    expect(verdict.passed).toBe(false);
    expect(verdict.checks.find((c) => c.name === 'lesson_block')!.passed).toBe(false);
    expect(gw.requests.length).toBe(requestsBefore);
    // the gate reads the lesson files only: no lessons call yet, so the store (LanceDB) never opened
    expect(server.stderr()).not.toContain('lesson store opened');
  });

  it('a non-matching order passes; its Opus prompt carries the matching lessons, fenced, and the result names them', async () => {
    const dir = join(server.dataDir, 'lessons');
    writeFileSync(join(dir, 'aapl.md'), userLesson('user-aapl-gaps', 'symbols: [AAPL]', 'AAPL gapped on news twice this quarter.'));
    const confirmationsBefore = CONFIRMATION_REQUESTS(gw).length;
    const r = await callTool(server.client, 'place_order', {
      symbol: 'AAPL',
      side: 'buy',
      qty: 1,
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'lg-aapl-1',
    });
    expect(r.isError).toBeFalsy();
    const sc = r.structuredContent as {
      status: string;
      lessons: Array<{ id: string; title: string }>;
      risk: { checks: Array<{ name: string; message: string }> };
    };
    expect(sc.status).toBe('submitted');
    expect(sc.risk.checks.find((c) => c.name === 'lesson_block')!.message).toBe('no blocking lesson matches (4 block rules checked)');
    expect(sc.lessons[0]).toEqual({ id: 'user-aapl-gaps', title: 'user-aapl-gaps title' });
    expect(sc.lessons.length).toBeGreaterThanOrEqual(2);
    expect(sc.lessons.length).toBeLessThanOrEqual(3);
    const confirmations = CONFIRMATION_REQUESTS(gw).slice(confirmationsBefore);
    expect(confirmations).toHaveLength(1);
    const prompt = messageText(confirmations[0]!);
    const fenced = /<<<BEGIN LESSONS ([0-9a-f]+)>>>\n([\s\S]*?)\n<<<END LESSONS \1>>>/.exec(prompt);
    expect(fenced).not.toBeNull();
    for (const line of fenced![2]!.split('\n')) expect(line.startsWith('| ')).toBe(true);
    for (const l of sc.lessons) expect(fenced![2]).toContain(`${l.id}: ${l.title}`);
    expect(await brokerOrderIds()).toContain('lg-aapl-1');
  });

  it('search_lessons shows a draft only with include_drafts; `lessons promote ID` (the CLI) makes it searchable', async () => {
    const deps = bootstrap(
      { 'data-dir': server.dataDir },
      { PATH: process.env.PATH ?? '' },
      createLogger('error', {}, () => undefined),
    );
    const draft = await writeLossDraft(deps, {
      roundTripId: 'rt-e2e-1',
      symbol: 'QQQ',
      strategy: 'iron_condor',
      tags: [],
      realizedPnl: -180,
      holdingMs: 86_400_000,
      entryPrice: 1.2,
      exitPrice: 3,
      regimeAtEntry: { trend: 'down', volatility: 'high' },
      auditId: 'aud_e2e',
      clientOrderId: 'ic-e2e',
      rationale: null,
    });
    await deps.close();
    const search = (include_drafts?: boolean) =>
      callOk<{ results: Array<{ id: string; draft: boolean }>; filters: { include_drafts: boolean } }>(server.client, 'search_lessons', {
        query: 'loss on QQQ iron condor',
        k: 10,
        ...(include_drafts === undefined ? {} : { include_drafts }),
      });
    expect((await search()).results.map((h) => h.id)).not.toContain(draft.id);
    const withDrafts = await search(true);
    expect(withDrafts.filters.include_drafts).toBe(true);
    expect(withDrafts.results.find((h) => h.id === draft.id)).toMatchObject({ draft: true });

    const cli = (...args: string[]) => execFileSync(process.execPath, [CLI_PATH, ...args, '--data-dir', server.dataDir], { env: baseEnv(), encoding: 'utf8' });
    expect(cli('lessons', 'drafts')).toContain(draft.id);
    expect(cli('lessons', 'promote', draft.id)).toMatch(new RegExp(`^promoted ${draft.id}`));
    expect(() => cli('lessons', 'promote', 'loss-unknown')).toThrow(/no lesson loss-unknown/);
    expect((await search()).results.find((h) => h.id === draft.id)).toMatchObject({ draft: false });
    expect(await server.client.ping()).toBeDefined();
  });
});
