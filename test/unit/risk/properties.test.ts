/**
 * fast-check properties of the risk engine over every order kind and action: determinism, the kill switch, and the max-loss
 * computation of defined-risk multi-leg orders against an independent payoff grid.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RiskInput } from '../../../src/risk/engine.js';
import { evaluateRisk, optionsMaxLoss } from '../../../src/risk/engine.js';
import { RISK_CHECKS } from '../../../src/risk/verdict.js';
import type { OrderLeg } from '../../../src/orders/order.js';
import { account, baseInput, clock, isoBefore, limits, occ, OPEN_AT, openOrder, order, position, quote } from './fixtures.js';

const symbolArb = fc.constantFrom('AAPL', 'MSFT', 'SPY', 'ZZZ');
const priceArb = fc.double({ min: 1, max: 1000, noNaN: true, noDefaultInfinity: true }).map((p) => Math.round(p * 100) / 100);

const equityOrderArb = fc
  .record({
    symbol: symbolArb,
    side: fc.constantFrom('buy' as const, 'sell' as const),
    qty: fc.integer({ min: 1, max: 2000 }),
    kind: fc.constantFrom('market', 'limit', 'stop', 'notional'),
    price: priceArb,
    extended: fc.boolean(),
    cid: fc.option(fc.stringMatching(/^[a-z0-9]{1,12}$/), { nil: undefined }),
  })
  .map((o) =>
    o.kind === 'notional'
      ? order({ symbol: o.symbol, side: o.side, notional: o.qty * 3, type: 'market' })
      : o.kind === 'market'
        ? order({ symbol: o.symbol, side: o.side, qty: o.qty, type: 'market', client_order_id: o.cid })
        : o.kind === 'stop'
          ? order({ symbol: o.symbol, side: o.side, qty: o.qty, type: 'stop', stop_price: o.price, client_order_id: o.cid })
          : order({
              symbol: o.symbol,
              side: o.side,
              qty: o.qty,
              type: 'limit',
              limit_price: o.price,
              time_in_force: 'day',
              extended_hours: o.extended,
              client_order_id: o.cid,
            }),
  );

/** The kinds of SPEC §12 on the same symbols: brackets, OCO exits, trailing stops. */
const managedOrderArb = fc
  .record({
    symbol: symbolArb,
    side: fc.constantFrom('buy' as const, 'sell' as const),
    qty: fc.integer({ min: 1, max: 200 }),
    kind: fc.constantFrom('bracket', 'oco', 'trailing'),
    price: priceArb,
    spread: fc.integer({ min: 1, max: 30 }).map((p) => p / 100),
    stopLimit: fc.boolean(),
  })
  .map((o) => {
    const away = (k: number) => Math.max(0.01, Math.round(o.price * (1 + k * o.spread) * 100) / 100);
    const up = o.kind === 'oco' ? o.side === 'sell' : o.side === 'buy';
    const [tp, sl] = up ? [away(1), away(-1)] : [away(-1), away(1)];
    const stop_loss = { stop_price: sl, ...(o.stopLimit ? { limit_price: up ? away(-1.1) : away(1.1) } : {}) };
    if (o.kind === 'trailing') return order({ symbol: o.symbol, side: o.side, qty: o.qty, type: 'trailing_stop', trail_percent: o.spread * 100 });
    if (o.kind === 'oco')
      return order({ symbol: o.symbol, side: o.side, qty: o.qty, type: 'limit', order_class: 'oco', take_profit: { limit_price: tp }, stop_loss });
    return order({ symbol: o.symbol, side: o.side, qty: o.qty, type: 'market', order_class: 'bracket', take_profit: { limit_price: tp }, stop_loss });
  });

/** Single-leg options on SPY, bought or sold, with or without an intent. */
const optionOrderArb = fc
  .record({
    type: fc.constantFrom('C' as const, 'P' as const),
    strike: fc.integer({ min: 32, max: 48 }).map((k) => k * 2.5),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    qty: fc.integer({ min: 1, max: 12 }),
    limit: fc.option(
      fc.integer({ min: 5, max: 900 }).map((c) => c / 100),
      { nil: undefined },
    ),
    intent: fc.option(fc.constantFrom('open', 'close'), { nil: undefined }),
  })
  .map((o) =>
    order({
      symbol: occ('2026-04-09', o.type, o.strike),
      side: o.side,
      qty: o.qty,
      ...(o.limit === undefined ? { type: 'market' as const } : { type: 'limit' as const, limit_price: o.limit }),
      ...(o.intent ? { position_intent: `${o.side}_to_${o.intent}` as 'buy_to_open' } : {}),
    }),
  );

