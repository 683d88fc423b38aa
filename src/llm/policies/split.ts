/**
 * `split` (SPEC §15): the gateway's A/B traffic split done locally. The primary is drawn by the tier's
 * weights, e.g. {"a": 90, "b": 10}; the route label names the weights so the ledger shows the split per
 * call, and the routing statistics give each arm's results. The draw is over every weighted model, reachable
 * or not: a drawn model that cannot be called now falls through to the fallback order, so the split's
 * frequencies stay the configured ones.
 */
import type { SplitPolicySpec } from './spec.js';
import type { TierSpec } from '../tiers.js';
import type { PolicyContext, PrimaryPick } from './index.js';

export function split(policy: SplitPolicySpec, spec: TierSpec, ctx: Pick<PolicyContext, 'random'>): PrimaryPick {
  const entries = Object.entries(policy.weights);
  let model = spec.models[0]!;
  let r = ctx.random() * entries.reduce((s, [, w]) => s + w, 0);
  for (const [m, w] of entries) {
    r -= w;
    if (r < 0) {
      model = m;
      break;
    }
  }
  return { model, route: `split:${entries.map(([m, w]) => `${m}=${w}`).join(',')}` };
}
