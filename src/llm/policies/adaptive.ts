/**
 * `adaptive` (SPEC §15): Thompson sampling over the tier's models, rewarded by measured quality
 * (evidence.ts: valid against the requested schema and within maxLatencyMs, agreement with the council's
 * majority, the arena's score where connected), each model's posterior Beta(1 + s, 1 + f) built from its
 * last `window` observations so a model whose quality or latency degrades loses traffic.
 *
 * Per call, among the eligible models whose worst case is within maxCostPerCallUsd:
 *   1. cold start: a model with fewer than `minObservations` signals (own + external) is cold, except the
 *      incumbent (the tier's first model: what `fixed` would send everything to, so the policy starts as
 *      today's table). With probability `explore` — or always, when no warm model is eligible — the call
 *      explores: the cold model with the fewest signals takes it. So cold models share at most `explore`
 *      of the tier's traffic while a warm model can take the call.
 *   2. otherwise every warm model draws a quality θ from its posterior; the quality needed is `minQuality`
 *      when set, else the best draw less `tolerance`; the cheapest model whose draw meets it takes the call
 *      ("the cheapest model that meets the quality needed"; satisficing Thompson sampling, Russo & Van Roy
 *      2018), the best draw when none does. Cost is this call's expected cost at today's price: the model's
 *      mean observed tokens, else the tier's, else the worst case.
 * Thompson sampling rather than UCB: the reward is Bernoulli, so the Beta posterior is exact and the arena's
 * (score, n) enters as pseudo-counts; its randomness keeps several server processes sharing one set of
 * statistics from herding onto the same model between refreshes, and it tolerates the council's agreement
 * arriving after the call (delayed feedback) better than UCB's deterministic index (Chapelle & Li, 2011).
 * The budget's downgrade step is the ceiling above all this: at steps 1 and 2 route.ts goes cheapest-first
 * and never asks the policy.
 *
 * @example adaptive(adaptivePolicy({ explore: 0.1 }), spec, ctx) // { model: 'mistral-small-3.2', route: 'adaptive' }
 */
import { betaDraw, type Rng } from '../../random.js';
import { costNano, type TierSpec } from '../tiers.js';
import { armEvidence, type ArmEvidence } from './evidence.js';
import type { PolicyContext, PrimaryPick } from './index.js';
import type { AdaptivePolicySpec } from './spec.js';

interface Arm {
  model: string;
  evidence: ArmEvidence;
  warm: boolean;
}

/** A Rng over the context's uniform draws (kept strictly inside (0, 1): the Gamma sampler takes logs). */
function rngOf(random: () => number): Rng {
  const uniform = () => Math.min(1 - 1e-12, Math.max(1e-12, random()));
  return { uniform, nextUint32: () => Math.floor(uniform() * 4294967296) >>> 0 };
}

export function adaptive(policy: AdaptivePolicySpec, spec: TierSpec, ctx: PolicyContext): PrimaryPick {
  const incumbent = spec.models[0]!;
  if (!ctx.eligible.length) return { model: incumbent, route: 'adaptive' };
  const capNano = policy.maxCostPerCallUsd === undefined ? Infinity : policy.maxCostPerCallUsd * 1e9;
  const affordable = ctx.eligible.filter((m) => ctx.worstNano(m) <= capNano);
  if (!affordable.length) {
    const cheapest = [...ctx.eligible].sort((a, b) => ctx.worstNano(a) - ctx.worstNano(b))[0]!;
    return { model: cheapest, route: 'adaptive:cheapest' };
  }
  const arms: Arm[] = affordable.map((model) => {
    const evidence = armEvidence(ctx.history?.(model) ?? [], policy, ctx.external?.(model));
    return { model, evidence, warm: model === incumbent || evidence.signals + evidence.external.n >= policy.minObservations };
  });
  const warm = arms.filter((a) => a.warm);
  const cold = arms.filter((a) => !a.warm);
  const rng = rngOf(ctx.random);
  if (cold.length && (!warm.length || rng.uniform() < policy.explore)) {
    const next = cold.reduce((a, b) => (b.evidence.signals + b.evidence.external.n < a.evidence.signals + a.evidence.external.n ? b : a));
    return { model: next.model, route: 'adaptive:explore' };
  }
  return { model: exploit(policy, warm, rng, expectedCost(ctx, arms)), route: 'adaptive' };
}

/** Each warm model draws θ; the cheapest whose θ meets the quality needed, else the best draw. */
function exploit(policy: AdaptivePolicySpec, warm: Arm[], rng: Rng, cost: (a: Arm) => number): string {
  const drawn = warm.map((arm) => {
    const e = arm.evidence;
    return { arm, theta: betaDraw(rng, 1 + e.successes + e.external.successes, 1 + e.failures + e.external.failures) };
  });
  const best = drawn.reduce((a, b) => (b.theta > a.theta ? b : a));
  const needed = policy.minQuality ?? best.theta - policy.tolerance;
  const good = drawn.filter((d) => d.theta >= needed);
  if (!good.length) return best.arm.model;
  return good.reduce((a, b) => {
    const ca = cost(a.arm);
    const cb = cost(b.arm);
    return cb < ca || (cb === ca && b.theta > a.theta) ? b : a;
  }).arm.model;
}

/** The call's expected cost on a model at today's price: its own mean tokens, else the tier's mean, else the worst case. */
function expectedCost(ctx: PolicyContext, arms: Arm[]): (a: Arm) => number {
  const seen = arms.map((a) => a.evidence.meanTokens).filter((t) => t !== null);
  const tierMean = seen.length
    ? {
        input: seen.reduce((s, t) => s + t.input, 0) / seen.length,
        cached: seen.reduce((s, t) => s + t.cached, 0) / seen.length,
        output: seen.reduce((s, t) => s + t.output, 0) / seen.length,
      }
    : null;
  return (a) => {
    const tokens = a.evidence.meanTokens ?? tierMean;
    const price = ctx.price(a.model);
    if (!tokens || !price) return ctx.worstNano(a.model);
    return costNano(price, { inputTokens: tokens.input, cachedInputTokens: tokens.cached, outputTokens: tokens.output });
  };
}
