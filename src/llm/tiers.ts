/**
 * The tier table (SPEC §9) as data: `profiles/tiers.json`, overridable by `TRADING_MCP_TIERS`
 * (config.tiersPath). Cheap to load (zod + fs only), so bootstrap validates it at start-up and a
 * table whose `critical` tier names a model that is not Claude Opus stops the server.
 *
 * Shape:
 *   models: { "<id>": { inputPerM, outputPerM, cachedInputPerM? } }   USD per million tokens
 *   tiers:  { "<tier>": { models: [id, ...]   // order = primary first, then the fallback order
 *                         maxTokens, timeoutMs (per attempt), totalTimeoutMs (retries + failover bound),
 *                         split?: { "<id>": weight, ... } } }        // optional weighted primary pick
 * A tier may name a model with no price entry: such a model is never called (UNKNOWN_PRICE).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../config.js';
import { PROFILES_DIR } from '../paths.js';
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
  split: z.record(z.string().min(1), z.number().finite().positive()).optional().describe('weighted pick of the primary, e.g. {"a": 90, "b": 10}'),
});
export type TierSpec = z.output<typeof TierSpecSchema>;

export const TierTableSchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1),
  updated: z.string().optional(),
  source: z.string().optional(),
  models: z.record(z.string().min(1), ModelPriceSchema),
  tiers: z.strictObject(Object.fromEntries(TIERS.map((t) => [t, TierSpecSchema])) as Record<Tier, typeof TierSpecSchema>),
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
    const spec = table.tiers[tier];
    for (const m of Object.keys(spec.split ?? {})) {
      if (!spec.models.includes(m)) throw new ConfigError(`tier table ${where}: ${tier}.split names ${m}, which is not in ${tier}.models`);
    }
  }
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
