/**
 * The tier table (SPEC §9) as data: `profiles/tiers.json`, overridable by `TRADING_MCP_TIERS`
 * (config.tiersPath). Cheap to load (zod + fs only), so bootstrap validates it at start-up and a
 * table whose `critical` tier names a model that is not Claude Opus stops the server.
 *
 * Shape:
 *   models:    { "<id>": { inputPerM, outputPerM, cachedInputPerM? } }   USD per million tokens
 *   tiers:     { "<tier>": { models: [id, ...]   // order = primary first, then the fallback order
 *                            maxTokens, timeoutMs (per attempt), totalTimeoutMs (retries + failover bound),
 *                            policy?: fixed | split | adaptive (policies/spec.ts; default fixed),
 *                            providers?: [name, ...] (providers.ts; default ["gateway"]) } }
 *   providers: { "<name>": { baseUrl, keyEnv, listsModels? } }            a tier's own endpoints (optional)
 *   catalog:   { refreshSec }   read the providers' GET /models: unlisted models are skipped, listed prices used (catalog.ts)
 * A tier may name a model with no price entry: such a model is never called (UNKNOWN_PRICE). The critical tier's
 * policy is fixed, always: a table that says otherwise is refused at start-up, like a non-Opus critical model.
 * `split: {...}` on a tier (the shape before `policy`) still reads as `policy: {kind: "split", weights: {...}}`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { PROFILES_DIR } from '../paths.js';
import { PolicySpecSchema, type PolicySpec } from './policies/spec.js';
import { ProviderNameSchema, ProviderSpecSchema, providerProblems } from './providers.js';
import { TIERS, type Tier } from './types.js';

export const SHIPPED_TIERS_PATH = resolve(PROFILES_DIR, 'tiers.json');

const usdPerM = z.number().finite().nonnegative();

export const ModelPriceSchema = z.strictObject({
  inputPerM: usdPerM.describe('USD per million uncached input tokens'),
  outputPerM: usdPerM.describe('USD per million output tokens (reasoning tokens included)'),
  cachedInputPerM: usdPerM.optional().describe('USD per million cached input tokens; default = inputPerM'),
});
export type ModelPrice = z.output<typeof ModelPriceSchema>;

export const TierSpecSchema = z.strictObject({
  models: z.array(z.string().min(1)).min(1).describe('primary first, then the fallback order'),
  maxTokens: z.number().int().nonnegative().describe('max output tokens per call (the reservation assumes all of them)'),
  timeoutMs: z.number().int().positive().describe('per attempt'),
  totalTimeoutMs: z.number().int().positive().optional().describe('bound on retries and failover together; default 2 × timeoutMs'),
  policy: PolicySpecSchema.optional().describe('how the primary of a call is picked at downgrade step 0; default fixed'),
  split: z
    .record(z.string().min(1), z.number().finite().positive())
    .optional()
    .describe('the shape before `policy`: the same as policy {kind: "split", weights}'),
  providers: z.array(ProviderNameSchema).min(1).optional().describe('where calls go, primary first; default ["gateway"]'),
});
export type TierSpec = z.output<typeof TierSpecSchema>;

export const TierTableSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  updated: z.string().optional(),
  source: z.string().optional(),
  models: z.record(z.string().min(1), ModelPriceSchema),
  tiers: z.strictObject(Object.fromEntries(TIERS.map((t) => [t, TierSpecSchema])) as Record<Tier, typeof TierSpecSchema>),
  providers: z.record(ProviderNameSchema, ProviderSpecSchema).optional(),
  catalog: z
    .strictObject({
      refreshSec: z.number().int().min(1).max(86_400).default(300).describe('how often the providers’ model listings are read again'),
    })
    .optional()
    .describe('present: models and prices come from each provider’s GET /models at run time'),
});
export type TierTable = z.output<typeof TierTableSchema>;

/**
 * Claude Opus ids as gateways spell them — claude-opus-4-6, claude-3-opus-20240229,
 * claude-opus-4-5@20251101, claude-opus-4-1-v1:0, claude-opus-4-6:latest — anchored at both ends, so
 * not-claude-opus, claude-opusx or claude-opus-fake are not Opus.
 */
const OPUS_MODEL = /^claude-(?:\d+(?:[.-]\d+)*-)?opus(?:[-.]\d+)*(?:[-@:](?:\d{4}-?\d{2}-?\d{2}|latest|v\d+(?:[.:]\d+)*))*$/i;

