/** Shared set-up for council tests against the loopback gateway: one model per tier, so a scripted failure is not healed by failover. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTierTable } from '../../../src/llm/tiers.js';

export const MEMBER_MODELS = { reasoning: 'deepseek-r1', options: 'kimi-k2', analysis: 'mistral-medium-3' } as const;

/** Write a tier table whose chat tiers each have a single model; returns its path. */
export function writeSingleModelTiers(dir: string): string {
  const table = loadTierTable();
  const tiers = structuredClone(table.tiers);
  tiers.reasoning.models = [MEMBER_MODELS.reasoning];
  tiers.options.models = [MEMBER_MODELS.options];
  tiers.analysis.models = [MEMBER_MODELS.analysis];
  tiers.parse.models = ['deepseek-v3.2'];
  const path = join(dir, 'tiers-single.json');
  writeFileSync(path, JSON.stringify({ ...table, tiers }, null, 2));
  return path;
}

export const THREE_MEMBERS = [{ tier: 'reasoning' }, { tier: 'options' }, { tier: 'analysis' }];

export const vote = (v: 'APPROVE' | 'REJECT' | 'ABSTAIN', confidence = 0.8, reasoning = `${v.toLowerCase()} because of the test`) =>
  JSON.stringify({ vote: v, confidence, reasoning });
