/**
 * Three BUILT servers on one PostgreSQL (SPEC §16, issue 18): two stdio replicas and one
 * `--transport http --stateless` replica, each with its own data dir, TRADING_MCP_DATABASE_URL on one
 * fresh database, the loopback gateway and Alpaca shared. The budget, the client_order_id and the
 * halt hold across them. Skipped without TRADING_MCP_TEST_DATABASE_URL.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callTool, errorCode } from '../support/client.js';
import { approve } from '../support/execution-harness.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { deskEnv, fleetProfile, marketOrder, runCli, until } from '../support/fleet-desk.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { sql } from '../support/pg-admin.js';
import { freshDatabase, PG_TEST_URL, type FreshDatabase } from '../support/postgres.js';

const KINDS = ['stdio', 'stdio', 'http'] as const;
/** Starting, closing and dropping under a loaded machine. */
const HOOK_MS = 120_000;
let alpaca: FakeAlpaca;
let gw: FakeGateway;
let db: FreshDatabase;
let fleet: Fleet | null = null;
const profile = PG_TEST_URL ? fleetProfile() : '';

const posts = () => alpaca.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders');
const chats = () => gw.requests.filter((r) => r.path.endsWith('/chat/completions'));
const statusOf = (r: CallToolResult) => (r.structuredContent as { status?: string } | undefined)?.status;

