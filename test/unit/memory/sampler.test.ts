/**
 * Thompson sampling, statistically. Over N = 20,000 seeded calls the share of picks of each arm
 * must equal the probability that its posterior draw is the largest,
 *   P_i = ∫ f_i(x) Π_{j≠i} F_j(x) dx,
 * computed here by numerical integration of the Beta densities (midpoint rule on 20,000 cells, its
 * error ~1e-8), independently of the sampler's Gamma draws and of src/memory/beta.ts.
 *
 * Tolerance: the pick count of arm i is Binomial(N, P_i), so its share has standard error
 * σ_i = √(P_i (1 − P_i) / N) (≤ 0.0035 at N = 20,000); we allow 4 σ_i. A correct sampler lands
 * outside that with probability ~6e-5 per arm (the seeds are fixed, so the test is deterministic);
 * a sampler that picks by posterior mean (P = 1, 0, 0, 0) or uniformly (1/4 each) is off by > 20 σ.
 */
import { describe, expect, it } from 'vitest';
import { isToolError } from '../../../src/errors.js';
import { type SelectInput, type StrategyArm, selectStrategy } from '../../../src/memory/sampler.js';
import type { Regime } from '../../../src/memory/trips.js';
import { at } from './fixtures.js';

const N = 20_000;
const HIGH_VOL: Regime = { trend: 'up', volatility: 'high' };
const LOW_VOL: Regime = { trend: 'up', volatility: 'low' };

let n = 0;
function trip(strategy: string, pnl: number, regime: Regime | null = HIGH_VOL): SelectInput['trips'][number] {
  n += 1;
  return { id: `t${n}`, symbol: 'SPY', underlying: 'SPY', legs: ['SPY'], strategy, regime, closed_at: at(n), realized_pnl: pnl, fees_complete: true };
}
const times = (k: number, make: () => SelectInput['trips'][number]) => Array.from({ length: k }, make);

/** P(arm i's draw is the max) for Beta(a_i, b_i), a, b >= 1, by the midpoint rule. */
function probabilityOfMax(posteriors: readonly [number, number][]): number[] {
  const cells = 20_000;
  const h = 1 / cells;
  const pdfs = posteriors.map(([a, b]) => {
    const g = Array.from({ length: cells }, (_, k) => {
      const x = (k + 0.5) * h;
      return Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x));
    });
    const z = g.reduce((s, v) => s + v * h, 0);
    return g.map((v) => v / z);
  });
  const cdfs = pdfs.map((pdf) => {
    let acc = 0;
    return pdf.map((v) => {
      const mid = acc + (v * h) / 2;
      acc += v * h;
      return mid;
    });
  });
  return pdfs.map((pdf, i) => pdf.reduce((s, v, k) => s + v * h * cdfs.reduce((p, cdf, j) => (j === i ? p : p * cdf[k]!), 1), 0));
}

function pickShares(input: Omit<SelectInput, 'seed'>): Map<string, number> {
  const counts = new Map(input.arms.map((a) => [a.id, 0]));
  for (let seed = 0; seed < N; seed++) {
    const { pick } = selectStrategy({ ...input, seed });
    counts.set(pick, counts.get(pick)! + 1);
  }
  return new Map([...counts].map(([id, c]) => [id, c / N]));
}

const arm = (id: string, alpha = 1, beta = 1): StrategyArm => ({ id, prior: { alpha, beta } });

