/**
 * The routing policies as pure functions (SPEC §15), no HTTP and no ledger: pickPrimary over a tier spec, a
 * seeded uniform source and synthetic observations. Each simulation feeds the pick's hidden Bernoulli outcome
 * back as the next observation, as the router does.
 *
 * Tolerances: a frequency over N seeded draws is checked within 4.5 standard deviations, 4.5·√(p(1−p)/N) —
 * a correct sampler falls outside with probability about 7e-6, a wrong weight (off by a point at N = 20,000)
 * falls outside at once. The draws are seeded, so each case is also deterministic.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../src/random.js';
import type { Observation } from '../../../src/llm/policies/evidence.js';
import { armEvidence, externalEvidence, posteriorMean } from '../../../src/llm/policies/evidence.js';
import { pickPrimary, type PolicyContext } from '../../../src/llm/policies/index.js';
import { adaptivePolicy, type PolicySpec } from '../../../src/llm/policies/spec.js';
import { route, type RouteBudget } from '../../../src/llm/route.js';
import { costNano, loadTierTable, validateTierTable, type ModelPrice, type TierSpec, type TierTable } from '../../../src/llm/tiers.js';

const shipped = loadTierTable();
const PRICES: Record<string, ModelPrice> = {
  cheap: { inputPerM: 0.1, outputPerM: 0.3 },
  mid: { inputPerM: 0.3, outputPerM: 0.5 },
  dear: { inputPerM: 0.6, outputPerM: 2.5 },
  fresh: { inputPerM: 0.05, outputPerM: 0.1 },
};
const tokens = { inputTokens: 800, cachedInputTokens: 0, outputTokens: 200 };

function tier(models: string[], policy: PolicySpec): TierSpec {
  return { models, maxTokens: 1024, timeoutMs: 30_000, policy };
}

function obs(valid: boolean | null, over: Partial<Observation> = {}): Observation {
  return { at: 0, callId: 'c', outcome: 'ok', valid, agreed: null, latencyMs: 100, inputTokens: 800, cachedTokens: 0, outputTokens: 200, costNano: 0, ...over };
}

function ctxFor(spec: TierSpec, random: () => number, history: Map<string, Observation[]>, over: Partial<PolicyContext> = {}): PolicyContext {
  return {
    tier: 'parse',
    random,
    eligible: spec.models,
    worstNano: (m) => costNano(PRICES[m]!, { inputTokens: 1000, cachedInputTokens: 0, outputTokens: 1024 }),
    price: (m) => PRICES[m],
    history: (m) => history.get(m) ?? [],
    ...over,
  };
}

interface World {
  /** Hidden quality per model, possibly changing with the call index. */
  quality: (model: string, call: number) => number;
  latency?: (model: string, call: number) => number;
}

/** n calls of the policy with feedback; returns the model of each call. */
function simulate(spec: TierSpec, world: World, n: number, seed = 7, history = new Map<string, Observation[]>()): string[] {
  const rng = seededRng(seed);
  const picks: string[] = [];
  for (let i = 0; i < n; i++) {
    const { model } = pickPrimary(spec, ctxFor(spec, rng.uniform, history));
    picks.push(model);
    const list = history.get(model) ?? [];
    list.push(obs(rng.uniform() < world.quality(model, i), { latencyMs: world.latency?.(model, i) ?? 100, costNano: costNano(PRICES[model]!, tokens) }));
    history.set(model, list);
  }
  return picks;
}

const share = (picks: readonly string[], model: string) => picks.filter((p) => p === model).length / picks.length;
const within = (observed: number, p: number, n: number) => Math.abs(observed - p) <= 4.5 * Math.sqrt((p * (1 - p)) / n);

