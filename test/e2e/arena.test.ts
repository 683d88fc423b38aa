/**
 * The arena through a real MCP client against the BUILT server (npm run build first), with the loopback
 * gateway answering per model: rounds on the sim market at three sim instants (a server per instant, one
 * data dir: the accounts are durable), each account holding exactly its own fills, a leaderboard recomputed
 * here by hand from those fills, LLM cost per model equal to the ledger's, a hanging and a malformed member,
 * a council vote shadowed by its two approving members, a round the budget cannot cover, and no order ever
 * reaching the broker.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, callToolWithProgress, errorCode, startServer, type RunningServer } from '../support/client.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { MEMBER_MODELS, THREE_MEMBERS, vote, writeSingleModelTiers } from '../unit/council/gateway-env.js';
import { councilProfile } from '../unit/council/helpers.js';

const R1 = MEMBER_MODELS.reasoning;
const KIMI = MEMBER_MODELS.options;
const MISTRAL = MEMBER_MODELS.analysis;
const BPS = 5;
const CLOCKS = ['2026-11-17T15:00:00Z', '2026-11-18T15:30:00Z', '2026-11-19T16:00:00Z'];

let gw: FakeGateway;
let root: string;
let profilePath: string;
let tiersPath: string;
const servers: RunningServer[] = [];

const decide = (action: string, symbol: string, qty_fraction: number, confidence = 0.7) =>
  JSON.stringify({ action, symbol, qty_fraction, confidence, reasoning: `${action} ${symbol} for the test` });

beforeAll(async () => {
  gw = await startFakeGateway({ apiKey: 'e2e-key' });
  root = mkdtempSync(join(tmpdir(), 'tars-arena-e2e-'));
  tiersPath = writeSingleModelTiers(root);
  profilePath = join(root, 'arena-council.json');
  const profile = councilProfile({ members: THREE_MEMBERS, quorum: 2, memberTimeoutMs: 1500 });
  const tools = ['council_vote', 'arena_round', 'get_leaderboard', 'get_model_chat', 'get_llm_usage', 'get_market_data', 'get_orders'];
  writeFileSync(profilePath, JSON.stringify({ ...profile, tools, arena: { initialCash: 10_000, slippageBps: BPS, memberTimeoutMs: 1500 } }));
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await gw.close();
});

async function start(dataDir: string, clock: string, env: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer({
    profile: profilePath,
    dataDir,
    env: { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'e2e-key', TRADING_MCP_TIERS: tiersPath, TRADING_MCP_SIM_CLOCK: clock, ...env },
  });
  servers.push(s);
  return s;
}

type Decision = {
  model: string;
  symbol: string | null;
  status: string;
  fill: { side: string; qty: number; price: number; mid: number } | null;
  cost_usd: number;
};
type Round = { round_id: string; decisions: Decision[]; snapshots: Array<{ symbol: string; mid: number }>; consensus: Record<string, unknown> };

/** The fill model, by hand: mid ± 5 bps rounded to 1/100 cent; buys spend at most fraction × cash. */
const price = (side: string, mid: number) => Math.round(mid * (side === 'buy' ? 1 + BPS / 1e4 : 1 - BPS / 1e4) * 1e4) / 1e4;

