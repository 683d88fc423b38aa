/**
 * The routing simulation's world (bench/routing.ts): models with a hidden quality per tier, a hidden latency
 * and hidden verbosity, priced as the gateway lists them; the five strategies as tier tables; and the
 * oracle, which knows the hidden qualities. Stated here once so the report can quote it.
 *
 * Quality = the probability that a reply is valid against the requested schema; in the reasoning tier a reply
 * must also come within maxLatencyMs (30 s), so a model slower than that has an effective quality of 0 there.
 * Latencies are simulated at 1/SCALE (1,000× faster than stated) so the bench runs in about a minute.
 */
import { adaptivePolicy } from '../src/llm/policies/spec.js';
import { loadTierTable, type ModelPrice, type TierTable } from '../src/llm/tiers.js';
import type { ChatTier } from '../src/llm/types.js';
import type { GatewayRequest, ModelProfile } from '../test/support/fake-gateway.js';
import { DAY_MIX } from './llm.js';

export const SCALE = 1000;
export const NEWCOMER = 'qwen3-30b-a3b';
/** The quality needed of every adaptive tier (and the oracle's bar). */
export const MIN_QUALITY = 0.9;
/** The reasoning tier's latency limit, stated (30 s) and as simulated. */
export const REASONING_MAX_MS = 30_000;
export const ROUTED_TIERS: ChatTier[] = ['parse', 'analysis', 'options', 'reasoning'];

interface HiddenModel {
  price: ModelPrice;
  /** Stated median latency (ms), ±20% uniformly. */
  latencyMs: number;
  quality: Partial<Record<ChatTier, number>>;
  /** Output and reasoning tokens in the reasoning tier when they differ from the mix (verbosity). */
  reasoningTier?: { output: number; reasoning: number };
}

const shipped = loadTierTable();

export const WORLD: Record<string, HiddenModel> = {
  'deepseek-v3.2': { price: shipped.models['deepseek-v3.2']!, latencyMs: 1500, quality: { parse: 0.95, analysis: 0.95, options: 0.8 } },
  'mistral-small-3.2': { price: shipped.models['mistral-small-3.2']!, latencyMs: 1000, quality: { parse: 0.82 } },
  'mistral-medium-3': { price: shipped.models['mistral-medium-3']!, latencyMs: 4000, quality: { analysis: 0.96 } },
  'kimi-k2': {
    price: shipped.models['kimi-k2']!,
    latencyMs: 12_000,
    quality: { options: 0.95, reasoning: 0.94 },
    reasoningTier: { output: 900, reasoning: 0 },
  },
  'deepseek-r1': { price: shipped.models['deepseek-r1']!, latencyMs: 40_000, quality: { reasoning: 0.96 } },
  'claude-opus-4-6': {
    price: shipped.models['claude-opus-4-6']!,
    latencyMs: 10_000,
    quality: { parse: 0.99, analysis: 0.99, options: 0.99, reasoning: 0.99, critical: 0.99 },
    reasoningTier: { output: 1200, reasoning: 600 },
  },
  'claude-opus-4-5': { price: shipped.models['claude-opus-4-5']!, latencyMs: 10_000, quality: { critical: 0.99 } },
  [NEWCOMER]: { price: { inputPerM: 0.05, outputPerM: 0.2, cachedInputPerM: 0.01 }, latencyMs: 900, quality: { parse: 0.97 } },
};

export const shapeOf = (tier: ChatTier) => DAY_MIX.find((m) => m.tier === tier)!;
const tierOf = (req: GatewayRequest) => String(req.headers['x-trading-mcp-tier'] ?? '') as ChatTier;