const strikeArb = fc.integer({ min: 32, max: 48 }).map((k) => k * 2.5); // 80 … 120
const legArb = fc.record({
  type: fc.constantFrom('C' as const, 'P' as const),
  strike: strikeArb,
  side: fc.constantFrom('buy' as const, 'sell' as const),
  ratio: fc.integer({ min: 1, max: 3 }),
});
const legsArb = fc.uniqueArray(legArb, { minLength: 2, maxLength: 4, selector: (l) => `${l.type}${l.strike}` }).map((ls): OrderLeg[] =>
  ls.map((l) => ({
    symbol: occ('2026-04-09', l.type, l.strike),
    side: l.side,
    ratio_qty: l.ratio,
    position_intent: l.side === 'buy' ? 'buy_to_open' : 'sell_to_open',
  })),
);

const mlegOrderArb = fc
  .record({ legs: legsArb, qty: fc.integer({ min: 1, max: 12 }), premium: fc.integer({ min: -800, max: 800 }).filter((p) => p !== 0) })
  .map((o) => ({
    ...order({ side: 'buy', qty: o.qty, type: 'limit', limit_price: o.premium / 100, order_class: 'mleg', legs: [o.legs[0]!, o.legs[1]!] }),
    legs: o.legs,
  }));

const inputArb: fc.Arbitrary<RiskInput> = fc
  .record({
    order: fc.oneof(equityOrderArb, mlegOrderArb, managedOrderArb, optionOrderArb),
    action: fc.constantFrom('place', 'close', 'replace'),
    optionsLevel: fc.constantFrom(null, 0, 1, 2, 3),
    equity: fc.integer({ min: 1_000, max: 500_000 }),
    startEquity: fc.option(fc.integer({ min: 1_000, max: 500_000 }), { nil: null }),
    buyingPower: fc.integer({ min: 0, max: 1_000_000 }),
    daytrades: fc.integer({ min: 0, max: 5 }),
    held: fc.integer({ min: -500, max: 500 }),
    open: fc.array(fc.record({ side: fc.constantFrom('buy' as const, 'sell' as const), qty: fc.integer({ min: 1, max: 100 }), symbol: symbolArb }), {
      maxLength: 12,
    }),
    recentAgo: fc.array(fc.integer({ min: 0, max: 7200 }), { maxLength: 8 }),
    halted: fc.boolean(),
    quoteAge: fc.integer({ min: 0, max: 300 }),
    mid: priceArb,
    marketOpen: fc.boolean(),
    allow: fc.option(fc.subarray(['AAPL', 'MSFT', 'SPY']), { nil: null }),
  })
  .map((g) => {
    const ts = isoBefore(OPEN_AT, g.quoteAge);
    const quotes: RiskInput['quotes'] = {};
    for (const s of ['AAPL', 'MSFT', 'SPY', 'ZZZ']) quotes[s] = quote(s, g.mid - 0.01, g.mid + 0.01, ts);
    for (const s of [...(g.order.legs ?? []).map((l) => l.symbol), g.order.symbol ?? '']) if (!(s in quotes)) quotes[s] = quote(s, 1, 1.2, ts);
    const openOrders = g.open.map((o) => openOrder({ symbol: o.symbol, side: o.side, qty: o.qty, limitPrice: g.mid }));
    const action: RiskInput['action'] =
      g.action === 'replace' && openOrders[0] ? { kind: 'replace', replaces: openOrders[0] } : g.action === 'close' ? { kind: 'close' } : { kind: 'place' };
    return baseInput({
      order: g.order,
      action,
      account: account({ equity: g.equity, lastEquity: g.equity, buyingPower: g.buyingPower, daytradeCount: g.daytrades, optionsLevel: g.optionsLevel }),
      positions: g.held ? [position(g.order.symbol ?? 'SPY', g.held, g.mid)] : [],
      openOrders,
      quotes,
      clock: g.marketOpen ? clock() : clock('2026-03-14T15:00:00.000Z', false, '2026-03-16T13:30:00.000Z'),
      state: {
        halted: g.halted,
        haltReason: g.halted ? 'prop' : null,
        startOfDayEquity: g.startEquity,
        recentOrders: g.recentAgo.map((s) => ({ at: isoBefore(OPEN_AT, s), fingerprint: 'x' })),
      },
      limits: limits({ allowSymbols: g.allow }),
    });
  });

