/**
 * The arena across two replicas (SPEC §14, §16): two BUILT servers behind real MCP clients over stdio, each
 * with its own data dir and sim broker, on one fresh PostgreSQL database. Both run arena rounds at once and
 * both shadow a council: every model has one account (in the database, no arena.sqlite in either data dir),
 * each fill sized against the account as the other replica left it, and both serve the same leaderboard,
 * round journal and ModelChat. Skipped without TRADING_MCP_TEST_DATABASE_URL.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, type RunningServer, startServer, tempDataDir } from '../support/client.js';
import { type FakeGateway, startFakeGateway } from '../support/fake-gateway.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../support/postgres.js';
import { MEMBER_MODELS, THREE_MEMBERS, vote, writeSingleModelTiers } from '../unit/council/gateway-env.js';
import { councilProfile } from '../unit/council/helpers.js';

const R1 = MEMBER_MODELS.reasoning;
const KIMI = MEMBER_MODELS.options;
const MISTRAL = MEMBER_MODELS.analysis;
const MODELS = [R1, KIMI, MISTRAL].sort();
const CLOCK = '2026-11-17T15:00:00Z';

type Board = { models: Array<Record<string, unknown> & { model: string; trades: number; cash: number }> };
type Round = { round_id: string; decisions: Array<{ model: string; status: string; fill: { side: string; qty: number; price: number } | null }> };

const decide = (action: string, symbol: string, qty_fraction: number) =>
  JSON.stringify({ action, symbol, qty_fraction, confidence: 0.7, reasoning: `${action} ${symbol} for the test` });

describe.skipIf(!PG_TEST_URL)('the arena on PostgreSQL, two replicas', () => {
  let gw: FakeGateway;
  let db: FreshDatabase;
  let a: RunningServer;
  let b: RunningServer;
  const dirs = [tempDataDir('tars-arena-pg-a-'), tempDataDir('tars-arena-pg-b-')];

  beforeAll(async () => {
    db = await freshDatabase('arena_e2e');
    gw = await startFakeGateway({ apiKey: 'e2e-key' });
    const root = tempDataDir('tars-arena-pg-');
    const profilePath = join(root, 'arena-council.json');
    const profile = councilProfile({ members: THREE_MEMBERS, quorum: 2, memberTimeoutMs: 3000 });
    const tools = ['council_vote', 'arena_round', 'get_leaderboard', 'get_model_chat', 'get_orders'];
    writeFileSync(profilePath, JSON.stringify({ ...profile, tools, arena: { initialCash: 10_000, slippageBps: 5, memberTimeoutMs: 3000 } }));
    const env = {
      LLM_GATEWAY_BASE_URL: gw.url,
      LLM_GATEWAY_API_KEY: 'e2e-key',
      TRADING_MCP_TIERS: writeSingleModelTiers(root),
      TRADING_MCP_SIM_CLOCK: CLOCK,
      TRADING_MCP_DATABASE_URL: db.url,
    };
    [a, b] = await Promise.all(dirs.map((dataDir) => startServer({ profile: profilePath, dataDir, env })));
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await gw?.close();
    await db?.drop();
  });

  it('rounds on both replicas at once fill one account per model, each fill sized against what the other left', async () => {
    // every model buys 30% of its cash in each round: the second fill sizes against the first, whichever replica ran it
    for (const m of MODELS) gw.when(m, { latencyMs: 30, content: decide('BUY', 'SPY', 0.3) }, { times: Infinity });
    const [ra, rb] = (await Promise.all([a, b].map((s) => callOk(s.client, 'arena_round', { symbols: ['SPY'] })))) as unknown as Round[];
    gw.resetBehaviours();
    expect(ra!.round_id).not.toBe(rb!.round_id);
    for (const m of MODELS) {
      const qty = [ra!, rb!].map((r) => r.decisions.find((d) => d.model === m)!.fill!.qty).sort((x, y) => y - x);
      const price = ra!.decisions.find((d) => d.model === m)!.fill!.price;
      const first = Math.floor(3000 / price);
      const left = Math.round((10_000 - Math.round(first * price * 100) / 100) * 100) / 100;
      expect(qty).toEqual([first, Math.floor((0.3 * left) / price)]);
    }
    const boards = (await Promise.all([a, b].map((s) => callOk(s.client, 'get_leaderboard', {})))) as unknown as Board[];
    expect(boards[0]!.models).toEqual(boards[1]!.models);
    expect(boards[0]!.models.map((r) => r.model).sort()).toEqual(MODELS);
    expect(boards[0]!.models.every((r) => r.trades === 2)).toBe(true);
  });

  it('councils on both replicas shadow into the same accounts; leaderboard, journal and ModelChat are the same from both', async () => {
    gw.when(R1, { content: vote('APPROVE', 0.8) }, { times: Infinity });
    gw.when(KIMI, { content: vote('APPROVE', 0.7) }, { times: Infinity });
    gw.when(MISTRAL, { content: vote('REJECT', 0.9) }, { times: Infinity });
    // scaled to each shadow's cash (about $4,900 of the real $100,000): one share each time
    const order = { symbol: 'SPY', side: 'buy', qty: 40, type: 'market', time_in_force: 'day' };
    const councils = (await Promise.all([a, b].map((s, i) => callOk(s.client, 'council_vote', { question: `Buy SPY (${i})?`, order })))) as Array<{
      council_id: string;
    }>;
    gw.resetBehaviours();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => undefined);
    try {
      const accounts = await pool.query<{ model: string; n: number }>('SELECT model, COUNT(*)::int AS n FROM arena_accounts GROUP BY model ORDER BY model');
      expect(accounts.rows).toEqual(MODELS.map((model) => ({ model, n: 1 })));
      const fills = await pool.query<{ source: string; model: string; n: number }>(
        'SELECT source, model, COUNT(*)::int AS n FROM arena_fills GROUP BY source, model ORDER BY source, model',
      );
      // two rounds for every model; the two councils' buys for the two approving members only
      expect(fills.rows).toEqual([
        ...[KIMI, R1].sort().map((model) => ({ source: 'council', model, n: 2 })),
        ...MODELS.map((model) => ({ source: 'round', model, n: 2 })),
      ]);
      const negative = await pool.query('SELECT 1 FROM arena_fills WHERE cash_after < 0');
      expect(negative.rows).toEqual([]);
    } finally {
      await pool.end();
    }
    const boards = (await Promise.all([a, b].map((s) => callOk(s.client, 'get_leaderboard', {})))) as unknown as Board[];
    expect(boards[0]!.models).toEqual(boards[1]!.models);
    expect(boards[0]!.models.find((r) => r.model === MISTRAL)).toMatchObject({ trades: 2 });
    expect(boards[0]!.models.find((r) => r.model === R1)).toMatchObject({ trades: 4 });
    for (const c of councils) {
      const chats = await Promise.all([a, b].map((s) => callOk(s.client, 'get_model_chat', { round: c.council_id })));
      expect(chats[0]).toEqual(chats[1]);
      expect((chats[0] as { entries: unknown[] }).entries).toHaveLength(3);
    }
    const arenas = await Promise.all(
      [a, b].map(async (s) => JSON.parse(((await s.client.readResource({ uri: 'trading://arena' })).contents[0] as { text: string }).text)),
    );
    expect(arenas[0].rounds).toHaveLength(2);
    expect(arenas[0].rounds).toEqual(arenas[1].rounds);
    expect(arenas[0].chat).toEqual(arenas[1].chat);
    expect(dirs.map((d) => existsSync(join(d, 'arena.sqlite')))).toEqual([false, false]);
    for (const s of [a, b]) expect(((await callOk(s.client, 'get_orders', { status: 'all' })) as { orders: unknown[] }).orders).toEqual([]);
  });
});