describe.skipIf(!PG_TEST_URL)('a fleet of three replicas on one PostgreSQL', () => {
  beforeAll(async () => {
    alpaca = await startFakeAlpaca();
    gw = await startFakeGateway();
  }, HOOK_MS);
  afterAll(async () => {
    await alpaca?.close();
    await gw?.close();
  }, HOOK_MS);
  beforeEach(async () => {
    db = await freshDatabase('fleet');
    gw.resetBehaviours();
    gw.requests.length = 0;
  }, HOOK_MS);
  afterEach(async () => {
    await fleet?.close();
    fleet = null;
    await db.drop();
  }, HOOK_MS);

  it('3 × 8 concurrent priced calls under a tiny daily budget never spend or reserve past it', async () => {
    // every reply bills its full max_tokens after 150 ms: the calls overlap and none is cheaper than reserved
    gw.script((req) =>
      req.path.endsWith('/chat/completions') ? { latencyMs: 150, usage: { completion_tokens: Number(req.body?.max_tokens ?? 0) } } : undefined,
    );
    const budget = 0.004;
    fleet = await startFleet(db.url, deskEnv(alpaca, gw, { TRADING_MCP_DAILY_BUDGET_USD: String(budget) }), [...KINDS], profile);
    const calls = fleet.replicas.flatMap((r) =>
      Array.from({ length: 8 }, (_, i) => callTool(r.client, 'draft_order', { intent: `buy ${i + 1} AAPL at market, day order` }, { timeout: 120_000 })),
    );
    // what the shared ledger counts (settled + reserved) sampled while the calls run
    let running = true;
    let peakNano = 0;
    const sampler = (async () => {
      while (running) {
        const [row] = await sql<{ n: number }>(db.url, "SELECT COALESCE(MAX(committed_nano), 0)::float8 AS n FROM llm_totals WHERE period LIKE 'day:%'");
        peakNano = Math.max(peakNano, row!.n);
      }
    })();
    const results = await Promise.all(calls).finally(() => (running = false));
    await sampler;
    const ok = results.filter((r) => !r.isError);
    const codes = new Set(results.filter((r) => r.isError).map(errorCode));
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(ok.length).toBeLessThan(24);
    expect([...codes]).toEqual(['BUDGET_EXHAUSTED']);
    // what the gateway billed (its own log) and what the shared ledger counts are both within the budget
    expect(chats()).toHaveLength(ok.length);
    const billed = gw.totalCostUsd();
    expect(billed).toBeLessThanOrEqual(budget + 1e-12);
    const [day] = await sql<{ committed_nano: number }>(db.url, "SELECT committed_nano::float8 AS committed_nano FROM llm_totals WHERE period LIKE 'day:%'");
    expect(day!.committed_nano).toBeLessThanOrEqual(budget * 1e9);
    expect(peakNano).toBeLessThanOrEqual(budget * 1e9);
    expect(peakNano).toBeGreaterThan(billed * 1e9); // reservations were counted beside what was spent
    const [calls_] = await sql<{ cost: number; open: number; pids: number }>(
      db.url,
      "SELECT COALESCE(SUM(cost_nano), 0)::float8 AS cost, COUNT(*) FILTER (WHERE state = 'reserved')::int AS open, COUNT(DISTINCT pid)::int AS pids FROM llm_calls",
    );
    expect(calls_!.open).toBe(0);
    expect(Math.abs(calls_!.cost - billed * 1e9)).toBeLessThanOrEqual(ok.length); // ≤ 1 nano-dollar rounding a call
    expect(calls_!.pids).toBe(3); // every replica spent from the one ledger
  }, 240_000);

  it('one client_order_id from all three replicas reaches the broker exactly once', async () => {
    // a slow Opus that approves whatever it is asked: every attempt that gets that far has a valid confirmation
    gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: approve(req), latencyMs: 400 } : undefined));
    fleet = await startFleet(db.url, deskEnv(alpaca, gw), [...KINDS], profile);
    const before = posts().length;
    const order = marketOrder('fleet-same-1');
    const first = await Promise.all(fleet.replicas.map((r) => callTool(r.client, 'place_order', order, { timeout: 120_000 })));
    expect(first.filter((r) => statusOf(r) === 'submitted')).toHaveLength(1);
    for (const r of first.filter((x) => statusOf(x) !== 'submitted')) expect(statusOf(r) === 'duplicate' || errorCode(r) === 'DUPLICATE_ORDER').toBe(true);
    // and again from all three once it is settled: answered from the record, nothing sent
    const again = await Promise.all(fleet.replicas.map((r) => callTool(r.client, 'place_order', order, { timeout: 120_000 })));
    for (const r of again) expect(statusOf(r)).toBe('duplicate');
    const sent = posts().slice(before);
    expect(sent.map((p) => (p.body as { client_order_id: string }).client_order_id)).toEqual(['fleet-same-1']);
    const journal = await sql<{ type: string; n: number }>(
      db.url,
      "SELECT type, COUNT(*)::int AS n FROM gate_journal WHERE client_order_id = 'fleet-same-1' GROUP BY type ORDER BY type",
    );
    expect(journal).toEqual([
      { type: 'INTENT', n: 1 },
      { type: 'OUTCOME', n: 1 },
    ]);
  }, 240_000);

  it('a halt from the CLI on the same database stops all three before their next INTENT', async () => {
    gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: approve(req), latencyMs: 150 } : undefined));
    fleet = await startFleet(db.url, deskEnv(alpaca, gw), [...KINDS], profile);
    const before = posts().length;
    let halting = false;
    const refusedAfterHalt = new Map<string, number>();
    let n = 0;
    // each replica places orders back to back until it has been refused twice by the halt
    const loops = fleet.replicas.map(async (r) => {
      while ((refusedAfterHalt.get(r.name) ?? 0) < 2) {
        const res = await callTool(r.client, 'place_order', marketOrder(`fleet-halt-${r.name}-${n++}`, 1 + (n % 7)), { timeout: 120_000 });
        if (errorCode(res) === 'TRADING_HALTED') {
          expect(halting).toBe(true);
          refusedAfterHalt.set(r.name, (refusedAfterHalt.get(r.name) ?? 0) + 1);
        } else expect(statusOf(res), JSON.stringify(res.structuredContent)).toBe('submitted');
      }
    });
    await until(
      'orders from every replica at the broker',
      () => fleet!.replicas.every((r) => posts().some((p) => JSON.stringify(p.body).includes(r.name))),
      120_000,
    );
    halting = true;
    const cli = await runCli(db.url, ['halt', '--reason', 'fleet test']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('HALTED');
    // INTENTs committed by now may still be on their way to the broker; nothing else may follow
    const intents = new Set((await sql<{ id: string }>(db.url, "SELECT client_order_id AS id FROM gate_journal WHERE type = 'INTENT'")).map((r) => r.id));
    const sentByHalt = posts().length;
    await Promise.all(loops);
    const after = posts().slice(sentByHalt);
    for (const p of after) expect(intents.has((p.body as { client_order_id: string }).client_order_id)).toBe(true);
    const intentsNow = await sql<{ n: number }>(db.url, "SELECT COUNT(*)::int AS n FROM gate_journal WHERE type = 'INTENT'");
    expect(intentsNow[0]!.n).toBe(intents.size);
    expect(posts().length - before).toBe(intents.size);
    // resume (the CLI again): every replica can trade again
    expect((await runCli(db.url, ['resume'])).code).toBe(0);
    const resumed = await Promise.all(
      fleet.replicas.map((r) => callTool(r.client, 'place_order', marketOrder(`fleet-resumed-${r.name}`), { timeout: 120_000 })),
    );
    for (const r of resumed) expect(statusOf(r), JSON.stringify(r.structuredContent)).toBe('submitted');
  }, 300_000);
});
