/**
 * The seeded generator against the reference vector of xoshiro128** (Blackman & Vigna's C code;
 * the same ten words are rust-random's rand_xoshiro test), and the Gamma / Beta draws against their
 * known means and variances over 20,000 draws, within 4 standard errors (for a Beta's variance
 * 10%, which is more than 4 standard errors for the shapes drawn here).
 */
import { describe, expect, it } from 'vitest';
import { betaDraw, logGammaDraw, seededRng, xoshiro128ss } from '../../../src/random.js';

const N = 20_000;

function moments(draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < N; i++) {
    const x = draw();
    sum += x;
    sq += x * x;
  }
  const mean = sum / N;
  return { mean, variance: sq / N - mean * mean };
}

describe('seeded randomness', () => {
  it('xoshiro128** from state {1, 2, 3, 4} gives the reference words', () => {
    const rng = xoshiro128ss(1, 2, 3, 4);
    expect(Array.from({ length: 10 }, () => rng.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it('the same seed gives the same stream, another seed another one; uniforms stay inside (0, 1)', () => {
    const words = (seed: number) => {
      const rng = seededRng(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(words(42)).toEqual(words(42));
    expect(words(42)).not.toEqual(words(43));
    expect(words(0)).not.toEqual(words(4294967295));
    const rng = seededRng(7);
    for (let i = 0; i < N; i++) {
      const u = rng.uniform();
      expect(u > 0 && u < 1).toBe(true);
    }
  });

  it.each([0.3, 1, 2.5, 40])('Gamma(%s) has mean and variance k', (k) => {
    const rng = seededRng(11);
    const { mean, variance } = moments(() => Math.exp(logGammaDraw(rng, k)));
    expect(Math.abs(mean - k)).toBeLessThan(4 * Math.sqrt(k / N));
    // The sample variance's relative standard error is √((μ4 − σ⁴) / N) / σ² = √((2 + 6/k) / N).
    expect(Math.abs(variance / k - 1)).toBeLessThan(4 * Math.sqrt((2 + 6 / k) / N));
  });

  it.each([
    [1, 1],
    [2, 5],
    [30, 12],
    [0.05, 0.05],
  ])('Beta(%s, %s) draws have its mean and variance, and never leave [0, 1]', (a, b) => {
    const rng = seededRng(5);
    const v = (a * b) / ((a + b) ** 2 * (a + b + 1));
    const { mean, variance } = moments(() => {
      const x = betaDraw(rng, a, b);
      if (!(x >= 0 && x <= 1)) throw new Error(`draw ${x} outside [0, 1]`);
      return x;
    });
    expect(Math.abs(mean - a / (a + b))).toBeLessThan(4 * Math.sqrt(v / N));
    expect(Math.abs(variance / v - 1)).toBeLessThan(0.1);
  });
});