describe('the arena over MCP (stdio, built server)', () => {
  const dataDir = () => join(root, 'rounds');
  const rounds: Round[] = [];

  it('round 1: each model decides on the same snapshot and fills only in its own account', async () => {
    const s = await start(dataDir(), CLOCKS[0]!);
    gw.when(R1, { latencyMs: 60, content: decide('BUY', 'SPY', 0.5) });
    gw.when(KIMI, { latencyMs: 20, content: decide('BUY', 'QQQ', 0.25) });
    gw.when(MISTRAL, { content: decide('HOLD', 'SPY', 0) });
    const { result: r, progress } = await callToolWithProgress(s.client, 'arena_round', { symbols: ['SPY', 'QQQ'] });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as unknown as Round;
    rounds.push(out);
    expect(progress.map((p) => p.progress)).toEqual([0, 1, 2, 3]);
    const mid = (sym: string) => out.snapshots.find((x) => x.symbol === sym)!.mid;
    const byModel = Object.fromEntries(out.decisions.map((d) => [d.model, d]));
    const spy = price('buy', mid('SPY'));
    expect(byModel[R1]!.fill).toEqual({ side: 'buy', qty: Math.floor(5000 / spy), price: spy, mid: mid('SPY') });
    const qqq = price('buy', mid('QQQ'));
    expect(byModel[KIMI]!.fill).toEqual({ side: 'buy', qty: Math.floor(2500 / qqq), price: qqq, mid: mid('QQQ') });
    expect(byModel[MISTRAL]).toMatchObject({ status: 'valid', fill: null });
    expect(out.consensus).toMatchObject({ action: 'BUY', valid: 3 });
  });

  it('round 2 (a later sim day, a new server on the same data dir): the accounts carried over', async () => {
    const s = await start(dataDir(), CLOCKS[1]!);
    gw.when(R1, { content: decide('SELL', 'SPY', 1) });
    gw.when(KIMI, { content: decide('HOLD', 'QQQ', 0) });
    gw.when(MISTRAL, { content: decide('BUY', 'SPY', 1) });
    const out = (await callOk(s.client, 'arena_round', { symbols: ['SPY'] })) as unknown as Round;
    rounds.push(out);
    const r1 = out.decisions.find((d) => d.model === R1)!;
    expect(r1.fill).toMatchObject({ side: 'sell', qty: rounds[0]!.decisions.find((d) => d.model === R1)!.fill!.qty });
    const mistral = out.decisions.find((d) => d.model === MISTRAL)!;
    expect(mistral.fill).toMatchObject({ side: 'buy', qty: Math.floor(10_000 / price('buy', out.snapshots[0]!.mid)) });
  });

  it('round 3: one model hangs, one answers nonsense — the round completes and ModelChat keeps both failures', async () => {
    const s = await start(dataDir(), CLOCKS[2]!);
    gw.when(R1, { content: decide('HOLD', 'SPY', 0) });
    gw.when(KIMI, { hang: true }, { times: Infinity });
    gw.when(MISTRAL, { content: 'I would buy some SPY, probably.' });
    const t0 = Date.now();
    const out = (await callOk(s.client, 'arena_round', { symbols: ['SPY', 'QQQ'] })) as unknown as Round;
    gw.resetBehaviours();
    rounds.push(out);
    // finishing at all proves the hanging model was not waited for; the bound (its 1.5 s timeout + 10 s) is loose on purpose (see council.test.ts)
    expect(Date.now() - t0).toBeLessThan(1500 + 10_000);
    const status = Object.fromEntries(out.decisions.map((d) => [d.model, d.status]));
    expect(status).toEqual({ [R1]: 'valid', [KIMI]: 'timeout', [MISTRAL]: 'invalid' });
    const chat = (await callOk(s.client, 'get_model_chat', { round: out.round_id })) as { entries: Array<Record<string, unknown>> };
    const entry = (m: string) => chat.entries.find((e) => e.model === m)!;
    expect(entry(KIMI)).toMatchObject({ status: 'timeout', error_code: 'TIMEOUT', reply: null });
    expect(entry(MISTRAL)).toMatchObject({ status: 'invalid', error_code: 'INVALID_DECISION', reply: 'I would buy some SPY, probably.' });
    expect(entry(R1)).toMatchObject({ status: 'valid', action: 'HOLD', prompt_digest: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('the leaderboard: figures recomputed by hand from the fills, ranks by net P&L, LLM cost per model as in the ledger', async () => {
    const s = await start(dataDir(), CLOCKS[2]!);
    const board = (await callOk(s.client, 'get_leaderboard', {})) as { models: Array<Record<string, any>> };
    const quotes: Record<string, number> = {};
    for (const sym of ['SPY', 'QQQ']) {
      const q = (await callOk(s.client, 'get_market_data', { kind: 'quote', symbol: sym })) as { quote: { bidPrice: number; askPrice: number } };
      quotes[sym] = Math.round(((q.quote.bidPrice + q.quote.askPrice) / 2) * 1e4) / 1e4;
    }
    const usage = (await callOk(s.client, 'get_llm_usage', {})) as { today: { byModel: Array<{ key: string; costUsd: number }> } };
    for (const model of [R1, KIMI, MISTRAL]) {
      const fills = rounds.flatMap((r) => r.decisions.filter((d) => d.model === model && d.fill).map((d) => ({ ...d.fill!, symbol: d.symbol! })));
      let cash = 10_000;
      const held: Record<string, number> = {};
      for (const f of fills) {
        const sign = f.side === 'buy' ? 1 : -1;
        cash = Math.round((cash - (sign * Math.round(f.qty * f.price * 100)) / 100) * 100) / 100;
        held[f.symbol] = (held[f.symbol] ?? 0) + sign * f.qty;
      }
      const row = board.models.find((m) => m.model === model)!;
      expect(row.cash).toBeCloseTo(cash, 2);
      expect(row.trades).toBe(fills.length);
      const open = Object.entries(held).filter(([, q]) => q > 0);
      expect(row.positions.map((p: any) => [p.symbol, p.qty])).toEqual(open);
      const value = open.reduce((a, [sym, q]) => a + Math.round(q * quotes[sym]! * 100) / 100, 0);
      expect(row.equity).toBeCloseTo(cash + value, 2);
      expect(row.pnl_usd).toBeCloseTo(row.equity - 10_000, 2);
      const ledger = usage.today.byModel.find((g) => g.key === model)?.costUsd ?? 0;
      expect(row.llm_cost_usd).toBeCloseTo(ledger, 9);
      expect(row.net_usd).toBeCloseTo(row.pnl_usd - row.llm_cost_usd, 5);
    }
    const nets = board.models.map((m) => m.net_usd as number);
    expect(nets).toEqual([...nets].sort((a, b) => b - a));
    expect(board.models.map((m) => m.rank)).toEqual([1, 2, 3]);
    // r1 bought and sold SPY: one closed trade, won or lost by the two prices
    const r1 = board.models.find((m) => m.model === R1)!;
    const [buy, sell] = [rounds[0]!, rounds[1]!].map((r) => r.decisions.find((d) => d.model === R1)!.fill!);
    expect(r1).toMatchObject({ closed_trades: 1, win_rate: sell!.price > buy!.price ? 1 : 0, positions: [] });
    expect(r1.realized_pnl_usd).toBeCloseTo(Math.round(buy!.qty * sell!.price * 100) / 100 - Math.round(buy!.qty * buy!.price * 100) / 100, 2);
  });

  it('chart: true adds a 960×640 PNG of the equity curves; no order ever reached the broker', async () => {
    const s = await start(dataDir(), CLOCKS[2]!);
    const r = await callTool(s.client, 'get_leaderboard', { chart: true });
    const image = (r.content as Array<{ type: string; data?: string; mimeType?: string }>).find((c) => c.type === 'image')!;
    expect(image.mimeType).toBe('image/png');
    const png = Buffer.from(image.data!, 'base64');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([960, 640]);
    if (process.env.ARENA_CHART_OUT) writeFileSync(process.env.ARENA_CHART_OUT, png);
    const orders = (await callOk(s.client, 'get_orders', { status: 'all' })) as { orders: unknown[] };
    expect(orders.orders).toEqual([]);
    const res = await s.client.readResource({ uri: 'trading://arena' });
    const arena = JSON.parse((res.contents[0] as { text: string }).text) as { rounds: unknown[]; chat: unknown[] };
    expect(arena.rounds).toHaveLength(3);
    expect(arena.chat.length).toBe(9);
  });
});

describe('council votes shadow-execute', () => {
  it('two APPROVE and one REJECT: exactly the two approving accounts take the order, scaled to their cash', async () => {
    const s = await start(join(root, 'council'), CLOCKS[0]!);
    gw.when(R1, { content: vote('APPROVE', 0.8) });
    gw.when(KIMI, { content: vote('APPROVE', 0.7) });
    gw.when(MISTRAL, { content: vote('REJECT', 0.9) });
    const order = { symbol: 'SPY', side: 'buy', qty: 50, type: 'market', time_in_force: 'day' };
    const council = (await callOk(s.client, 'council_vote', { question: 'Buy 50 SPY?', order })) as { council_id: string; decision: string };
    expect(council.decision).toBe('APPROVE');
    const chat = (await callOk(s.client, 'get_model_chat', { round: council.council_id })) as { entries: Array<Record<string, any>> };
    expect(chat.entries).toHaveLength(3);
    const filled = chat.entries
      .filter((e) => e.fill_id !== null)
      .map((e) => e.model)
      .sort();
    expect(filled).toEqual([R1, KIMI].sort());
    const board = (await callOk(s.client, 'get_leaderboard', {})) as { models: Array<Record<string, any>> };
    // the sim account starts with $100,000 and each shadow with $10,000: 50 × 0.1 = 5 shares
    for (const m of [R1, KIMI]) expect(board.models.find((r) => r.model === m)!.positions).toMatchObject([{ symbol: 'SPY', qty: 5 }]);
    expect(board.models.find((r) => r.model === MISTRAL)).toMatchObject({ trades: 0, positions: [] });
    const orders = (await callOk(s.client, 'get_orders', { status: 'all' })) as { orders: unknown[] };
    expect(orders.orders).toEqual([]);
  });
});

describe('the budget', () => {
  it('a round the budget cannot cover sends no request: BUDGET_EXHAUSTED', async () => {
    const s = await start(join(root, 'budget'), CLOCKS[0]!, { TRADING_MCP_DAILY_BUDGET_USD: '0.000001' });
    const before = gw.requests.length;
    const r = await callTool(s.client, 'arena_round', { symbols: ['SPY'] });
    expect(errorCode(r)).toBe('BUDGET_EXHAUSTED');
    expect(gw.requests.length).toBe(before);
    const board = (await callOk(s.client, 'get_leaderboard', {})) as { models: Array<{ trades: number }> };
    expect(board.models.every((m) => m.trades === 0)).toBe(true);
  });

  it('bad input is INVALID_INPUT (repeated symbols, 11 symbols, a lowercase ticker)', async () => {
    const s = await start(join(root, 'budget'), CLOCKS[0]!);
    expect(errorCode(await callTool(s.client, 'arena_round', { symbols: ['SPY', 'SPY'] }))).toBe('INVALID_INPUT');
    expect(errorCode(await callTool(s.client, 'arena_round', { symbols: Array.from({ length: 11 }, (_, i) => `A${String.fromCharCode(65 + i)}`) }))).toBe(
      'INVALID_INPUT',
    );
    expect(errorCode(await callTool(s.client, 'arena_round', { symbols: ['spy'] }))).toBe('INVALID_INPUT');
    expect(errorCode(await callTool(s.client, 'get_model_chat', { since: 'yesterday' }))).toBe('INVALID_INPUT');
  });
});
