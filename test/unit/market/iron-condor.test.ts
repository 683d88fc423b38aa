/**
 * The iron condor builder on a chain built by hand (every expected number worked out in the
 * comments), its refusals, its Black–Scholes fallback, the DTE window, and the input schema.
 */
import { describe, expect, it } from 'vitest';
import { occSymbol } from '../../../src/orders/symbols.js';
import { ToolError } from '../../../src/errors.js';
import { buildIronCondor, type CondorRequest } from '../../../src/market/iron-condor/build.js';
import { expiryWindow } from '../../../src/market/iron-condor/load.js';
import { bsDelta, normCdf, popBetween, popFromDeltas } from '../../../src/market/iron-condor/probability.js';
import { IronCondorInputSchema } from '../../../src/market/iron-condor/schema.js';
import type { OptionChain, OptionChainRow } from '../../../src/market/option-chain.js';
import { OrderInputSchema } from '../../../src/orders/order.js';

const TODAY = '2026-03-10';
const CLOCK_MS = Date.parse('2026-03-10T15:00:00Z'); // Tuesday 11:00 New York
const SOURCE = { mode: 'sim', broker: 'sim' } as const;

type Q = [strike: number, bid: number | null, ask: number | null, delta: number | null];
function row(expiration: string, type: 'put' | 'call', [strike, bid, ask, delta]: Q, iv: number | null = 0.2): OptionChainRow {
  return {
    symbol: occSymbol('XYZ', expiration, type, strike),
    expiration,
    type,
    strike,
    quoted: ask !== null && ask > 0,
    bid,
    ask,
    last: null,
    impliedVolatility: iv,
    delta,
    gamma: null,
    theta: null,
    vega: null,
    openInterest: null,
  };
}

// Spot 100. The 2026-04-17 expiry (38 days out) is the one the builder should use:
const PUTS: Q[] = [
  [85, 0.2, 0.3, -0.06],
  [90, 0.45, 0.55, -0.1], // the put wing: 95 − 5
  [95, 1.0, 1.1, -0.17], // |−0.17 + 0.16| = 0.01: the nearest quoted put
  [97.5, null, null, -0.16], // an exact −0.16, but unquoted: never a short
  [100, 2.4, 2.6, -0.48],
];
const CALLS: Q[] = [
  [100, 2.5, 2.7, 0.52],
  [105, 0.9, 1.0, 0.15], // |0.15 − 0.16| = 0.01: the nearest call
  [110, 0.35, 0.45, 0.08], // the call wing: 105 + 5
  [115, 0.1, 0.2, 0.03],
];
const MAIN = '2026-04-17';

function chainOf(rows: OptionChainRow[]): OptionChain {
  return {
    underlying: 'XYZ',
    expirationGte: '2026-04-09',
    expirationLte: '2026-04-24',
    defaulted: [],
    rows,
    unquoted: rows.filter((r) => !r.quoted).map((r) => r.symbol),
    capped: null,
  };
}

function handChain(map: (q: Q, type: 'put' | 'call') => OptionChainRow = (q, type) => row(MAIN, type, q)): OptionChain {
  // Two more expirations in the 30–45 window: 2026-04-10 (31 days) and 2026-04-24 (45 days).
  const others = ['2026-04-10', '2026-04-24'].flatMap((e) => [row(e, 'put', [95, 1, 1.1, -0.16]), row(e, 'call', [105, 1, 1.1, 0.16])]);
  return chainOf([...PUTS.map((q) => map(q, 'put')), ...CALLS.map((q) => map(q, 'call')), ...others]);
}

const request = (over: Partial<CondorRequest> = {}): CondorRequest => ({
  expiry: null,
  window: { gte: '2026-04-09', lte: '2026-04-24' }, // today + 30 .. today + 45
  windowSource: 'profile',
  today: TODAY,
  clockMs: CLOCK_MS,
  spot: 100,
  shortDelta: 0.16,
  wingWidth: 5,
  qty: 2,
  ...over,
});

