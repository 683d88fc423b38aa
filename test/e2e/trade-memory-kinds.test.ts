/**
 * Trade memory of a bracket and an iron condor on the sim, end to end over stdio (SPEC §13 "done
 * when"): each opened and closed through place_order with the loopback gateway approving as Opus;
 * get_trade_memory shows one round trip whose P&L equals the sim's own fills (read from its
 * sim-broker.sqlite, summed here in whole cents) to the cent; a second poll and a restart on the
 * same data dir count nothing twice.
 *
 * The bracket's exit fills on the tape: the first server places it at a pinned open-market instant,
 * a second server on the same data dir runs two hours later, and the sim walks the resting exits
 * over those two hours (whichever of the take-profit and the stop the tape reaches first fills).
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startServer, type RunningServer } from '../support/client.js';
import { MARKET_OPEN_INSTANT } from '../support/execution-harness.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { cents, lastPrice, roomyExecutorProfile, switchableOpus } from '../support/order-kinds.js';

interface Trip {
  id: string;
  kind: string;
  symbol: string;
  legs: string[];
  qty: number;
  realized_pnl: number;
  fees: number;
  strategy: string | null;
  opening_client_order_id: string;
  closing_order_ids: string[];
  fill_ids: string[];
}
interface Memory {
  sync: { read: number; added: number; stored: number };
  aggregates: { count: number; total_pnl: number };
  trips: Trip[];
  open: Array<{ kind: string; symbol: string; legs: string[]; qty_open: number }>;
}

let gw: FakeGateway;
const servers: RunningServer[] = [];

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

const LATER = new Date(Date.parse(MARKET_OPEN_INSTANT) + 2 * 3_600_000).toISOString();
const env = (clock: string) => ({ LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'test-key', TRADING_MCP_SIM_CLOCK: clock });

async function start(clock: string, dataDir?: string): Promise<RunningServer> {
  const s = await startServer({ profile: roomyExecutorProfile(), env: env(clock), ...(dataDir ? { dataDir } : {}) });
  servers.push(s);
  return s;
}

/** The sim's fills, straight from its database: realized cash in whole cents (sells +, buys −, options × 100). */
function simFillCash(dataDir: string, symbols: readonly string[]): { cents: number; fills: number } {
  const db = new Database(join(dataDir, 'sim-broker.sqlite'), { readonly: true });
  try {
    const rows = db
      .prepare(`SELECT symbol, side, qty, price, asset_class FROM fills WHERE symbol IN (${symbols.map(() => '?').join(', ')})`)
      .all(...symbols) as Array<{
      symbol: string;
      side: string;
      qty: number;
      price: number;
      asset_class: string;
    }>;
    let total = 0;
    for (const r of rows) total += (r.side === 'sell' ? 1 : -1) * Math.round(r.qty * Math.round(r.price * 100) * (r.asset_class === 'us_option' ? 100 : 1));
    return { cents: total, fills: rows.length };
  } finally {
    db.close();
  }
}

/** A second poll and a restart on the same data dir: the same trips, nothing new stored. */
async function expectCountedOnce(s: RunningServer, clock: string, mem: Memory): Promise<void> {
  const again = await callOk<Memory>(s.client, 'get_trade_memory');
  expect(again.sync).toMatchObject({ read: 0, added: 0, stored: mem.sync.stored });
  expect(again.trips).toEqual(mem.trips);
  await s.close();
  const r = await start(clock, s.dataDir);
  const after = await callOk<Memory>(r.client, 'get_trade_memory');
  expect(after.sync).toEqual({ read: 0, added: 0, stored: mem.sync.stored });
  expect(after.trips).toEqual(mem.trips);
}