describe('split: the primary is drawn by weight', () => {
  it.each([
    ['90/10', { cheap: 90, dear: 10 }],
    ['50/30/20', { cheap: 50, mid: 30, dear: 20 }],
    ['weights need not sum to 100', { cheap: 1, mid: 3 }],
  ] as const)('%s: each arm within 4.5 sd of its weight over 20,000 draws, labelled with the weights', (_name, weights) => {
    const spec = tier(Object.keys(weights), { kind: 'split', weights });
    const rng = seededRng(11);
    const n = 20_000;
    const picks = Array.from({ length: n }, () => pickPrimary(spec, ctxFor(spec, rng.uniform, new Map())));
    const total = Object.values(weights).reduce((a, b) => a + b, 0);
    for (const [model, w] of Object.entries(weights)) {
      const observed = share(
        picks.map((p) => p.model),
        model,
      );
      expect(within(observed, w / total, n), `${model}: ${observed} vs ${w / total}`).toBe(true);
    }
    expect(new Set(picks.map((p) => p.route))).toEqual(
      new Set([
        `split:${Object.entries(weights)
          .map(([m, w]) => `${m}=${w}`)
          .join(',')}`,
      ]),
    );
  });

  it('ignores history: a split is an experiment with fixed frequencies, whatever the arms do', () => {
    const spec = tier(['cheap', 'dear'], { kind: 'split', weights: { cheap: 90, dear: 10 } });
    const n = 20_000;
    const picks = simulate(spec, { quality: (m) => (m === 'cheap' ? 0.1 : 0.99) }, n);
    expect(within(share(picks, 'dear'), 0.1, n)).toBe(true);
  });
});

describe('adaptive: Thompson sampling converges', () => {
  it.each([
    {
      name: 'the cheapest model meeting minQuality takes the tier (incumbent dear, a cheaper one as good)',
      models: ['dear', 'mid', 'cheap'],
      policy: adaptivePolicy({ minQuality: 0.9 }),
      quality: { dear: 0.97, mid: 0.95, cheap: 0.7 },
      winner: 'mid',
    },
    {
      name: 'without minQuality: the best model, when the others are clearly worse',
      models: ['mid', 'cheap', 'dear'],
      policy: adaptivePolicy({ tolerance: 0.02 }),
      quality: { mid: 0.8, cheap: 0.6, dear: 0.97 },
      winner: 'dear',
    },
    {
      name: 'without minQuality: the cheaper of two equally good models (satisficing within the tolerance)',
      models: ['dear', 'cheap'],
      policy: adaptivePolicy({ tolerance: 0.05 }),
      quality: { dear: 0.95, cheap: 0.95 },
      winner: 'cheap',
    },
    {
      name: 'the incumbent keeps the tier when nobody beats it cheaper',
      models: ['cheap', 'dear'],
      policy: adaptivePolicy({ minQuality: 0.9 }),
      quality: { cheap: 0.96, dear: 0.99 },
      winner: 'cheap',
    },
  ])('$name: ≥ 90% of calls 401–500 go to $winner', ({ models, policy, quality, winner }) => {
    const picks = simulate(tier(models, policy), { quality: (m) => quality[m as keyof typeof quality] }, 500);
    expect(share(picks.slice(400), winner)).toBeGreaterThanOrEqual(0.9);
  });

  it('a model whose quality degrades loses the tier within its window', () => {
    const spec = tier(['dear', 'cheap'], adaptivePolicy({ minQuality: 0.9, window: 100 }));
    // cheap is as good until call 400, then answers invalid half the time
    const picks = simulate(spec, { quality: (m, i) => (m === 'dear' ? 0.97 : i < 400 ? 0.97 : 0.5) }, 800);
    expect(share(picks.slice(300, 400), 'cheap')).toBeGreaterThanOrEqual(0.9);
    expect(share(picks.slice(700), 'cheap')).toBeLessThanOrEqual(0.1);
  });

  it('a model whose latency degrades past maxLatencyMs loses the tier (a late reply is not a success)', () => {
    const spec = tier(['dear', 'cheap'], adaptivePolicy({ minQuality: 0.9, maxLatencyMs: 2000, window: 100 }));
    const picks = simulate(spec, { quality: () => 0.98, latency: (m, i) => (m === 'cheap' && i >= 400 ? 6000 : 500) }, 800);
    expect(share(picks.slice(300, 400), 'cheap')).toBeGreaterThanOrEqual(0.9);
    expect(share(picks.slice(700), 'cheap')).toBeLessThanOrEqual(0.1);
  });

  it('council agreement is a signal too: a model that answers valid JSON but disagrees with the majority loses', () => {
    const history = new Map<string, Observation[]>([
      ['dear', Array.from({ length: 100 }, () => obs(true, { agreed: true }))],
      ['cheap', Array.from({ length: 100 }, (_, i) => obs(true, { agreed: i % 2 === 0 }))],
    ]);
    const spec = tier(['dear', 'cheap'], adaptivePolicy({ minQuality: 0.9 }));
    const rng = seededRng(3);
    const picks = Array.from({ length: 2000 }, () => pickPrimary(spec, ctxFor(spec, rng.uniform, history)).model);
    expect(share(picks, 'dear')).toBeGreaterThanOrEqual(0.99);
  });

  it('maxCostPerCallUsd: a model dearer than the cap for this call is never the policy’s pick', () => {
    const spec = tier(['cheap', 'dear'], adaptivePolicy({ tolerance: 0, maxCostPerCallUsd: 0.001 }));
    const picks = simulate(spec, { quality: (m) => (m === 'dear' ? 0.99 : 0.6) }, 500);
    expect(picks.includes('dear')).toBe(false);
  });
});

