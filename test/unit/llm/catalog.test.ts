/** withListedPrices (catalog.ts), pure: listed prices replace the table's, except that an Opus model of the critical tier is never priced below the table. */
import { describe, expect, it } from 'vitest';
import { atLeast, listingOf, withListedPrices } from '../../../src/llm/catalog.js';
import { loadTierTable } from '../../../src/llm/tiers.js';

const shipped = loadTierTable();
const usdPerToken = (perM: number) => String(perM / 1e6);
const listed = (id: string, p: { inputPerM: number; outputPerM: number; cachedInputPerM?: number }) => ({
  id,
  pricing: {
    prompt: usdPerToken(p.inputPerM),
    completion: usdPerToken(p.outputPerM),
    ...(p.cachedInputPerM !== undefined ? { input_cache_read: usdPerToken(p.cachedInputPerM) } : {}),
  },
});

describe('withListedPrices', () => {
  it('a cheaper or dearer listing replaces a routed model’s price (picked up at the refresh)', () => {
    for (const p of [
      { inputPerM: 0.01, outputPerM: 0.02 },
      { inputPerM: 2.8, outputPerM: 4.2 },
    ]) {
      const t = withListedPrices(shipped, [listingOf('gateway', 0, [listed('deepseek-v3.2', p)])]);
      expect(t.models['deepseek-v3.2']).toMatchObject(p);
    }
  });

  it.each([
    ['at 0', { inputPerM: 0, outputPerM: 0, cachedInputPerM: 0 }],
    ['cheaper', { inputPerM: 1, outputPerM: 5 }],
    ['cheaper output only, dearer input', { inputPerM: 6, outputPerM: 1 }],
  ])('an Opus model listed %s keeps the table’s price as its floor, part by part', (_name, p) => {
    const ours = shipped.models['claude-opus-4-6']!;
    const t = withListedPrices(shipped, [listingOf('anthropic', 0, [listed('claude-opus-4-6', p)])]);
    const got = t.models['claude-opus-4-6']!;
    expect(got.inputPerM).toBe(Math.max(ours.inputPerM, p.inputPerM));
    expect(got.outputPerM).toBe(ours.outputPerM);
    expect(got.cachedInputPerM).toBeGreaterThanOrEqual(ours.cachedInputPerM ?? ours.inputPerM);
  });

  it('an Opus price rise is taken', () => {
    const t = withListedPrices(shipped, [listingOf('gateway', 0, [listed('claude-opus-4-6', { inputPerM: 10, outputPerM: 50, cachedInputPerM: 1 })])]);
    expect(t.models['claude-opus-4-6']).toEqual({ inputPerM: 10, outputPerM: 50, cachedInputPerM: 1 });
  });

  it('atLeast: a missing cached price counts as the input price', () => {
    expect(atLeast({ inputPerM: 5, outputPerM: 25 }, { inputPerM: 1, outputPerM: 1, cachedInputPerM: 0.1 })).toEqual({
      inputPerM: 5,
      outputPerM: 25,
      cachedInputPerM: 5,
    });
  });
});
