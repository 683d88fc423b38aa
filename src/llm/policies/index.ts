/**
 * Routing policies (SPEC §15): how a tier picks the primary model of a call at downgrade step 0, before
 * the router's price, circuit and budget filters. One small pure file per policy; `policyOf` says which
 * one a tier uses. The critical tier never reaches here: it is always `fixed` (route.ts pins it to Opus).
 *
 * @example
 *   const pick = policyOf(spec)(spec, { random: Math.random }); // { model: 'deepseek-v3.2', route: 'primary' }
 */
import type { TierSpec } from '../tiers.js';
import { fixed } from './fixed.js';
import { split } from './split.js';

export interface PolicyContext {
  /** A uniform draw in [0, 1), for policies that pick by weight. */
  random: () => number;
}

/** The primary model of a call and the route label the ledger records for it. */
export interface PrimaryPick {
  model: string;
  route: string;
}

export type RoutingPolicy = (spec: TierSpec, ctx: PolicyContext) => PrimaryPick;

export function policyOf(spec: TierSpec): RoutingPolicy {
  return spec.split && Object.keys(spec.split).length ? split : fixed;
}
