/**
 * Trade memory on the loopback Alpaca over stdio: multi-leg orders whose legs' FILL activities name
 * only the leg's own order id (as Alpaca posts them) form one position trip, as on the sim, with
 * one nested order listing per mleg order; and a fill posted minutes late, stamped before the
 * cursor, is still read and matched.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startServer, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';

interface Trip {
  id: string;
  fees: number;
  fees_complete: boolean;
  kind: string;
  symbol: string;
  legs: string[];
  realized_pnl: number;
  opening_client_order_id: string;
  closing_order_ids: string[];
  fill_ids: string[];
}
interface Memory {
  sync: { read: number; added: number; stored: number };
  trips: Trip[];
  open: Array<{ kind: string; symbol: string; qty_open: number }>;
}

let alpaca: FakeAlpaca;
const servers: RunningServer[] = [];
beforeAll(async () => {
  alpaca = await startFakeAlpaca();
});
afterAll(async () => {
  await alpaca?.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const env = () => ({
  APCA_API_BASE_URL: alpaca.tradingUrl,
  APCA_API_DATA_URL: alpaca.dataUrl,
  APCA_API_KEY_ID: alpaca.keyId,
  APCA_API_SECRET_KEY: alpaca.secret,
});

async function start(dataDir?: string): Promise<RunningServer> {
  const s = await startServer({ profile: 'analyst', env: env(), ...(dataDir ? { dataDir } : {}) });
  servers.push(s);
  return s;
}

const occ = (type: 'C' | 'P', strike: number) => `QQQ270115${type}${String(strike * 1000).padStart(8, '0')}`;

/** Realized cash of FILL activities in whole cents (sells +, buys −; options × 100). */
function activityCents(symbols: readonly string[]): number {
  let total = 0;
  for (const a of alpaca.activities.entries) {
    if (!symbols.includes(a.symbol!)) continue;
    total += (a.side === 'buy' ? -1 : 1) * Math.round(Number(a.qty) * Math.round(Number(a.price) * 100) * 100);
  }
  return total;
}

