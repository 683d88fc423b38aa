/** `fixed` (SPEC §15): the tier's first model is the primary, always; the rest is its fallback order. */
import type { RoutingPolicy } from './index.js';

export const fixed: RoutingPolicy = (spec) => ({ model: spec.models[0]!, route: 'primary' });
