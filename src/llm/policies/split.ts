/**
 * `split` (SPEC §15): the gateway's A/B traffic split done locally. The primary is drawn by the tier's
 * weights, e.g. {"a": 90, "b": 10}; the route label names the weights so the ledger shows the split per call.
 */
import type { RoutingPolicy } from './index.js';

export const split: RoutingPolicy = (spec, ctx) => {
  const entries = Object.entries(spec.split ?? {});
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
};