describe('adaptive: cold start is capped at explore', () => {
  it.each([0.05, 0.1, 0.25])('explore %s: a model without history takes at most that share while it stays cold (20,000 calls, no feedback)', (explore) => {
    const spec = tier(['mid', 'fresh'], adaptivePolicy({ explore, minObservations: 1000, window: 1000 }));
    const rng = seededRng(5);
    const history = new Map([['mid', Array.from({ length: 200 }, () => obs(true))]]);
    const n = 20_000;
    const picks = Array.from({ length: n }, () => pickPrimary(spec, ctxFor(spec, rng.uniform, history)));
    const fresh = share(
      picks.map((p) => p.model),
      'fresh',
    );
    expect(within(fresh, explore, n), `${fresh} vs ${explore}`).toBe(true);
    expect(picks.filter((p) => p.model === 'fresh').every((p) => p.route === 'adaptive:explore')).toBe(true);
  });

  it('a better, cheaper newcomer is capped while cold, then takes the tier once it has enough observations', () => {
    const spec = tier(['mid', 'fresh'], adaptivePolicy({ explore: 0.1, minObservations: 20, minQuality: 0.9 }));
    const history = new Map([['mid', Array.from({ length: 200 }, () => obs(true))]]);
    const picks = simulate(spec, { quality: (m) => (m === 'fresh' ? 0.98 : 0.95) }, 600, 9, history);
    const coldUntil = picks.findIndex((_, i) => picks.slice(0, i + 1).filter((p) => p === 'fresh').length === 20);
    expect(coldUntil).toBeGreaterThan(0);
    expect(share(picks.slice(0, coldUntil + 1), 'fresh')).toBeLessThanOrEqual(0.1 + 4.5 * Math.sqrt((0.1 * 0.9) / (coldUntil + 1)));
    expect(share(picks.slice(500), 'fresh')).toBeGreaterThanOrEqual(0.9);
  });

  it('several cold models share one explore budget, the least observed first', () => {
    const spec = tier(['dear', 'mid', 'cheap'], adaptivePolicy({ explore: 0.2, minObservations: 1000, window: 1000 }));
    const rng = seededRng(8);
    const history = new Map<string, Observation[]>([['dear', [obs(true)]]]);
    const n = 6000;
    const picks: string[] = [];
    for (let i = 0; i < n; i++) {
      const { model } = pickPrimary(spec, ctxFor(spec, rng.uniform, history));
      picks.push(model);
      history.set(model, [...(history.get(model) ?? []), obs(true)]);
    }
    const cold = share(picks, 'mid') + share(picks, 'cheap');
    expect(within(cold, 0.2, n)).toBe(true);
    expect(Math.abs(share(picks, 'mid') - share(picks, 'cheap'))).toBeLessThan(0.01);
  });

  it('an external quality source (the arena) warms a model: with n ≥ minObservations it is not cold', () => {
    const spec = tier(['dear', 'cheap'], adaptivePolicy({ minObservations: 20, minQuality: 0.9, externalWeight: 50 }));
    const history = new Map([['dear', Array.from({ length: 50 }, () => obs(true))]]);
    const rng = seededRng(4);
    const external = (m: string) => (m === 'cheap' ? { score: 0.97, n: 40 } : null);
    const picks = Array.from({ length: 1000 }, () => pickPrimary(spec, ctxFor(spec, rng.uniform, history, { external })));
    expect(
      share(
        picks.map((p) => p.model),
        'cheap',
      ),
    ).toBeGreaterThan(0.5);
    expect(picks.some((p) => p.route === 'adaptive:explore')).toBe(false);
  });

  it('evidence: external pseudo-observations are capped and malformed scores ignored', () => {
    expect(externalEvidence({ score: 0.5, n: 1000 }, 20)).toEqual({ successes: 10, failures: 10, n: 20 });
    for (const bad of [{ score: 1.5, n: 10 }, { score: Number.NaN, n: 10 }, { score: 0.5, n: -1 }, null]) expect(externalEvidence(bad, 20).n).toBe(0);
    const e = armEvidence([obs(true), obs(false), obs(null), obs(true, { agreed: false })], { window: 3, externalWeight: 0 });
    // the window keeps the last 3: false, null (no signal), true + disagreed
    expect([e.successes, e.failures, e.signals]).toEqual([1, 2, 3]);
    expect(posteriorMean(e)).toBeCloseTo(2 / 5, 10);
  });
});

