/**
 * Trade memory end to end over stdio (SPEC §13): on the sim, a stock position opened by place_order
 * and closed by close_position shows as one round trip whose P&L is the broker's fills to the cent,
 * and neither a second poll nor a restart on the same data dir counts a fill twice. On the loopback
 * Alpaca, FILL activities served paged, out of order and duplicated give the same exact memory.
 * select_strategy: no history → every arm at its prior; a seed → the same draw twice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startServer, type RunningServer } from '../support/client.js';
import { MARKET_OPEN_INSTANT } from '../support/execution-harness.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { roomyExecutorProfile, switchableOpus } from '../support/order-kinds.js';

interface Trip {
  id: string;
  symbol: string;
  direction: string;
  qty: number;
  entry_price: number;
  exit_price: number;
  realized_pnl: number;
  strategy: string | null;
  tags: string[];
  rationale: string | null;
  regime: { trend: string | null; volatility: string | null } | null;
  fill_ids: string[];
}
interface Memory {
  sync: { read: number; added: number; stored: number };
  aggregates: { count: number; total_pnl: number; wins: number; losses: number };
  trips: Trip[];
  open: Array<{ symbol: string; qty_open: number; unrealized_pnl: number | null }>;
}
interface Order {
  filledQty: number;
  filledAvgPrice: number;
  side: string;
}

let gw: FakeGateway;
const servers: RunningServer[] = [];
const cents = (n: number) => Math.round(n * 100) / 100;

beforeAll(async () => {
  gw = await startFakeGateway();
  switchableOpus(gw, () => 'approve');
});
afterAll(async () => {
  await gw?.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(opts: Parameters<typeof startServer>[0]): Promise<RunningServer> {
  const s = await startServer(opts);
  servers.push(s);
  return s;
}

const simEnv = () => ({ LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'test-key', TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT });

async function filled(s: RunningServer, id: string): Promise<Order> {
  const r = await callOk<{ orders: Order[] }>(s.client, 'get_orders', { client_order_id: id });
  return r.orders[0]!;
}

describe('trade memory on the sim', () => {
  it('a stock round trip through place_order and close_position, exact to the cent, counted once across polls and a restart', async () => {
    const s = await start({ profile: roomyExecutorProfile(), env: simEnv() });
    const empty = await callOk<Memory>(s.client, 'get_trade_memory');
    expect(empty.aggregates.count).toBe(0);
    await callOk(s.client, 'place_order', {
      symbol: 'AAPL',
      side: 'buy',
      qty: 7,
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'tm-open',
      strategy: 'trend_following',
      tags: ['e2e'],
      rationale: 'trade memory end to end',
    });
    const opened = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'AAPL' });
    expect(opened.trips).toEqual([]);
    expect(opened.open).toHaveLength(1);
    expect(opened.open[0]!.qty_open).toBe(7);
    expect(typeof opened.open[0]!.unrealized_pnl).toBe('number');
    await callOk(s.client, 'close_position', { symbol: 'AAPL', client_order_id: 'tm-close' });
    const [buy, sell] = [await filled(s, 'tm-open'), await filled(s, 'tm-close')];
    expect(sell.filledQty).toBe(7);
    const expected = cents((sell.filledAvgPrice - buy.filledAvgPrice) * 7);
    const mem = await callOk<Memory>(s.client, 'get_trade_memory');
    expect(mem.trips).toHaveLength(1);
    const trip = mem.trips[0]!;
    expect(cents(trip.realized_pnl)).toBe(expected);
    expect(trip.realized_pnl).toBeCloseTo(expected, 6);
    expect(trip).toMatchObject({ symbol: 'AAPL', direction: 'long', qty: 7, entry_price: buy.filledAvgPrice, exit_price: sell.filledAvgPrice });
    expect(trip).toMatchObject({ strategy: 'trend_following', tags: ['e2e'], rationale: 'trade memory end to end' });
    // the sim has a year of daily bars before the pinned clock: the regime at entry is read
    expect(['up', 'down', 'mixed']).toContain(trip.regime?.trend);
    expect(['high', 'normal', 'low']).toContain(trip.regime?.volatility);
    const sameRegime = await callOk<Memory>(s.client, 'get_trade_memory', { regime: { trend: trip.regime!.trend as string } });
    expect(sameRegime.aggregates.count).toBe(1);
    expect(mem.open).toEqual([]);
    expect(mem.aggregates).toMatchObject({ count: 1, total_pnl: trip.realized_pnl });
    expect(mem.sync.stored).toBe(2);
    // a second poll: nothing new, nothing counted twice
    const again = await callOk<Memory>(s.client, 'get_trade_memory');
    expect(again.sync).toEqual({ read: 0, added: 0, stored: 2 });
    expect(again.trips).toEqual(mem.trips);
    await s.close();
    // a new server on the same data dir resumes from the cursor
    const r = await start({ profile: roomyExecutorProfile(), env: simEnv(), dataDir: s.dataDir });
    const after = await callOk<Memory>(r.client, 'get_trade_memory');
    expect(after.sync).toEqual({ read: 0, added: 0, stored: 2 });
    expect(after.trips).toEqual(mem.trips);
    expect(after.aggregates.count).toBe(1);
    const filteredOut = await callOk<Memory>(r.client, 'get_trade_memory', { strategy: 'iron_condor' });
    expect(filteredOut.aggregates.count).toBe(0);
    // bought at the ask, sold at the bid in one pinned minute: a loss, so exactly one draft lesson,
    // linked to the trip; search shows it only with include_drafts (three polls and a restart above)
    expect(trip.realized_pnl).toBeLessThan(0);
    type Hits = { results: Array<{ id: string }> };
    const query = { query: 'AAPL trend_following loss on a round trip', k: 10 };
    const drafts = (await callOk<Hits>(r.client, 'search_lessons', { ...query, include_drafts: true })).results.filter((h) => h.id.startsWith('loss-'));
    expect(drafts).toHaveLength(1);
    const plain = (await callOk<Hits>(r.client, 'search_lessons', query)).results.filter((h) => h.id.startsWith('loss-'));
    expect(plain).toEqual([]);
  });
});

interface Selection {
  regime: { trend: string | null; volatility: string | null } | null;
  pick: string;
  seed: number;
  arms: Array<{ id: string; trades: number; posterior_mean: number; interval_90: [number, number]; sample: number }>;
  meaning: string;
}

describe('select_strategy on the sim', () => {
  it('with no history every arm is at its prior; a seed makes the draw reproducible; the regime is the one get_technicals reports', async () => {
    const s = await start({ profile: 'analyst', env: { TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT } });
    const a = await callOk<Selection>(s.client, 'select_strategy', { symbol: 'SPY', seed: 42 });
    expect(a.arms.map((x) => x.id)).toEqual(['iron_condor', 'trend_following', 'mean_reversion']);
    for (const arm of a.arms) {
      expect(arm.trades).toBe(0);
      expect(arm.posterior_mean).toBe(0.5);
      expect(arm.interval_90[0]).toBeCloseTo(0.05, 9);
      expect(arm.interval_90[1]).toBeCloseTo(0.95, 9);
    }
    expect(a.seed).toBe(42);
    expect(a.pick).toBe(a.arms.reduce((best, x) => (x.sample > best.sample ? x : best)).id);
    expect(a.meaning).toMatch(/exploration/);
    const b = await callOk<Selection>(s.client, 'select_strategy', { symbol: 'SPY', seed: 42 });
    expect(b).toEqual(a);
    const c = await callOk<Selection>(s.client, 'select_strategy', { symbol: 'SPY', seed: 43 });
    expect(c.arms.map((x) => x.sample)).not.toEqual(a.arms.map((x) => x.sample));
    const tech = await callOk<{ signals: Array<{ id: string; state: string }> }>(s.client, 'get_technicals', {
      symbol: 'SPY',
      timeframe: '1Day',
      lookback: 30,
    });
    const state = (id: string) => tech.signals.find((x) => x.id === id)?.state;
    expect(a.regime).toEqual({
      trend: { uptrend: 'up', downtrend: 'down', mixed: 'mixed' }[state('trend')!],
      volatility: { high_volatility: 'high', normal_volatility: 'normal', low_volatility: 'low' }[state('hv_rank')!],
    });
  });
});

describe('trade memory on the loopback Alpaca', () => {
  let alpaca: FakeAlpaca;
  beforeAll(async () => {
    alpaca = await startFakeAlpaca();
  });
  afterAll(async () => {
    await alpaca?.close();
  });
  const alpacaEnv = () => ({
    APCA_API_BASE_URL: alpaca.tradingUrl,
    APCA_API_DATA_URL: alpaca.dataUrl,
    APCA_API_KEY_ID: alpaca.keyId,
    APCA_API_SECRET_KEY: alpaca.secret,
  });
  const order = (symbol: string, side: 'buy' | 'sell', qty: number, coid: string) =>
    alpaca.addOrder({ symbol, side, qty: String(qty), client_order_id: coid, position_intent: side === 'buy' ? 'buy_to_open' : 'sell_to_close' }).id;

  it('FILL activities paged, served out of order and duplicated give exact round trips; a re-poll and a restart add nothing', async () => {
    alpaca.activities.pageSize = 2;
    alpaca.activities.reversePages = true;
    alpaca.activities.repeatPrevious = true;
    const aaplBuy = order('AAPL', 'buy', 10, 'alp-aapl-open');
    alpaca.fill(aaplBuy, { qty: 4, price: 100 });
    alpaca.fill(aaplBuy, { qty: 6, price: 101.01 });
    const msftBuy = order('MSFT', 'buy', 5, 'alp-msft-open');
    alpaca.fill(msftBuy, { price: 200.5 });
    alpaca.fill(order('AAPL', 'sell', 10, 'alp-aapl-close'), { price: 105.25 });
    const msftSell = order('MSFT', 'sell', 5, 'alp-msft-close');
    alpaca.fill(msftSell, { qty: 3, price: 190.1 });
    const part = alpaca.activities.entries.at(-1)!;
    alpaca.fill(order('AAPL', 'buy', 1, 'alp-aapl-other'), { price: 104 });
    alpaca.fill(order('AAPL', 'sell', 1, 'alp-aapl-other-close'), { price: 104.5 });
    // the rest of the MSFT sell is posted late (after other fills), stamped with the first part's time
    alpaca.activities.post({ ...part, id: `${part.id.split('::')[0]}::late-part`, qty: '2', cum_qty: '5', leaves_qty: '0', type: 'fill' });
    const s = await start({ profile: 'analyst', env: alpacaEnv() });
    const mem = await callOk<Memory>(s.client, 'get_trade_memory');
    expect(mem.sync.stored).toBe(8);
    expect(mem.sync.added).toBe(8);
    expect(mem.sync.read).toBeGreaterThan(8);
    const bySymbol = Object.fromEntries(mem.trips.filter((t) => t.qty !== 1).map((t) => [t.symbol, t]));
    // AAPL: 10 × 105.25 − (4 × 100 + 6 × 101.01) = 1052.50 − 1006.06
    expect(bySymbol.AAPL!.realized_pnl).toBe(46.44);
    expect(bySymbol.AAPL!.fill_ids).toHaveLength(3);
    // MSFT: 5 × (190.10 − 200.50)
    expect(bySymbol.MSFT!.realized_pnl).toBe(-52);
    expect(bySymbol.MSFT!.fill_ids).toHaveLength(3);
    expect(bySymbol.MSFT!.strategy).toBeNull();
    expect(mem.aggregates).toMatchObject({ count: 3, wins: 2, losses: 1, total_pnl: -5.06 });
    expect(mem.open).toEqual([]);
    // the FILL activity has no client_order_id: each order was looked up once
    expect(alpaca.count('GET', /^\/v2\/orders\/[^/]+$/)).toBe(6);
    const again = await callOk<Memory>(s.client, 'get_trade_memory');
    expect(again.sync.added).toBe(0);
    expect(again.trips).toEqual(mem.trips);
    // a new fill after the cursor, then a restart on the same data dir
    const late = order('AAPL', 'buy', 3, 'alp-aapl-open-2');
    alpaca.fill(late, { price: 99 });
    const third = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'AAPL' });
    expect(third.sync).toMatchObject({ added: 1, stored: 9 });
    expect(third.open).toHaveLength(1);
    expect(third.open[0]!.qty_open).toBe(3);
    await s.close();
    const r = await start({ profile: 'analyst', env: alpacaEnv(), dataDir: s.dataDir });
    const after = await callOk<Memory>(r.client, 'get_trade_memory');
    expect(after.sync).toMatchObject({ added: 0, stored: 9 });
    expect(after.trips).toEqual(mem.trips);
    const fills = alpaca.requests.filter((q) => q.path === '/v2/account/activities/FILL');
    expect(fills.every((q) => q.query.direction === 'asc' && q.query.page_size === '100')).toBe(true);
    expect(fills.some((q) => q.query.page_token)).toBe(true);
    expect(fills.at(-1)!.query.after).toBeDefined();
  });
});
