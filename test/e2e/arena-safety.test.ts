/**
 * The arena against the loopback Alpaca, as a money-safety reviewer would try it (BUILT server, npm run build
 * first): arena rounds and a council vote shadowed in the arena put nothing at the broker — no POST, PATCH
 * or DELETE of an order, ever — while the shadows did fill on Alpaca's quotes; and nothing the arena does can
 * hold up, fail or change a council vote: a quote that hangs, a quote that fails, an arena store that cannot
 * open, a member that answers nonsense — the decision and its ticket stand, on time.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startServer, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { MEMBER_MODELS, THREE_MEMBERS, vote, writeSingleModelTiers } from '../unit/council/gateway-env.js';
import { councilProfile } from '../unit/council/helpers.js';

const MODELS = Object.values(MEMBER_MODELS);
const ORDER = { symbol: 'SPY', side: 'buy', qty: 50, type: 'market', time_in_force: 'day' };

let gw: FakeGateway;
let alpaca: FakeAlpaca;
let root: string;
let profilePath: string;
let tiersPath: string;
const servers: RunningServer[] = [];

beforeAll(async () => {
  gw = await startFakeGateway({ apiKey: 'e2e-key' });
  alpaca = await startFakeAlpaca();
  root = mkdtempSync(join(tmpdir(), 'tars-arena-safety-'));
  tiersPath = writeSingleModelTiers(root);
  profilePath = join(root, 'arena-council.json');
  const profile = councilProfile({ members: THREE_MEMBERS, quorum: 2, memberTimeoutMs: 1500 });
  const tools = ['council_vote', 'arena_round', 'get_leaderboard', 'get_model_chat', 'get_orders'];
  writeFileSync(profilePath, JSON.stringify({ ...profile, tools, arena: { initialCash: 10_000, slippageBps: 5, memberTimeoutMs: 1500 } }));
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await alpaca.close();
  await gw.close();
});

async function start(dataDir: string): Promise<RunningServer> {
  const s = await startServer({
    profile: profilePath,
    dataDir,
    env: {
      LLM_GATEWAY_BASE_URL: gw.url,
      LLM_GATEWAY_API_KEY: 'e2e-key',
      TRADING_MCP_TIERS: tiersPath,
      APCA_API_BASE_URL: alpaca.tradingUrl,
      APCA_API_DATA_URL: alpaca.dataUrl,
      APCA_API_KEY_ID: alpaca.keyId,
      APCA_API_SECRET_KEY: alpaca.secret,
    },
  });
  servers.push(s);
  return s;
}

const decide = (action: string, qty_fraction: number) =>
  JSON.stringify({ action, symbol: 'SPY', qty_fraction, confidence: 0.7, reasoning: `${action} for the test` });
const orderWrites = () => alpaca.requests.filter((r) => r.api === 'trading' && r.method !== 'GET');

type Council = { council_id: string; decision: string; ticket: string | null; members: Array<{ status: string }> };

async function approveByTwo(s: RunningServer, third: string = vote('REJECT', 0.9)): Promise<{ council: Council; ms: number }> {
  gw.when(MEMBER_MODELS.reasoning, { content: vote('APPROVE', 0.8) });
  gw.when(MEMBER_MODELS.options, { content: vote('APPROVE', 0.7) });
  gw.when(MEMBER_MODELS.analysis, { content: third });
  const t0 = performance.now();
  const council = (await callOk(s.client, 'council_vote', { question: 'Buy 50 SPY?', order: ORDER })) as Council;
  return { council, ms: performance.now() - t0 };
}

describe('the arena never touches an order at the broker', () => {
  it('two rounds and a shadowed council vote: the shadows fill on Alpaca quotes, no order request ever reaches Alpaca', async () => {
    const s = await start(join(root, 'no-orders'));
    for (const m of MODELS) gw.when(m, { content: decide('BUY', 0.5) });
    await callOk(s.client, 'arena_round', { symbols: ['SPY'] });
    for (const m of MODELS) gw.when(m, { content: decide('SELL', 1) });
    await callOk(s.client, 'arena_round', { symbols: ['SPY'] });
    const { council } = await approveByTwo(s);
    expect(council).toMatchObject({ decision: 'APPROVE' });
    expect(council.ticket).toEqual(expect.any(String));
    const chat = (await callOk(s.client, 'get_model_chat', { limit: 50 })) as { entries: Array<{ kind: string; fill_id: number | null }> };
    expect(chat.entries.filter((e) => e.kind === 'round' && e.fill_id !== null)).toHaveLength(6);
    expect(chat.entries.filter((e) => e.kind === 'council' && e.fill_id !== null)).toHaveLength(2);
    expect(alpaca.count('GET', /^\/v2\/stocks\/SPY\/quotes\/latest$/, 'data')).toBeGreaterThan(0);
    expect(orderWrites()).toEqual([]);
    expect(alpaca.submittedOrders).toEqual([]);
  });
});

describe('nothing in the arena holds up, fails or changes a council vote', () => {
  it('a quote that hangs: the vote and its ticket come back without waiting for the shadow', async () => {
    const s = await start(join(root, 'hang'));
    alpaca.fail({ api: 'data', path: /quotes\/latest$/, mode: 'hang', times: Infinity });
    try {
      const { council, ms } = await approveByTwo(s);
      expect(council.decision).toBe('APPROVE');
      expect(council.ticket).toEqual(expect.any(String));
      // Alpaca's own timeout is 10 s; the council waits for the shadow a bounded while, not for that
      expect(ms).toBeLessThan(6_000);
    } finally {
      alpaca.clearFailures();
    }
  }, 30_000);

  it('a quote that fails: the same decision and a ticket; the approving members say why they took nothing', async () => {
    const s = await start(join(root, 'quote-500'));
    alpaca.fail({ api: 'data', path: /quotes\/latest$/, status: 500, times: Infinity });
    try {
      const { council } = await approveByTwo(s);
      expect(council.decision).toBe('APPROVE');
      expect(council.ticket).toEqual(expect.any(String));
      const chat = (await callOk(s.client, 'get_model_chat', { round: council.council_id })) as { entries: Array<Record<string, string | null>> };
      const approving = chat.entries.filter((e) => e.action === 'APPROVE');
      expect(approving).toHaveLength(2);
      for (const e of approving) expect(e).toMatchObject({ fill_id: null, fill_note: expect.stringMatching(/^no price to shadow at/) });
    } finally {
      alpaca.clearFailures();
    }
  });

  it('an arena store that cannot open and a member answering nonsense: the vote decides as without the arena', async () => {
    const dataDir = join(root, 'broken-store');
    mkdirSync(join(dataDir, 'arena.sqlite'), { recursive: true }); // a directory where the file should be
    const s = await start(dataDir);
    const { council } = await approveByTwo(s, '{"vote": "MAYBE", "leverage": 10}');
    expect(council.decision).toBe('APPROVE');
    expect(council.ticket).toEqual(expect.any(String));
    expect(council.members.map((m) => m.status).sort()).toEqual(['invalid', 'valid', 'valid']);
    expect(orderWrites()).toEqual([]);
  });
});
