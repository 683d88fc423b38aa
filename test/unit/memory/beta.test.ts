/**
 * The Beta CDF and quantile against references computed elsewhere: quantiles from SciPy 1.17
 * (`scipy.stats.beta.ppf`, to 10 decimals), and for whole a, b the identity
 * I_x(a, b) = P(Binomial(a + b − 1, x) >= a), summed here term by term.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { betaCdf, betaQuantile, lnGamma } from '../../../src/memory/beta.js';

/** [a, b, 5% quantile, 95% quantile] from scipy.stats.beta.ppf. */
const SCIPY: [number, number, number, number][] = [
  [1, 1, 0.05, 0.95],
  [2, 5, 0.0628498917, 0.5818034093],
  [5, 2, 0.4181965907, 0.9371501083],
  [0.5, 0.5, 0.0061558297, 0.9938441703],
  [3, 17, 0.0444648424, 0.295802014],
  [120, 80, 0.5425779147, 0.6562820512],
  [1, 30, 0.0017083156, 0.0950338529],
  [0.2, 3, 0.000000078, 0.3243985453],
];

function binomialTail(x: number, a: number, b: number): number {
  const n = a + b - 1;
  let sum = 0;
  for (let j = a; j <= n; j++) {
    let logC = 0;
    for (let i = 1; i <= j; i++) logC += Math.log(n - j + i) - Math.log(i);
    sum += Math.exp(logC + j * Math.log(x) + (n - j) * Math.log1p(-x));
  }
  return sum;
}

describe('Beta distribution', () => {
  it('lnGamma matches factorials and Γ(1/2) = √π', () => {
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 14);
    expect(lnGamma(171)).toBeCloseTo(706.5730622457875, 9);
  });

  it.each(SCIPY)('Beta(%s, %s): 5%% and 95%% quantiles match SciPy', (a, b, q05, q95) => {
    expect(betaQuantile(0.05, a, b)).toBeCloseTo(q05, 9);
    expect(betaQuantile(0.95, a, b)).toBeCloseTo(q95, 9);
  });

  it('the far tail of Beta(0.2, 3) to relative precision', () => {
    expect(Math.abs(betaQuantile(0.05, 0.2, 3) / 7.8e-8 - 1)).toBeLessThan(0.01);
  });

  it('the CDF equals the binomial tail for whole a, b', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 }), fc.double({ min: 0.001, max: 0.999, noNaN: true }), (a, b, x) => {
        expect(Math.abs(betaCdf(x, a, b) - binomialTail(x, a, b))).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });

  // Where the CDF is steeper than doubles are fine (Beta(0.1, 0.1) near 1), the best x is the one
  // whose neighbours a few ulps away bracket p; elsewhere the CDF at x is within 1e-9 of p.
  it('the quantile inverts the CDF for shapes from 0.1 to 5000', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 5000, noNaN: true }),
        fc.double({ min: 0.1, max: 5000, noNaN: true }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        (a, b, p) => {
          const x = betaQuantile(p, a, b);
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(1);
          const step = 2 * 2 ** (Math.floor(Math.log2(Math.max(x, 1e-300))) - 52); // two ulps of x
          const close = Math.abs(betaCdf(x, a, b) - p) < 1e-9;
          const bracketed = betaCdf(x - step, a, b) <= p + 1e-12 && betaCdf(Math.min(1, x + step), a, b) >= p - 1e-12;
          expect(close || bracketed).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the quantile is monotone and brackets the mean for the posteriors the sampler builds', () => {
    for (const [a, b] of [
      [1, 1],
      [2, 5],
      [31, 11],
      [1, 200],
    ] as const) {
      const [lo, mid, hi] = [0.05, 0.5, 0.95].map((p) => betaQuantile(p, a, b)) as [number, number, number];
      expect(lo).toBeLessThan(mid);
      expect(mid).toBeLessThan(hi);
      expect(a / (a + b)).toBeGreaterThan(lo);
      expect(a / (a + b)).toBeLessThan(hi);
    }
  });
});