function refusal(fn: () => unknown): ToolError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ToolError) return err;
    throw err;
  }
  throw new Error('expected a ToolError');
}

describe('buildIronCondor on a hand-built chain', () => {
  it('picks the middle expiry, the nearest-delta shorts and the exact wings, and prices them as worked out by hand', () => {
    const c = buildIronCondor(handChain(), request(), SOURCE);
    // Window middle: (30 + 45) / 2 = 37.5 days; 04-10 is 31 (6.5 off), 04-17 is 38 (0.5 off), 04-24 is 45 (7.5 off).
    expect(c.expiry).toBe(MAIN);
    expect(c.days_to_expiry).toBe(38);
    expect(c.strikes).toEqual({ long_put: 90, short_put: 95, short_call: 105, long_call: 110 });
    // Mids: 95P 1.05, 105C 0.95, 90P 0.50, 110C 0.40 → 1.05 + 0.95 − 0.50 − 0.40 = 1.10.
    // Natural: shorts at the bid, wings at the ask → 1.00 + 0.90 − 0.55 − 0.45 = 0.90.
    expect(c.credit).toEqual({ mid: 1.1, natural: 0.9 });
    // 2 condors: max profit 1.10 × 100 × 2 = 220; max loss (5 − 1.10) × 100 × 2 = 780.
    expect(c.max_profit_usd).toBe(220);
    expect(c.max_loss_usd).toBe(780);
    // Breakevens: 95 − 1.10 = 93.90 and 105 + 1.10 = 106.10.
    expect(c.breakevens).toEqual({ lower: 93.9, upper: 106.1 });
    // PoP from the chain's deltas: 1 − |−0.17| − |0.15| = 0.68.
    expect(c.probability_of_profit).toMatchObject({ value: 0.68, method: 'chain_delta' });
    expect(c.rows.map((r) => `${r.role} ${r.strike}`)).toEqual(['long_put 90', 'short_put 95', 'short_call 105', 'long_call 110']);
    expect(c.chain).toEqual({ contracts: 13, quoted: 12, expirations: ['2026-04-10', MAIN, '2026-04-24'], capped: false });
  });

  it('writes the order check_risk and place_order take: mleg, 4 legs, limit = −mid credit, day', () => {
    const c = buildIronCondor(handChain(), request(), SOURCE);
    expect(c.order).toEqual({
      side: 'buy',
      qty: 2,
      type: 'limit',
      limit_price: -1.1,
      time_in_force: 'day',
      order_class: 'mleg',
      legs: [
        { symbol: 'XYZ260417P00090000', side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
        { symbol: 'XYZ260417P00095000', side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
        { symbol: 'XYZ260417C00105000', side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
        { symbol: 'XYZ260417C00110000', side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
      ],
    });
    expect(OrderInputSchema.safeParse(c.order).success).toBe(true);
  });

  it('uses the asked expiry, and on a delta tie sells the contract farther out of the money', () => {
    const chain = handChain();
    // On 04-24 both sides list one contract each, 16-delta: a 5-wide wing is not listed there.
    const e = refusal(() => buildIronCondor(chain, request({ expiry: '2026-04-24', window: { gte: '2026-04-24', lte: '2026-04-24' } }), SOURCE));
    expect([e.code, e.details.reason, e.details.strike]).toEqual(['NOT_FOUND', 'wing_missing', 90]);
    // Put 95 at −0.17 and put 93 at −0.15 are both 0.01 from −0.16: the 93 (farther out) is sold, 88 is its wing.
    const tie = chainOf([...chain.rows, row(MAIN, 'put', [93, 0.8, 0.9, -0.15]), row(MAIN, 'put', [88, 0.3, 0.4, -0.07])]);
    expect(buildIronCondor(tie, request(), SOURCE).strikes).toMatchObject({ short_put: 93, long_put: 88 });
  });

  it('falls back to Black–Scholes deltas and PoP from the implied vol when the chain has no greeks', () => {
    const noGreeks = handChain((q, type) => row(MAIN, type, [q[0], q[1], q[2], null], 0.2));
    const c = buildIronCondor(noGreeks, request(), SOURCE);
    // T = 38 days 5 hours to 16:00 ET on 04-17 = 0.104680 years; σ√T = 0.2 × 0.323543 = 0.064709; d1 = (ln(S/K) + σ²T/2) / σ√T.
    // Puts: 95 → d1 = (0.051293 + 0.002094) / 0.064709 = 0.8250, Δ = N(0.8250) − 1 = −0.2047 (0.045 from −0.16);
    //       90 → d1 = 1.6606, Δ = −0.0484 (0.112 off): the 95 put is sold. Calls: 105 → Δ = N(−0.7217) = 0.2353 (0.075 off);
    //       110 → Δ = N(−1.4406) = 0.0749 (0.085 off): the 105 call is sold. Same strikes as with the chain's deltas.
    expect(c.strikes).toEqual({ long_put: 90, short_put: 95, short_call: 105, long_call: 110 });
    // PoP = P(S_T > 93.90) − P(S_T > 106.10), d2 = (ln(S/L) − σ²T/2) / σ√T:
    //   N((0.062940 − 0.002094) / 0.064709) = N(0.9403) = 0.8265; N((−0.059212 − 0.002094) / 0.064709) = N(−0.9474) = 0.1717 → 0.6548.
    expect(c.probability_of_profit.method).toBe('black_scholes');
    expect(c.probability_of_profit.value).toBeCloseTo(0.6548, 3);
    // Without a spot and without greeks no delta can be estimated: refused, not guessed.
    expect(refusal(() => buildIronCondor(noGreeks, request({ spot: null }), SOURCE)).details.reason).toBe('no_quoted_short');
  });
});

describe('buildIronCondor refusals', () => {
  const reason = (chain: OptionChain, over: Partial<CondorRequest> = {}) => {
    const e = refusal(() => buildIronCondor(chain, request(over), SOURCE));
    return `${e.code} ${String(e.details.reason)}`;
  };
  const requote = (strike: number, type: 'put' | 'call', bid: number | null, ask: number | null) => (q: Q, t: 'put' | 'call') =>
    row(MAIN, t, q[0] === strike && t === type ? [q[0], bid, ask, q[3]] : q);

  it('names what the chain cannot give', () => {
    expect(reason(chainOf([]))).toBe('NOT_FOUND no_expiry_in_window');
    expect(reason(chainOf(handChain().rows.map((r) => ({ ...r, quoted: false, bid: null, ask: null }))))).toBe('UNKNOWN_PRICE no_quotes');
    expect(reason(handChain(), { expiry: '2026-04-16' })).toBe('NOT_FOUND expiry_not_listed');
    // 95 − 7 = 88: no 88 put listed on 04-17 (nearest 85 below, 90 above).
    expect(reason(handChain(), { wingWidth: 7 })).toBe('NOT_FOUND wing_missing');
    expect(reason(handChain(requote(90, 'put', null, null)))).toBe('UNKNOWN_PRICE wing_unquoted');
    // A short needs a bid to be sold: with no bid on any call there is no call to sell.
    expect(reason(handChain((q, t) => row(MAIN, t, t === 'call' ? [q[0], 0, q[2], q[3]] : q)))).toBe('UNKNOWN_PRICE no_quoted_short');
    // short_delta 0.49: the −0.48 put (100) is not below the 0.52 call (100).
    expect(reason(handChain(), { shortDelta: 0.49 })).toBe('UNKNOWN_PRICE shorts_cross');
    // Contracts whose symbols the order schema refuses (a class-share root with a dot) never become an order.
    expect(reason(chainOf(handChain().rows.map((r) => ({ ...r, symbol: r.symbol.replace('XYZ', 'BRK.B') }))))).toBe('INVALID_INPUT order_not_accepted');
  });

  it('refuses a credit at or below zero and one at or above the wing width', () => {
    // The put wing bid up to 1.55/1.65: 1.05 + 0.95 − 1.60 − 0.40 = 0 → no credit.
    expect(reason(handChain(requote(90, 'put', 1.55, 1.65)))).toBe('UNKNOWN_PRICE no_credit');
    // A short put bid at 5.90/6.00: 5.95 + 0.95 − 0.50 − 0.40 = 6.00 ≥ 5 → not a defined-risk credit.
    expect(reason(handChain(requote(95, 'put', 5.9, 6.0)))).toBe('UNKNOWN_PRICE credit_not_below_width');
  });
});

describe('probability arithmetic', () => {
  it('matches worked values', () => {
    expect(normCdf(0)).toBeCloseTo(0.5, 7);
    expect(normCdf(1)).toBeCloseTo(0.8413447, 6);
    expect(normCdf(-1.96)).toBeCloseTo(0.0249979, 6);
    // S = K = 100, T = 0.25, σ = 0.2: d1 = (0 + 0.02 × 0.25) / (0.2 × 0.5) = 0.05 → N(0.05) = 0.519939.
    expect(bsDelta('call', 100, 100, 0.25, 0.2)).toBeCloseTo(0.519939, 5);
    expect(bsDelta('put', 100, 100, 0.25, 0.2)).toBeCloseTo(-0.480061, 5);
    expect(bsDelta('call', 100, 100, 0, 0.2)).toBeNull();
    // P(90 < S_T < 110): N((0.105361 − 0.005) / 0.1) − N((−0.095310 − 0.005) / 0.1) = N(1.0036) − N(−1.0031) = 0.8422 − 0.1579.
    expect(popBetween(100, 90, 110, 0.25, 0.2, 0.2)).toBeCloseTo(0.6843, 4);
    expect(popFromDeltas(-0.16, 0.15)).toBe(0.69);
    expect(popFromDeltas(-0.6, 0.6)).toBe(0);
  });
});

describe('expiry window and input', () => {
  const input = (over: Record<string, unknown>) => IronCondorInputSchema.parse({ underlying: 'SPY', ...over });
  it("defaults to the profile's DTE window, else 30–45; takes dte_min/dte_max or one expiry", () => {
    expect(expiryWindow(input({}), TODAY, { min: 20, max: 40 })).toEqual({ window: { gte: '2026-03-30', lte: '2026-04-19' }, windowSource: 'profile' });
    expect(expiryWindow(input({}), TODAY, null)).toEqual({ window: { gte: '2026-04-09', lte: '2026-04-24' }, windowSource: 'profile' });
    expect(expiryWindow(input({ dte_min: 7, dte_max: 14 }), TODAY, { min: 30, max: 45 }).window).toEqual({ gte: '2026-03-17', lte: '2026-03-24' });
    expect(expiryWindow(input({ expiry: TODAY }), TODAY, null)).toEqual({ window: { gte: TODAY, lte: TODAY }, windowSource: 'expiry' });
    const past = refusal(() => expiryWindow(input({ expiry: '2026-03-09' }), TODAY, null));
    expect([past.code, past.details.field]).toEqual(['INVALID_INPUT', 'expiry']);
  });

  it('defaults delta 0.16, wing 5, qty 1, and refuses bad values', () => {
    expect(input({})).toEqual({ underlying: 'SPY', short_delta: 0.16, wing_width: 5, qty: 1 });
    for (const bad of [
      { short_delta: 0 },
      { short_delta: -0.16 },
      { short_delta: 0.5 },
      { short_delta: 16 },
      { short_delta: '0.16' },
      { wing_width: 0 },
      { wing_width: -5 },
      { qty: 1.5 },
      { qty: 0 },
      { expiry: '2026-02-30' },
      { expiry: '04/17/2026' },
      { expiry: '2026-04-17', dte_min: 30, dte_max: 45 },
      { dte_min: 30 },
      { dte_min: 45, dte_max: 30 },
      { underlying: 'spy' },
      { leverage: 2 },
    ])
      expect(IronCondorInputSchema.safeParse({ underlying: 'SPY', ...bad }).success, JSON.stringify(bad)).toBe(false);
  });
});
