/**
 * Stops and trailing stops on the sim's tape. Price paths are CSV minute rows (the sim reads
 * them in place of its seeded path), so each property controls exactly what the tape prints.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrokerOrder } from '../../../../src/broker/types.js';
import { stopFor, trailOnBar } from '../../../../src/broker/sim/trail.js';
import { closeAll, MINUTE, OPEN, openSim, order, round2, type Sim, writePath } from './fixtures.js';

const T0 = Date.parse(OPEN);
let sim: Sim;
let symbols = 0;
/** A fresh symbol per property run, so every run has its own path on one broker. */
const nextSymbol = () => {
  symbols += 1;
  return `Z${String.fromCharCode(65 + (Math.floor(symbols / 26) % 26))}${String.fromCharCode(65 + (symbols % 26))}`;
};

beforeAll(async () => {
  sim = await openSim(OPEN, { cash: 10_000_000 });
});
afterAll(closeAll);

/** Place a trailing stop at T0 + 30 s on a path whose first row prints at T0 (the flat `start` before it). */
async function trailingOn(symbol: string, side: 'buy' | 'sell', trail: { trail_price?: number; trail_percent?: number }): Promise<BrokerOrder> {
  sim.at(T0 + 30_000);
  if (side === 'sell') expect((await sim.broker.submitOrder(order({ symbol, qty: 5 }))).status).toBe('filled');
  return sim.broker.submitOrder(order({ symbol, side, qty: 5, type: 'trailing_stop', trail_price: null, trail_percent: null, ...trail }));
}

// Trails and steps on a quarter-dollar grid (1% of 100 too), so the path often touches a stop exactly.
const trailArb = fc.oneof(
  fc.record({ trail_price: fc.integer({ min: 1, max: 12 }).map((q) => q / 4) }),
  fc.record({ trail_percent: fc.integer({ min: 5, max: 40 }).map((t) => t / 10) }),
);
const flatPath = fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 3, maxLength: 18 }).map((steps) => {
  let p = 100;
  return steps.map((d) => (p = round2(Math.max(5, p + d / 4))));
});

