/**
 * Model-based test (fast-check commands) of position and open-order accounting, against the real
 * sim broker: random sequences of market fills, resting limit orders and cancels. After every
 * step the engine's view of the broker's state (exposureOf / projectedPosition, the open-order
 * count and max_open_orders, the buying power open orders hold) must equal a plain model that
 * only adds and subtracts quantities.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../../src/broker/sim.js';
import { evaluateRisk, exposureOf, projectedPosition, reservedBuyingPower } from '../../../src/risk/engine.js';
import { baseInput, limits, OPEN_AT, order } from './fixtures.js';

const SYMBOLS = ['AAPL', 'MSFT'] as const;
type Sym = (typeof SYMBOLS)[number];
const MAX_OPEN = 5;

interface ModelOrder {
  id: string;
  symbol: Sym;
  side: 'buy' | 'sell';
  qty: number;
  limit: number;
}
interface Model {
  held: Record<Sym, number>;
  open: ModelOrder[];
}
interface Real {
  broker: SimBroker;
  mids: Record<Sym, number>;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const openQty = (m: Model, s: Sym, side: 'buy' | 'sell') => m.open.filter((o) => o.symbol === s && o.side === side).reduce((a, o) => a + o.qty, 0);
let seq = 0;
const cid = () => `m-${process.pid}-${++seq}`;
const submission = (symbol: Sym, side: 'buy' | 'sell', qty: number, limit: number | null) => ({
  ...order(limit === null ? { symbol, side, qty, type: 'market' } : { symbol, side, qty, type: 'limit', limit_price: limit }),
  client_order_id: cid(),
});

async function verify(m: Model, r: Real): Promise<void> {
  const [positions, openOrders, account] = await Promise.all([
    r.broker.getPositions(),
    r.broker.listOrders({ status: 'open', limit: 500 }),
    r.broker.getAccount(),
  ]);
  expect(openOrders).toHaveLength(m.open.length);
  for (const s of SYMBOLS) {
    const e = exposureOf(s, positions, openOrders, r.mids[s]);
    expect(e.position).toBeCloseTo(m.held[s], 9);
    expect(e.openBuys).toBeCloseTo(openQty(m, s, 'buy'), 9);
    expect(e.openSells).toBeCloseTo(openQty(m, s, 'sell'), 9);
    expect(projectedPosition('buy', 7, e).after).toBeCloseTo(m.held[s] + openQty(m, s, 'buy') + 7, 9);
    expect(projectedPosition('sell', 7, e).after).toBeCloseTo(m.held[s] - openQty(m, s, 'sell') - 7, 9);
  }
  // What the engine says open orders hold equals what the broker holds back from buying power.
  const modelReserved = m.open.filter((o) => o.side === 'buy').reduce((a, o) => a + round2(o.qty * o.limit), 0);
  expect(reservedBuyingPower(openOrders, (s) => r.mids[s as Sym] ?? null)).toBeCloseTo(modelReserved, 6);
  expect(account.cash - account.buyingPower).toBeCloseTo(modelReserved, 6);
  // The verdict's open-order and position checks agree with the model.
  const probe = evaluateRisk(
    baseInput({
      order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limit_price: round2(r.mids.AAPL) }),
      account,
      positions,
      openOrders,
      quotes: { AAPL: await r.broker.getLatestQuote('AAPL') },
      clock: await r.broker.getClock(),
      state: { halted: false, haltReason: null, startOfDayEquity: null, recentOrders: [] },
      limits: limits({ maxOpenOrders: MAX_OPEN, maxPositionPctEquity: 1, maxOrderNotionalUsd: 1e9, maxDailyLossPct: 1 }),
    }),
  );
  expect(probe.checks.find((c) => c.code === 'RISK_MAX_OPEN_ORDERS')!.passed).toBe(m.open.length + 1 <= MAX_OPEN);
  const worstLong = m.held.AAPL + openQty(m, 'AAPL', 'buy') + 1;
  expect(probe.checks.find((c) => c.code === 'RISK_MAX_POSITION')!.actual).toBeCloseTo(Math.abs(worstLong) * round2(r.mids.AAPL), 1);
}

class MarketBuy implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly s: Sym,
    readonly qty: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const o = await r.broker.submitOrder(submission(this.s, 'buy', this.qty, null));
    expect(o.status).toBe('filled');
    m.held[this.s] += this.qty;
    await verify(m, r);
  }
  toString = () => `MarketBuy(${this.s}, ${this.qty})`;
}

class MarketSell implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly s: Sym,
    readonly qty: number,
  ) {}
  check = (m: Readonly<Model>) => m.held[this.s] - openQty(m as Model, this.s, 'sell') >= this.qty;
  async run(m: Model, r: Real) {
    const o = await r.broker.submitOrder(submission(this.s, 'sell', this.qty, null));
    expect(o.status).toBe('filled');
    m.held[this.s] -= this.qty;
    await verify(m, r);
  }
  toString = () => `MarketSell(${this.s}, ${this.qty})`;
}

class RestingOrder implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly s: Sym,
    readonly side: 'buy' | 'sell',
    readonly qty: number,
    readonly pctAway: number,
  ) {}
  check = (m: Readonly<Model>) => this.side === 'buy' || m.held[this.s] - openQty(m as Model, this.s, 'sell') >= this.qty;
  async run(m: Model, r: Real) {
    // Far from the market, so it rests (the sim clock does not move, so nothing sweeps it).
    const limit = round2(r.mids[this.s] * (this.side === 'buy' ? 1 - this.pctAway : 1 + this.pctAway));
    const o = await r.broker.submitOrder(submission(this.s, this.side, this.qty, limit));
    expect(o.status).toBe('new');
    m.open.push({ id: o.id, symbol: this.s, side: this.side, qty: this.qty, limit });
    await verify(m, r);
  }
  toString = () => `Resting${this.side}(${this.s}, ${this.qty}, ${this.pctAway})`;
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.open.length > 0;
  async run(m: Model, r: Real) {
    const [victim] = m.open.splice(this.pick % m.open.length, 1);
    await r.broker.cancelOrder(victim!.id);
    await verify(m, r);
  }
  toString = () => `Cancel(${this.pick})`;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('position and open-order accounting (model-based, against the sim broker)', () => {
  it('the engine sees exactly what the model predicts after every step', async () => {
    const sym = fc.constantFrom(...SYMBOLS);
    const qty = fc.integer({ min: 1, max: 20 });
    const commands = [
      fc.tuple(sym, qty).map(([s, q]) => new MarketBuy(s, q)),
      fc.tuple(sym, qty).map(([s, q]) => new MarketSell(s, q)),
      fc
        .tuple(sym, fc.constantFrom('buy' as const, 'sell' as const), qty, fc.integer({ min: 10, max: 40 }))
        .map(([s, side, q, p]) => new RestingOrder(s, side, q, p / 100)),
      fc.nat().map((n) => new Cancel(n)),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const dataDir = mkdtempSync(join(tmpdir(), 'risk-model-'));
        dirs.push(dataDir);
        const at = new Date(OPEN_AT);
        const broker = await openSimBroker({ dataDir, startingCash: 10_000_000, seed: 7, now: () => at });
        try {
          const mids = Object.fromEntries(
            await Promise.all(
              SYMBOLS.map(async (s) => {
                const q = await broker.getLatestQuote(s);
                return [s, (q.bidPrice + q.askPrice) / 2];
              }),
            ),
          ) as Record<Sym, number>;
          await fc.asyncModelRun(() => ({ model: { held: { AAPL: 0, MSFT: 0 }, open: [] }, real: { broker, mids } }), cmds);
        } finally {
          await broker.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