describe('selectStrategy', () => {
  const arms = [arm('iron_condor'), arm('momentum'), arm('mean_reversion'), arm('covered_call', 2, 2)];
  const trips = [
    ...times(6, () => trip('iron_condor', 120)),
    ...times(4, () => trip('iron_condor', -80)),
    ...times(2, () => trip('momentum', 40)),
    trip('momentum', 0), // break-even: not a win
    ...times(10, () => trip('mean_reversion', 15)),
    ...times(14, () => trip('mean_reversion', -15)),
    ...times(9, () => trip('momentum', -50, LOW_VOL)), // another regime: does not count
    ...times(5, () => trip('unlisted', 10)), // not an arm of the profile
    trip('iron_condor', -10, null), // no regime recorded: does not match a regime
  ];

  it('counts wins and losses per arm in the regime into Beta posteriors', () => {
    const s = selectStrategy({ arms, trips, regime: { volatility: 'high' }, seed: 1 });
    expect(s.arms.map((a) => [a.id, a.trades, a.wins, a.losses, a.alpha, a.beta])).toEqual([
      ['iron_condor', 10, 6, 4, 7, 5],
      ['momentum', 3, 2, 1, 3, 2],
      ['mean_reversion', 24, 10, 14, 11, 15],
      ['covered_call', 0, 0, 0, 2, 2],
    ]);
    for (const a of s.arms) {
      expect(a.posterior_mean).toBeCloseTo(a.alpha / (a.alpha + a.beta), 15);
      expect(a.interval_90[0]).toBeLessThan(a.posterior_mean);
      expect(a.interval_90[1]).toBeGreaterThan(a.posterior_mean);
    }
    expect(s.pick).toBe(s.arms.reduce((best, a) => (a.sample > best.sample ? a : best)).id);
    expect(s.meaning).toContain(`${s.pick} drew `);
    expect(s.meaning).toContain('not a forecast');
  });

  it(`picks each arm as often as its posterior is the largest (${N} seeded draws, within 4σ)`, () => {
    const expected = probabilityOfMax([
      [7, 5],
      [3, 2],
      [11, 15],
      [2, 2],
    ]);
    // The integrator against SciPy (quad of pdf × Π cdf): 0.30772, 0.41946, 0.03092, 0.24189.
    expect(expected.map((p) => Math.round(p * 1e5) / 1e5)).toEqual([0.30772, 0.41946, 0.03092, 0.24189]);
    const shares = pickShares({ arms, trips, regime: { volatility: 'high' } });
    arms.forEach((a, i) => {
      const p = expected[i]!;
      expect(Math.abs(shares.get(a.id)! - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
    });
  });

  it('with no history and equal priors every arm is picked about 1/k of the time, and says so', () => {
    const three = [arm('a'), arm('b'), arm('c')];
    const shares = pickShares({ arms: three, trips: [] });
    for (const a of three) expect(Math.abs(shares.get(a.id)! - 1 / 3)).toBeLessThan(4 * Math.sqrt(((1 / 3) * (2 / 3)) / N));
    expect(selectStrategy({ arms: three, trips: [], seed: 3 }).meaning).toContain('every arm is at its prior');
  });

  it('the same seed gives the same selection; a missing seed is drawn and returned so it can be replayed', () => {
    const a = selectStrategy({ arms, trips, seed: 99 });
    expect(selectStrategy({ arms, trips, seed: 99 })).toEqual(a);
    expect(selectStrategy({ arms, trips, seed: 100 }).arms.map((x) => x.sample)).not.toEqual(a.arms.map((x) => x.sample));
    const free = selectStrategy({ arms, trips });
    expect(Number.isInteger(free.seed)).toBe(true);
    expect(selectStrategy({ arms, trips, seed: free.seed })).toEqual(free);
  });

  it('90% intervals: Beta(1, 1) is [0.05, 0.95]; one win in five from a flat prior is Beta(2, 5)', () => {
    const s = selectStrategy({ arms: [arm('flat'), arm('tried')], trips: [trip('tried', 5), ...times(4, () => trip('tried', -5))], seed: 0 });
    expect(s.arms[0]!.interval_90[0]).toBeCloseTo(0.05, 12);
    expect(s.arms[0]!.interval_90[1]).toBeCloseTo(0.95, 12);
    expect(s.arms[1]!.interval_90[0]).toBeCloseTo(0.0628498917, 9); // scipy.stats.beta.ppf(0.05, 2, 5)
    expect(s.arms[1]!.interval_90[1]).toBeCloseTo(0.5818034093, 9);
  });

  it.each([
    ['arms', { arms: [] }],
    ['arms.id', { arms: [arm('x'), arm('x')] }],
    ['arms.prior', { arms: [arm('x', 0, 1)] }],
    ['arms.prior', { arms: [arm('x', 1, Number.NaN)] }],
    ['seed', { seed: -1 }],
    ['seed', { seed: 1.5 }],
    ['seed', { seed: 2 ** 32 }],
  ])('refuses a bad %s with INVALID_INPUT', (field, patch) => {
    try {
      selectStrategy({ arms: [arm('x')], trips: [], ...patch } as SelectInput);
      throw new Error('not refused');
    } catch (err) {
      expect(isToolError(err) && err.code === 'INVALID_INPUT' && err.details.field === field).toBe(true);
    }
  });
});
