/**
 * Routing policies (SPEC §15): how a tier picks the primary model of a call at downgrade step 0, before
 * the router's price, circuit and budget filters. One small pure file per policy; `pickPrimary` runs the
 * tier's. The critical tier never reaches here: it is always `fixed` (the table is refused otherwise, and
 * route.ts pins it to its Opus models in order without consulting any policy).
 *
 * @example
 *   const pick = pickPrimary(spec, { tier: 'parse', random: Math.random, eligible: spec.models, worstNano, price, history });
 *   // { model: 'deepseek-v3.2', route: 'primary' } · { model: 'mistral-small-3.2', route: 'adaptive:explore' }
 */
import type { ModelPrice, TierSpec } from '../tiers.js';
import { policySpecOf } from '../tiers.js';
import type { ChatTier } from '../types.js';
import { adaptive } from './adaptive.js';
import type { ExternalQuality, Observation } from './evidence.js';
import { fixed } from './fixed.js';
import { split } from './split.js';

export type { ExternalQuality, Observation } from './evidence.js';

export interface PolicyContext {
  tier: ChatTier;
  /** A uniform draw in [0, 1), for policies that pick by weight or by sampling. */
  random: () => number;
  /** The tier's models this call may go to now, in table order: priced, listed, reachable, circuit closed, not yet tried. */
  eligible: readonly string[];
  /** This call's worst case on a model (nano-USD), what the reservation would take. */
  worstNano: (model: string) => number;
  /** The model's price now (the catalog's when it lists one). */
  price: (model: string) => ModelPrice | undefined;
  /** The model's recent observations in this tier, oldest first (adaptive); absent: no history anywhere. */
  history?: ((model: string) => readonly Observation[]) | undefined;
  /** The arena's per-model quality, when connected. */
  external?: ExternalQuality | undefined;
}

/** The primary model of a call and the route label the ledger records for it. */
export interface PrimaryPick {
  model: string;
  route: string;
}

export function pickPrimary(spec: TierSpec, ctx: PolicyContext): PrimaryPick {
  const policy = policySpecOf(spec);
  switch (policy.kind) {
    case 'split':
      return split(policy, spec, ctx);
    case 'adaptive':
      return adaptive(policy, spec, ctx);
    default:
      return fixed(spec);
  }
}
