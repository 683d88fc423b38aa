/** `fixed` (SPEC §15): the tier's first model is the primary, always; the rest is its fallback order. */
import type { TierSpec } from '../tiers.js';
import type { PrimaryPick } from './index.js';

export const fixed = (spec: TierSpec): PrimaryPick => ({ model: spec.models[0]!, route: 'primary' });
