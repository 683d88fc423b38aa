/**
 * A tier's routing policy as data (SPEC §15), the `policy` of a tier in the tier table:
 *   {"kind": "fixed"}                                        the first model, always (the default; critical is always this)
 *   {"kind": "split", "weights": {"a": 90, "b": 10}}          the primary drawn by weight (the gateway's A/B split, done here)
 *   {"kind": "adaptive", "explore": 0.1, ...}                 Thompson sampling over the tier's priced models (adaptive.ts)
 * Zod only: cheap to import at start-up, where the table is validated.
 */
import { z } from 'zod';

const modelId = z.string().min(1);

export const FixedPolicySchema = z.strictObject({ kind: z.literal('fixed') });

export const SplitPolicySchema = z.strictObject({
  kind: z.literal('split'),
  weights: z
    .record(modelId, z.number().finite().positive())
    .describe('weighted pick of the primary, e.g. {"a": 90, "b": 10}; every model named must be in the tier'),
});

export const AdaptivePolicySchema = z.strictObject({
  kind: z.literal('adaptive'),
  explore: z.number().min(0).max(0.5).default(0.1).describe('cold start: the share of the tier’s calls that may go to models without enough observations'),
  minObservations: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(20)
    .describe('quality observations (own, plus the external source’s) before a model leaves cold start'),
  window: z
    .number()
    .int()
    .min(10)
    .max(1000)
    .default(200)
    .describe('the posterior is built from each model’s last this-many observations, so a model that degrades loses traffic'),
  tolerance: z
    .number()
    .min(0)
    .max(0.5)
    .default(0.02)
    .describe('satisficing: the cheapest model whose sampled quality is within this of the best sampled is taken'),
  minQuality: z.number().min(0).max(1).optional().describe('the quality needed: models sampled below it are taken only when none reaches it'),
  maxLatencyMs: z.number().int().positive().optional().describe('a reply slower than this is not a success (it counts against the model’s quality)'),
  maxCostPerCallUsd: z
    .number()
    .positive()
    .finite()
    .optional()
    .describe('a model whose worst case for the call exceeds this is not taken by the policy (it stays a fallback)'),
  externalWeight: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .default(20)
    .describe('at most this many pseudo-observations from the external quality source (the arena) per model'),
});

export const PolicySpecSchema = z.discriminatedUnion('kind', [FixedPolicySchema, SplitPolicySchema, AdaptivePolicySchema]);

export type FixedPolicySpec = z.output<typeof FixedPolicySchema>;
export type SplitPolicySpec = z.output<typeof SplitPolicySchema>;
export type AdaptivePolicySpec = z.output<typeof AdaptivePolicySchema>;
export type PolicySpec = z.output<typeof PolicySpecSchema>;

/** The adaptive policy with every default filled (for tests and the bench). */
export const adaptivePolicy = (over: Partial<Omit<AdaptivePolicySpec, 'kind'>> = {}): AdaptivePolicySpec =>
  AdaptivePolicySchema.parse({ kind: 'adaptive', ...over });