describe('risk engine properties', () => {
  it('the verdict is deterministic: same input, same verdict (also on a deep copy)', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const first = evaluateRisk(input);
        expect(evaluateRisk(input)).toEqual(first);
        expect(evaluateRisk(structuredClone(input))).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it('no order passes while trading is halted', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const halted = { ...input, state: { ...input.state, halted: true, haltReason: 'kill switch' } };
        const verdict = evaluateRisk(halted);
        expect(verdict.passed).toBe(false);
        expect(verdict.checks.find((c) => c.code === 'RISK_HALTED')!.passed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('passed is exactly "every check passed", and every check always reports', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const v = evaluateRisk(input);
        expect(v.checks).toHaveLength(RISK_CHECKS.length);
        expect(v.passed).toBe(v.checks.every((c) => c.passed));
        for (const c of v.checks) for (const x of [c.limit, c.actual]) if (typeof x === 'number') expect(Number.isFinite(x)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('max loss of any defined-risk multi-leg order ≥ its worst loss on a grid of prices at expiry (and equals it)', () => {
    // An independent payoff: no code shared with the engine.
    const pnlAt = (legs: OrderLeg[], premium: number, qty: number, s: number) => {
      let v = -premium;
      for (const l of legs) {
        const m = /([CP])(\d{8})$/.exec(l.symbol)!;
        const k = Number(m[2]) / 1000;
        const intrinsic = m[1] === 'C' ? Math.max(0, s - k) : Math.max(0, k - s);
        v += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * intrinsic;
      }
      return v * 100 * qty;
    };
    const definedRisk = (legs: OrderLeg[]) =>
      (['C', 'P'] as const).every((t) => {
        const of = (side: string) => legs.filter((l) => l.symbol.includes(t === 'C' ? 'C0' : 'P0') && l.side === side).reduce((s, l) => s + l.ratio_qty, 0);
        return of('sell') <= of('buy');
      });
    fc.assert(
      fc.property(mlegOrderArb, (o) => {
        fc.pre(definedRisk(o.legs!));
        const ml = optionsMaxLoss(o.legs!, o.limit_price, o.qty!)!;
        expect(Number.isFinite(ml.maxLossUsd)).toBe(true);
        let worstLoss = 0;
        for (let s = 0; s <= 400; s += 0.25) worstLoss = Math.max(worstLoss, -pnlAt(o.legs!, o.limit_price!, o.qty!, s));
        expect(ml.maxLossUsd).toBeGreaterThanOrEqual(worstLoss - 1e-6);
        expect(ml.maxLossUsd).toBeLessThanOrEqual(worstLoss + 1e-6); // strikes lie on the grid: the bound is tight
        // The engine's verdict reports and enforces the same figure.
        const v = evaluateRisk(baseInput({ order: o, limits: limits({ maxOptionsLossUsd: 1e9 }) }));
        const check = v.checks.find((c) => c.code === 'RISK_OPTIONS_MAX_LOSS')!;
        expect(check.actual as number).toBeGreaterThanOrEqual(worstLoss - 0.005);
        expect(v.checks.find((c) => c.code === 'RISK_UNDEFINED_RISK')!.passed).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('an order with more short than long contracts of a type is refused as undefined risk', () => {
    fc.assert(
      fc.property(mlegOrderArb, (o) => {
        const legs = o.legs!;
        const naked = (['C', 'P'] as const).some((t) => {
          const sum = (side: string) => legs.filter((l) => l.symbol.includes(`${t}0`) && l.side === side).reduce((s, l) => s + l.ratio_qty, 0);
          return sum('sell') > sum('buy');
        });
        fc.pre(naked);
        const v = evaluateRisk(baseInput({ order: o }));
        expect(v.passed).toBe(false);
        expect(v.checks.find((c) => c.code === 'RISK_UNDEFINED_RISK')!.passed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