describe('trailing stops follow the path', () => {
  it('the trail math: a sell stop only rises, a buy stop only falls, over any bars (pure)', () => {
    const bar = fc
      .record({ o: fc.integer({ min: 50_00, max: 150_00 }), c: fc.integer({ min: 50_00, max: 150_00 }), up: fc.nat(300), down: fc.nat(300) })
      .map(({ o, c, up, down }) => ({ o: o / 100, c: c / 100, h: (Math.max(o, c) + up) / 100, l: (Math.min(o, c) - down) / 100 }));
    fc.assert(
      fc.property(fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), trailArb, fc.array(bar, { maxLength: 60 }), (side, trail, bars) => {
        const spec = { side, trailPrice: trail.trail_price ?? null, trailPercent: trail.trail_percent ?? null };
        let state = { mark: 100, stop: stopFor(spec, 100) };
        for (const b of bars) {
          const next = trailOnBar(spec, state, b);
          if (side === 'sell') expect(next.state.stop).toBeGreaterThanOrEqual(state.stop);
          else expect(next.state.stop).toBeLessThanOrEqual(state.stop);
          // a trigger is a price the bar actually traded through
          if (next.trigger !== null) expect(side === 'sell' ? b.l <= next.trigger : b.h >= next.trigger).toBe(true);
          state = next.state;
          if (next.trigger !== null) break;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('on the sim: the stop never moves against the position and the order triggers exactly when the price crosses it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<'buy' | 'sell'>('buy', 'sell'), trailArb, flatPath, async (side, trail, path) => {
        const symbol = nextSymbol();
        writePath(sim.dataDir, symbol, T0 - 5 * MINUTE, [...Array(5).fill(100), 100, ...path]);
        const placed = await trailingOn(symbol, side, trail);
        const spec = { side, trailPrice: trail.trail_price ?? null, trailPercent: trail.trail_percent ?? null };
        expect(placed).toMatchObject({ status: 'new', hwm: 100, stopPrice: stopFor(spec, 100), trailPrice: spec.trailPrice, trailPercent: spec.trailPercent });
        // the model: the mark is the best price so far, the stop its trail; the first price through the stop in force triggers
        let mark = 100;
        let lastStop = placed.stopPrice!;
        let expected: number | null = null;
        for (const [i, p] of path.entries()) {
          sim.at(T0 + (i + 1) * MINUTE + 30_000);
          const o = (await sim.broker.getOrder(placed.id))!;
          const stopInForce = stopFor(spec, mark);
          if (expected === null && (side === 'sell' ? p <= stopInForce : p >= stopInForce)) expected = i;
          if (expected === null) {
            mark = side === 'sell' ? Math.max(mark, p) : Math.min(mark, p);
            expect(o.status).toBe('new');
            expect(o.hwm).toBe(mark);
            expect(o.stopPrice).toBe(stopFor(spec, mark));
            if (side === 'sell') expect(o.stopPrice!).toBeGreaterThanOrEqual(lastStop);
            else expect(o.stopPrice!).toBeLessThanOrEqual(lastStop);
            lastStop = o.stopPrice!;
          } else {
            expect(o.status).toBe('filled');
            expect(Date.parse(o.filledAt!)).toBe(T0 + (expected + 1) * MINUTE + 30_000);
            // a stop becomes a market order: at the stop (or the gap's price) less half the spread for a sell
            const half = Math.max(0.01, round2(path[expected]! * 0.0004)) / 2;
            const through = side === 'sell' ? Math.min(stopInForce, path[expected]!) : Math.max(stopInForce, path[expected]!);
            if (i === expected) expect(o.filledAvgPrice).toBeCloseTo(side === 'sell' ? through - half : through + half, 2);
            break;
          }
        }
        if (expected === null) await sim.broker.cancelOrder(placed.id);
      }),
      { numRuns: 25 },
    );
  });

  it('a sell trailing stop reserves nothing; a buy reserves its worst cost; both rest until the tape reaches them', async () => {
    const s = await openSim(OPEN, { cash: 10_000 });
    writePath(s.dataDir, 'ZQ', T0 - MINUTE, [50, 50, 51, 52]);
    await s.broker.submitOrder(order({ symbol: 'ZQ', qty: 10 }));
    const cashAfterBuy = (await s.broker.getAccount()).buyingPower;
    await s.broker.submitOrder(order({ symbol: 'ZQ', side: 'sell', qty: 10, type: 'trailing_stop', trail_percent: 5 }));
    expect((await s.broker.getAccount()).buyingPower).toBe(cashAfterBuy);
    const buy = await s.broker.submitOrder(order({ symbol: 'ZQ', side: 'buy', qty: 10, type: 'trailing_stop', trail_price: 1 }));
    expect(buy.stopPrice).toBe(51);
    expect((await s.broker.getAccount()).buyingPower).toBeCloseTo(cashAfterBuy - 10 * 51 * 1.05, 2);
    // the shares are promised to the sell trailing stop: a second sell is refused
    expect((await s.broker.submitOrder(order({ symbol: 'ZQ', side: 'sell', qty: 1 })).catch((e) => e)).message).toMatch(/insufficient qty available/);
  });
});

describe('stops and stop-limits trigger on the path', () => {
  it('a sell stop triggers when the price falls to it, a buy stop when it rises to it; a stop-limit then rests as its limit', async () => {
    const s = await openSim(OPEN);
    // 100 → down to 97 → up to 104 → back to 101
    writePath(s.dataDir, 'ZS', T0, [100, 99, 98, 97, 99, 101, 103, 104, 102, 101]);
    s.at(T0 + 30_000);
    await s.broker.submitOrder(order({ symbol: 'ZS', qty: 20 }));
    const sellStop = await s.broker.submitOrder(order({ symbol: 'ZS', side: 'sell', qty: 10, type: 'stop', stop_price: 98 }));
    const buyStop = await s.broker.submitOrder(order({ symbol: 'ZS', side: 'buy', qty: 5, type: 'stop', stop_price: 103 }));
    // a buy stop-limit triggered at 101 whose limit 100.5 the tape only meets on the way back down (never: it ends at 101)
    const stopLimit = await s.broker.submitOrder(order({ symbol: 'ZS', side: 'buy', qty: 5, type: 'stop_limit', stop_price: 101, limit_price: 100.5 }));
    s.at(T0 + 2 * MINUTE + 30_000);
    expect((await s.broker.getOrder(sellStop.id))!).toMatchObject({ status: 'filled', filledAt: new Date(T0 + 2 * MINUTE + 30_000).toISOString() });
    expect((await s.broker.getOrder(buyStop.id))!.status).toBe('new');
    s.at(T0 + 10 * MINUTE);
    const bought = (await s.broker.getOrder(buyStop.id))!;
    expect(bought).toMatchObject({ status: 'filled', filledAt: new Date(T0 + 7 * MINUTE - 1).toISOString() });
    expect(bought.filledAvgPrice).toBeCloseTo(103 + 0.02, 2);
    expect((await s.broker.getOrder(stopLimit.id))!.status).toBe('new');
    expect((await s.broker.getOrder(sellStop.id))!.filledAvgPrice).toBeCloseTo(98 - 0.02, 2);
  });
});