/** What the loopback gateway knows of each model and the router must find out. */
export function profileOf(model: string): ModelProfile {
  const m = WORLD[model]!;
  const tokens = (req: GatewayRequest) => {
    const tier = tierOf(req);
    const shape = DAY_MIX.find((x) => x.tier === tier);
    if (tier === 'reasoning' && m.reasoningTier) return { output: m.reasoningTier.output, reasoning: m.reasoningTier.reasoning, cached: 0 };
    return { output: shape?.output ?? 100, reasoning: shape?.reasoning ?? 0, cached: shape?.cached ?? 0 };
  };
  return {
    quality: (req) => m.quality[tierOf(req)] ?? 0.5,
    latencyMs: m.latencyMs / SCALE,
    jitter: 0.2,
    outputTokens: (req) => tokens(req).output,
    reasoningTokens: (req) => tokens(req).reasoning,
    cachedTokens: (req) => tokens(req).cached,
  };
}

/** The hidden quality of a model in a tier, as the tier's constraint counts it (late = not a success). */
export function hiddenQuality(model: string, tier: ChatTier): number {
  const m = WORLD[model];
  if (!m) return 0;
  const q = m.quality[tier] ?? 0.5;
  // ±20% jitter: the slowest reply is 1.2 × the median
  if (tier === 'reasoning' && m.latencyMs * 0.8 > REASONING_MAX_MS) return 0;
  return q;
}

/** A call's expected cost on a model in a tier (USD), at the mix's tokens and the model's verbosity. */
export function expectedCost(model: string, tier: ChatTier): number {
  const m = WORLD[model]!;
  const s = shapeOf(tier);
  const out = tier === 'reasoning' && m.reasoningTier ? m.reasoningTier.output : s.output;
  const cached = tier === 'reasoning' && m.reasoningTier ? 0 : s.cached;
  return ((s.input - cached) * m.price.inputPerM + cached * (m.price.cachedInputPerM ?? m.price.inputPerM) + out * m.price.outputPerM) / 1e6;
}

/** The oracle: the cheapest model listed now whose hidden quality meets the bar (the best one when none does). */
export function oraclePick(tier: ChatTier, candidates: readonly string[]): string {
  const good = candidates.filter((m) => hiddenQuality(m, tier) >= MIN_QUALITY);
  if (!good.length) return [...candidates].sort((a, b) => hiddenQuality(b, tier) - hiddenQuality(a, tier))[0]!;
  return [...good].sort((a, b) => expectedCost(a, tier) - expectedCost(b, tier))[0]!;
}

export type Strategy = 'opus-only' | 'fixed' | 'split' | 'adaptive' | 'oracle';
export const STRATEGIES: Strategy[] = ['opus-only', 'fixed', 'split', 'adaptive', 'oracle'];

/** The strategy's tier table; `newcomerListed` only moves the oracle (which knows when the newcomer exists). */
export function tableFor(strategy: Strategy, newcomerListed: boolean): TierTable {
  const t = structuredClone(shipped);
  t.models = Object.fromEntries(Object.entries(WORLD).map(([id, m]) => [id, m.price]));
  t.models['text-embedding-3-small'] = shipped.models['text-embedding-3-small']!;
  t.catalog = { refreshSec: 1 };
  for (const tier of ROUTED_TIERS) {
    const spec = t.tiers[tier];
    if (strategy === 'opus-only') spec.models = ['claude-opus-4-6'];
    if (strategy === 'split') spec.policy = { kind: 'split', weights: { [spec.models[0]!]: 90, [spec.models[1]!]: 10 } };
    if (strategy === 'adaptive') {
      if (tier === 'parse') spec.models = [...spec.models, NEWCOMER];
      spec.policy = adaptivePolicy({ minQuality: MIN_QUALITY, ...(tier === 'reasoning' ? { maxLatencyMs: REASONING_MAX_MS / SCALE } : {}) });
    }
    if (strategy === 'oracle') {
      const pool = tier === 'parse' && newcomerListed ? [...spec.models, NEWCOMER] : spec.models;
      const pick = oraclePick(tier, pool);
      spec.models = [pick, ...spec.models.filter((m) => m !== pick)];
    }
  }
  return t;
}
