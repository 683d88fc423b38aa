/**
 * The iron condor's probability arithmetic: a Black–Scholes delta for a row whose feed sent an
 * implied vol but no greeks, and the probability of profit, either from the short strikes' deltas
 * (1 − |Δ short put| − |Δ short call|: the chance both shorts expire out of the money, a standard
 * desk approximation) or, without deltas, from a lognormal at the breakevens with each short's IV.
 * Risk-free rate 0 and no dividends: an estimate to rank condors, not a price.
 *
 * @example popFromDeltas(-0.16, 0.15) === 0.69
 */

const YEAR_MS = 365 * 86_400_000;

/** Standard normal CDF (Abramowitz–Stegun 26.2.17, |error| < 7.5e-8). */
export function normCdf(x: number): number {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989422804014327 * Math.exp((-x * x) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - p : p;
}

/** Years from an instant to an expiry instant (both ms), never negative. */
export function yearsBetween(fromMs: number, toMs: number): number {
  return Math.max(0, (toMs - fromMs) / YEAR_MS);
}

const usable = (...xs: number[]) => xs.every((x) => Number.isFinite(x) && x > 0);

/** Black–Scholes delta (r = 0): N(d1) for a call, N(d1) − 1 for a put; null without a usable spot, strike, time or IV. */
export function bsDelta(type: 'call' | 'put', spot: number, strike: number, years: number, iv: number): number | null {
  if (!usable(spot, strike, years, iv)) return null;
  const d1 = (Math.log(spot / strike) + (iv * iv * years) / 2) / (iv * Math.sqrt(years));
  return type === 'call' ? normCdf(d1) : normCdf(d1) - 1;
}

/** P(S_T > level) for a lognormal S_T with r = 0: N(d2). A level at or below zero is always exceeded. */
export function probabilityAbove(spot: number, level: number, years: number, iv: number): number | null {
  if (level <= 0) return 1;
  if (!usable(spot, years, iv)) return null;
  const d2 = (Math.log(spot / level) - (iv * iv * years) / 2) / (iv * Math.sqrt(years));
  return normCdf(d2);
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** 1 − |Δ short put| − |Δ short call|, clamped to [0, 1], 4 decimals. */
export function popFromDeltas(shortPutDelta: number, shortCallDelta: number): number {
  return round4(clamp01(1 - Math.abs(shortPutDelta) - Math.abs(shortCallDelta)));
}

/** P(lower < S_T < upper): the put side's IV below, the call side's above; null when either cannot be computed. */
export function popBetween(spot: number, lower: number, upper: number, years: number, putIv: number, callIv: number): number | null {
  const aboveLower = probabilityAbove(spot, lower, years, putIv);
  const aboveUpper = probabilityAbove(spot, upper, years, callIv);
  if (aboveLower === null || aboveUpper === null) return null;
  return round4(clamp01(aboveLower - aboveUpper));
}
