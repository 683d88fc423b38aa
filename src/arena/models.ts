/**
 * Who plays in the arena: the profile's `arena.models`, else the council's members — each pinned to one
 * model (its own `model`, else its tier's first model in the table), duplicates dropped. An account
 * belongs to a model, not to a tier: a reply served by another model than the one asked for fills nothing.
 */
import type { TierTable } from '../llm/tiers.js';
import type { ChatTier } from '../llm/types.js';
import type { Profile } from '../profiles.js';

export interface ArenaModel {
  model: string;
  tier: ChatTier;
}

export function arenaModels(profile: Pick<Profile, 'arena' | 'council'>, table: TierTable): ArenaModel[] {
  const seen = new Set<string>();
  const out: ArenaModel[] = [];
  for (const m of profile.arena.models ?? profile.council.members) {
    const model = m.model ?? table.tiers[m.tier].models[0];
    if (!model || seen.has(model)) continue;
    seen.add(model);
    out.push({ model, tier: m.tier });
  }
  return out;
}