describe('trade memory of a bracket and an iron condor (sim)', () => {
  it('a bracket: the entry fills, an exit fills on the tape two hours on; one round trip, P&L = the sim fills to the cent', { timeout: 120_000 }, async () => {
    const s = await start(MARKET_OPEN_INSTANT);
    const px = await lastPrice(s.client, 'MSFT');
    await callOk(s.client, 'place_order', {
      symbol: 'MSFT',
      side: 'buy',
      qty: 5,
      type: 'market',
      time_in_force: 'gtc',
      order_class: 'bracket',
      take_profit: { limit_price: cents(px * 1.004) },
      stop_loss: { stop_price: cents(px * 0.996) },
      client_order_id: 'br-open',
      strategy: 'trend_following',
    });
    const opened = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'MSFT' });
    expect(opened.trips).toEqual([]);
    expect(opened.open).toMatchObject([{ kind: 'single', symbol: 'MSFT', qty_open: 5 }]);
    await s.close();

    const later = await start(LATER, s.dataDir);
    const mem = await callOk<Memory>(later.client, 'get_trade_memory', { symbol: 'MSFT' });
    expect(mem.open).toEqual([]);
    expect(mem.trips).toHaveLength(1);
    const trip = mem.trips[0]!;
    expect(trip).toMatchObject({ kind: 'single', symbol: 'MSFT', qty: 5, strategy: 'trend_following', opening_client_order_id: 'br-open' });
    const cash = simFillCash(s.dataDir, ['MSFT']);
    expect(cash.fills).toBe(2);
    expect(Math.round(trip.realized_pnl * 100)).toBe(cash.cents);
    expect(trip.realized_pnl).toBeCloseTo(cash.cents / 100, 9);
    expect(trip.closing_order_ids).toHaveLength(1);
    await expectCountedOnce(later, LATER, mem);
  });

  it('an iron condor opened and closed by mleg orders: one position round trip, P&L = the four legs’ sim fills to the cent', { timeout: 120_000 }, async () => {
    const s = await start(MARKET_OPEN_INSTANT);
    const condor = await callOk<{
      order: { legs: Array<{ symbol: string; side: string; position_intent: string; ratio_qty: number }>; limit_price: number };
      credit: { mid: number; natural: number };
    }>(s.client, 'build_iron_condor', { underlying: 'SPY', short_delta: 0.12 });
    // the natural credit (shorts at the bid, longs at the ask): marketable on the sim's quotes
    await callOk(s.client, 'place_order', { ...condor.order, limit_price: -condor.credit.natural, client_order_id: 'ic-open', strategy: 'iron_condor' });
    const legs = condor.order.legs.map((l) => l.symbol);
    const opened = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'SPY' });
    expect(opened.open).toMatchObject([{ kind: 'position', symbol: 'SPY', qty_open: 1 }]);
    expect(opened.open[0]!.legs).toEqual([...legs].sort());

    const closing = condor.order.legs.map((l) => ({
      symbol: l.symbol,
      side: l.side === 'buy' ? 'sell' : 'buy',
      position_intent: l.side === 'buy' ? 'sell_to_close' : 'buy_to_close',
      ratio_qty: l.ratio_qty,
    }));
    // the natural debit to close at the same pinned quotes (shorts at the ask, longs at the bid): mid + (mid − natural credit)
    await callOk(s.client, 'place_order', {
      order_class: 'mleg',
      side: 'buy',
      qty: 1,
      type: 'limit',
      limit_price: cents(2 * condor.credit.mid - condor.credit.natural),
      time_in_force: 'day',
      legs: closing,
      client_order_id: 'ic-close',
    });
    const mem = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'SPY' });
    expect(mem.open).toEqual([]);
    expect(mem.trips).toHaveLength(1);
    const trip = mem.trips[0]!;
    expect(trip).toMatchObject({ kind: 'position', symbol: 'SPY', qty: 1, strategy: 'iron_condor', opening_client_order_id: 'ic-open' });
    expect(trip.legs).toEqual([...legs].sort());
    expect(trip.fill_ids).toHaveLength(8);
    const cash = simFillCash(s.dataDir, legs);
    expect(cash.fills).toBe(8);
    expect(Math.round(trip.realized_pnl * 100)).toBe(cash.cents);
    expect(trip.realized_pnl).toBeCloseTo(cash.cents / 100, 9);
    await expectCountedOnce(s, MARKET_OPEN_INSTANT, mem);
  });
});