describe('critical: untouched by any policy, history or score', () => {
  const M = 1_000_000;
  const budget: RouteBudget = {
    step: 0,
    dayLeftNano: 1e9,
    monthLeftNano: 1e9,
    critical: { day: 'd', dailyBudgetNano: 5e9, committedNano: 0, leftNano: 5e9, confirmationsLastHour: 0 },
    maxConfirmationsPerHour: 12,
  };
  const awful = () => Array.from({ length: 200 }, () => obs(false, { latencyMs: 99_999 }));

  it.each([
    ['no inputs', {}],
    ['every Opus model failing its history', { history: () => awful() }],
    ['the arena scoring Opus 0', { external: () => ({ score: 0, n: 1000 }) }],
  ])('%s: the Opus models in table order, route primary', (_name, inputs) => {
    const r = route(shipped, { tier: 'critical', inputTokens: 1000, maxTokens: 1000, attempt: 1, random: () => 0.99 }, budget, { isOpen: () => false }, inputs);
    expect(r.candidates.map((c) => [c.model, c.route, c.worstNano])).toEqual([
      ['claude-opus-4-6', 'primary', 30 * M],
      ['claude-opus-4-5', 'primary', 30 * M],
    ]);
  });

  it.each([
    ['split', { policy: { kind: 'split', weights: { 'claude-opus-4-6': 50, 'claude-opus-4-5': 50 } } }],
    ['adaptive', { policy: { kind: 'adaptive' } }],
    ['the older split shape', { split: { 'claude-opus-4-6': 50, 'claude-opus-4-5': 50 } }],
  ])('a table whose critical tier is %s is refused at start-up', (_name, over) => {
    const t = structuredClone(shipped) as TierTable & { tiers: Record<string, unknown> };
    t.tiers.critical = { ...t.tiers.critical, ...over };
    expect(() => validateTierTable(t, 'x.json')).toThrow(/critical tier's policy must be fixed/);
  });

  it('critical fixed is accepted, and so are split and adaptive elsewhere', () => {
    const t = structuredClone(shipped);
    t.tiers.critical.policy = { kind: 'fixed' };
    t.tiers.parse.policy = adaptivePolicy({ explore: 0.2 });
    t.tiers.analysis.policy = { kind: 'split', weights: { 'mistral-medium-3': 9, 'deepseek-v3.2': 1 } };
    expect(validateTierTable(t, 'x.json').tiers.parse.policy).toMatchObject({ kind: 'adaptive', explore: 0.2 });
  });

  it.each([
    [
      'a split naming a model outside the tier',
      (t: TierTable) => (t.tiers.parse.policy = { kind: 'split', weights: { 'kimi-k2': 1 } }),
      /parse split names kimi-k2/,
    ],
    ['an adaptive embedding tier', (t: TierTable) => (t.tiers.embedding.policy = adaptivePolicy()), /embedding tier's policy must be fixed/],
    [
      'both policy and split',
      (t: TierTable) => {
        t.tiers.parse.policy = { kind: 'fixed' };
        t.tiers.parse.split = { 'deepseek-v3.2': 1 };
      },
      /both policy and split/,
    ],
  ])('%s is refused', (_name, edit, message) => {
    const t = structuredClone(shipped);
    edit(t);
    expect(() => validateTierTable(t, 'x.json')).toThrow(message);
  });
});
