/**
 * The sliding extremes behind the Stochastic (a highest high and lowest low carried bar to bar,
 * rescanned when one leaves the window) and behind the HV rank (van Herk–Gil-Werman blocks) are the
 * brute-force max/min of every window: same numbers, bar for bar, on random series full of ties, flat
 * stretches and long one-way runs (the rescan's worst case), for many window lengths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { historicalVolatility } from '../../../src/market/indicators.js';
import { fastStochastic } from '../../../src/market/indicators/oscillators.js';

/** Positive prices: small integers (ties everywhere), flat stretches, and runs up or down. */
const prices = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 6 }).map((v) => [v]),
      fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 2, max: 30 })).map(([v, k]) => Array<number>(k).fill(v)),
      fc
        .tuple(fc.integer({ min: 40, max: 60 }), fc.integer({ min: 2, max: 40 }), fc.boolean())
        .map(([v, k, up]) => Array.from({ length: k }, (_, j) => (up ? v + j : v - j))),
    ),
    { maxLength: 40 },
  )
  .map((runs) => Float64Array.from(runs.flat()));

function bruteExtremes(x: Float64Array, from: number, to: number): { hi: number; lo: number } {
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  for (let j = from; j <= to; j++) {
    hi = Math.max(hi, x[j]!);
    lo = Math.min(lo, x[j]!);
  }
  return { hi, lo };
}

describe('sliding extremes = brute force', () => {
  it('fast Stochastic: the window’s highest high and lowest low on every bar', () => {
    fc.assert(
      fc.property(prices, prices, fc.integer({ min: 1, max: 20 }), (a, b, period) => {
        const n = Math.min(a.length, b.length);
        const high = new Float64Array(n);
        const low = new Float64Array(n);
        const close = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          high[i] = Math.max(a[i]!, b[i]!);
          low[i] = Math.min(a[i]!, b[i]!);
          close[i] = (high[i]! + low[i]!) / 2;
        }
        const got = fastStochastic(high, low, close, period);
        for (let i = 0; i < n; i++) {
          if (i < period - 1) {
            expect(Number.isNaN(got[i]!)).toBe(true);
            continue;
          }
          const hi = bruteExtremes(high, i - period + 1, i).hi;
          const lo = bruteExtremes(low, i - period + 1, i).lo;
          const want = hi - lo === 0 ? 0 : ((hi - close[i]!) / (hi - lo)) * -100 + 100;
          expect(got[i], `bar ${i} of ${n}, period ${period}`).toBe(want);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('HV rank: 100·(hv − min)/(max − min) over the trailing window of defined values, with its minimum count', () => {
    fc.assert(
      fc.property(prices, fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 12 }), (close, period, window, minObs) => {
        const { hv, rank } = historicalVolatility(close, period, 252, window, minObs);
        for (let i = 0; i < close.length; i++) {
          const from = Math.max(period, i - window + 1);
          if (i < period || i - from + 1 < minObs) {
            expect(Number.isNaN(rank[i]!), `bar ${i}`).toBe(true);
            continue;
          }
          const { hi, lo } = bruteExtremes(hv, from, i);
          if (hi > lo) expect(rank[i], `bar ${i} of ${close.length}, window ${window}`).toBe((100 * (hv[i]! - lo)) / (hi - lo));
          else expect(Number.isNaN(rank[i]!), `bar ${i}: a flat window has no rank`).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });
});