describe('trade memory on the loopback Alpaca: multi-leg orders and late fills', () => {
  it("an mleg order's leg fills form one position trip; the parent is found once per mleg order", async () => {
    const legs = [
      { symbol: occ('P', 400), side: 'buy' as const },
      { symbol: occ('P', 410), side: 'sell' as const },
      { symbol: occ('C', 470), side: 'sell' as const },
      { symbol: occ('C', 480), side: 'buy' as const },
    ];
    const open = alpaca.addMlegOrder('qqq-condor-open', 2, legs);
    alpaca.fill(open.id, { price: -1.85, legPrices: { [legs[0]!.symbol]: 1.1, [legs[1]!.symbol]: 2.05, [legs[2]!.symbol]: 1.95, [legs[3]!.symbol]: 1.05 } });
    const s = await start();
    const opened = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'QQQ' });
    expect(opened.open).toMatchObject([{ kind: 'position', symbol: 'QQQ', qty_open: 2 }]);
    const reversed = legs.map((l) => ({ symbol: l.symbol, side: l.side === 'buy' ? ('sell' as const) : ('buy' as const) }));
    const close = alpaca.addMlegOrder('qqq-condor-close', 2, reversed);
    alpaca.fill(close.id, { price: 0.9, legPrices: { [legs[0]!.symbol]: 0.4, [legs[1]!.symbol]: 0.85, [legs[2]!.symbol]: 0.7, [legs[3]!.symbol]: 0.25 } });
    const mem = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'QQQ' });
    expect(mem.open).toEqual([]);
    expect(mem.trips).toHaveLength(1);
    const trip = mem.trips[0]!;
    expect(trip).toMatchObject({ kind: 'position', symbol: 'QQQ', opening_client_order_id: 'qqq-condor-open', closing_order_ids: [close.id] });
    expect(trip.legs).toEqual(legs.map((l) => l.symbol).sort());
    expect(trip.fill_ids).toHaveLength(8);
    // (2.05 + 1.95 − 1.10 − 1.05) − (0.85 + 0.70 − 0.40 − 0.25) = 1.85 − 0.90 = 0.95 per spread × 2 × 100
    expect(Math.round(trip.realized_pnl * 100)).toBe(activityCents(legs.map((l) => l.symbol)));
    expect(trip.realized_pnl).toBe(190);
    // one nested listing per mleg order finds its parent and all four legs
    expect(alpaca.requests.filter((q) => q.path === '/v2/orders' && q.query.nested === 'true' && q.query.status === 'all')).toHaveLength(2);
    await s.close();
    const again = await start(s.dataDir);
    expect((await callOk<Memory>(again.client, 'get_trade_memory', { symbol: 'QQQ' })).trips).toEqual(mem.trips);
  });

  it('fee activities come off the round trip they were charged for (by order, else symbol and trade date), once, posted late or read again', async () => {
    const order = (side: 'buy' | 'sell', coid: string) => alpaca.addOrder({ symbol: 'AMD', side, qty: '10', client_order_id: coid }).id;
    const buy = order('buy', 'amd-open');
    alpaca.fill(buy, { price: 100 });
    const sell = order('sell', 'amd-close');
    alpaca.fill(sell, { price: 101 });
    const s = await start();
    const before = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'AMD' });
    expect(before.trips.map((t) => [t.realized_pnl, t.fees, t.fees_complete])).toEqual([[10, 0, false]]);
    // the day's fees post after the trade: a regulatory fee on the symbol's sells, a commission on the buy, a bulk one
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
    alpaca.activities.postFee({ date: day, net_amount: -0.03, symbol: 'AMD', description: 'REG fee' });
    const com = alpaca.activities.postFee({ date: day, net_amount: -0.5, parent_id: buy, description: 'COM' });
    alpaca.activities.postFee({ date: day, net_amount: -1, description: 'CAT fee' });
    const after = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'AMD' });
    // 10 × (101 − 100) − 0.03 (REG, the sell's) − 0.50 (COM, the buy's); the CAT fee names no trade
    expect(after.trips.map((t) => [t.id, t.realized_pnl, t.fees, t.fees_complete])).toEqual([[before.trips[0]!.id, 9.47, 0.53, true]]);
    alpaca.activities.fees.push({ ...com });
    const again = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'AMD' });
    expect(again.trips).toEqual(after.trips);
    await s.close();
    const restarted = await start(s.dataDir);
    expect((await callOk<Memory>(restarted.client, 'get_trade_memory', { symbol: 'AMD' })).trips).toEqual(after.trips);
    const feeReads = alpaca.requests.filter((q) => q.path === '/v2/account/activities/FEE');
    expect(feeReads.at(-1)!.query.after).toBeDefined();
  });

  it('a fill posted five minutes late, stamped before the cursor, is read by the next poll and matched exactly', async () => {
    const order = (side: 'buy' | 'sell', qty: number, coid: string) => alpaca.addOrder({ symbol: 'NVDA', side, qty: String(qty), client_order_id: coid });
    const first = order('buy', 4, 'nvda-open-1');
    alpaca.fill(first.id, { price: 120 });
    const s = await start();
    const one = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'NVDA' });
    expect(one.open).toMatchObject([{ qty_open: 4 }]);
    const cursorMs = Date.parse(alpaca.activities.entries.filter((a) => a.symbol === 'NVDA').at(-1)!.transaction_time!);
    // an execution of another order, stamped five minutes before the latest fill read, posted only now
    const late = order('buy', 6, 'nvda-open-2');
    alpaca.activities.record(late, 6, 118.5, 6, 0, cursorMs - 5 * 60_000);
    alpaca.fill(order('sell', 10, 'nvda-close').id, { price: 121 });
    const mem = await callOk<Memory>(s.client, 'get_trade_memory', { symbol: 'NVDA' });
    expect(mem.sync.added).toBe(2);
    expect(mem.open).toEqual([]);
    // FIFO puts the late buy first: 6 × (121 − 118.50) + 4 × (121 − 120)
    expect(mem.trips.map((t) => [t.opening_client_order_id, t.realized_pnl])).toEqual([
      ['nvda-open-2', 15],
      ['nvda-open-1', 4],
    ]);
    const reads = alpaca.requests.filter((q) => q.path === '/v2/account/activities/FILL' && q.query.after);
    expect(cursorMs - Date.parse(reads.at(-1)!.query.after!)).toBeGreaterThanOrEqual(15 * 60_000 - 1);
    await s.close();
    const restarted = await start(s.dataDir);
    expect((await callOk<Memory>(restarted.client, 'get_trade_memory', { symbol: 'NVDA' })).trips).toEqual(mem.trips);
  });
});