/** The only vendor prefixes a served or configured Opus id may carry (SPEC §11); at most one is removed. */
export const OPUS_VENDOR_PREFIXES: readonly string[] = ['anthropic/'];

/**
 * The one Opus-name rule, for the tier table's start-up check, the router's critical tier and the
 * execution gate: at most one prefix from the fixed list is removed, then the anchored rule must match.
 * So anthropic/claude-opus-4-6 is Opus; openai/claude-opus-4-6 and anthropic/anthropic/claude-opus-4-6 are not.
 */
export function isOpusModel(model: unknown): boolean {
  if (typeof model !== 'string' || model.length > 200) return false;
  const prefix = OPUS_VENDOR_PREFIXES.find((p) => model.startsWith(p));
  return OPUS_MODEL.test(prefix ? model.slice(prefix.length) : model);
}

/** The tier's routing policy: `policy`, else the older `split` shape, else fixed. */
export function policySpecOf(spec: TierSpec): PolicySpec {
  if (spec.policy) return spec.policy;
  if (spec.split && Object.keys(spec.split).length) return { kind: 'split', weights: spec.split };
  return { kind: 'fixed' };
}

/** The first problem of a tier's policy, or null: critical is fixed; split names its own models; embedding takes no experiment. */
function policyProblem(tier: Tier, spec: TierSpec): string | null {
  if (spec.policy && spec.split) return `${tier} has both policy and split: keep policy`;
  const policy = policySpecOf(spec);
  if (tier === 'critical' && policy.kind !== 'fixed') {
    return `the critical tier's policy must be fixed (the Opus confirmation never takes part in an experiment), found ${policy.kind}`;
  }
  if (tier === 'embedding' && policy.kind !== 'fixed')
    return `the embedding tier's policy must be fixed (vectors of different models are not comparable), found ${policy.kind}`;
  if (policy.kind === 'split') {
    const stray = Object.keys(policy.weights).find((m) => !spec.models.includes(m));
    if (stray) return `${tier} split names ${stray}, which is not in ${tier}.models`;
  }
  return null;
}

/** Throws ConfigError with one line naming the problem. */
export function validateTierTable(raw: unknown, where: string): TierTable {
  const parsed = TierTableSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`malformed tier table ${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'table'}: ${i.message}`).join('; ')}`);
  }
  const table = parsed.data;
  const notOpus = table.tiers.critical.models.filter((m) => !isOpusModel(m));
  if (notOpus.length) throw new ConfigError(`tier table ${where}: the critical tier must use Claude Opus models only, found ${notOpus.join(', ')}`);
  for (const tier of TIERS) {
    const problem = policyProblem(tier, table.tiers[tier]);
    if (problem) throw new ConfigError(`tier table ${where}: ${problem}`);
  }
  const providers = providerProblems(table);
  if (providers.length) throw new ConfigError(`tier table ${where}: ${providers[0]}`);
  return table;
}

export function tiersPath(tiersPathSetting: string | undefined): string {
  return tiersPathSetting ? resolve(tiersPathSetting) : SHIPPED_TIERS_PATH;
}

export function loadTierTable(tiersPathSetting?: string): TierTable {
  const path = tiersPath(tiersPathSetting);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot load tier table ${path}: ${(err as Error).message}`);
  }
  return validateTierTable(raw, path);
}

export function priceOf(table: TierTable, model: string): ModelPrice | undefined {
  return Object.hasOwn(table.models, model) ? table.models[model] : undefined;
}

export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
}

/** Nano-dollars (1e-9 USD) as an integer: exact sums in SQLite across processes. */
export function costNano(price: ModelPrice, usage: TokenUsage): number {
  const cached = Math.min(Math.max(usage.cachedInputTokens, 0), usage.inputTokens);
  const uncached = usage.inputTokens - cached;
  // price per million tokens × tokens = micro-dollars; ×1000 → nano-dollars
  const nano = (uncached * price.inputPerM + cached * (price.cachedInputPerM ?? price.inputPerM) + usage.outputTokens * price.outputPerM) * 1000;
  return Math.ceil(nano - 1e-6);
}

export const nanoToUsd = (nano: number): number => Math.round(nano) / 1e9;
export const usdToNano = (usd: number): number => Math.round(usd * 1e9);
