/**
 * Where a tier's calls go (SPEC §15): the gateway by default, or the tier's own providers in order, the
 * first the primary and the rest its fallbacks — e.g. the critical tier straight to Anthropic's
 * OpenAI-compatible endpoint with the gateway behind it, or the other way round. Keys and base URLs come
 * from the tier table and the environment only, never from a tool's input; the table names the key's
 * variable, never the key.
 *
 * In the tier table:
 *   "providers": { "anthropic": { "baseUrl": "https://api.anthropic.com/v1/", "keyEnv": "ANTHROPIC_API_KEY" } },
 *   "tiers": { "critical": { ..., "providers": ["anthropic", "gateway"] } }
 * `gateway` is reserved: LLM_GATEWAY_BASE_URL and its key (config.gateway). Zod and pure functions only.
 */
import { z } from 'zod';
import type { Config } from '../config.js';

export const GATEWAY_PROVIDER = 'gateway';

export const ProviderSpecSchema = z.strictObject({
  baseUrl: z.url({ protocol: /^https?$/ }).describe('OpenAI-compatible base URL, e.g. https://api.anthropic.com/v1/'),
  keyEnv: z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'keyEnv is the NAME of an environment variable (upper case, digits, _), never the key')
    .describe('the environment variable holding this provider’s key'),
  listsModels: z.boolean().default(true).describe('whether GET /models answers (the catalog reads it when the table has `catalog`)'),
});
export type ProviderSpec = z.output<typeof ProviderSpecSchema>;

export const ProviderNameSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'a provider name is lower case letters, digits and -');

/** A provider as the router uses it: its base URL and key resolved (the key stays in memory, never logged). */
export interface ResolvedProvider {
  name: string;
  baseUrl: string;
  /** The variable the key is read from (reported by doctor and usage; the key itself never is). */
  keyEnv: string;
  apiKey: string | undefined;
  listsModels: boolean;
}

export interface ProviderTable {
  providers?: Record<string, ProviderSpec> | undefined;
  tiers: Record<string, { providers?: string[] | undefined }>;
}

/** The providers a tier's calls go to, in order (default: the gateway alone). */
export function tierProviderNames(table: ProviderTable, tier: string): string[] {
  const named = table.tiers[tier]?.providers;
  return named?.length ? named : [GATEWAY_PROVIDER];
}

/** Problems with the table's providers, one line each (validateTierTable raises the first). */
export function providerProblems(table: ProviderTable): string[] {
  const problems: string[] = [];
  if (table.providers && Object.hasOwn(table.providers, GATEWAY_PROVIDER)) {
    problems.push(`providers.${GATEWAY_PROVIDER} is reserved (it is LLM_GATEWAY_BASE_URL with its key)`);
  }
  for (const [tier, spec] of Object.entries(table.tiers)) {
    const names = spec.providers ?? [];
    if (new Set(names).size !== names.length) problems.push(`${tier}.providers names a provider twice`);
    for (const name of names) {
      if (name !== GATEWAY_PROVIDER && !(table.providers && Object.hasOwn(table.providers, name))) {
        problems.push(`${tier}.providers names ${name}, which is not in providers (nor "${GATEWAY_PROVIDER}")`);
      }
    }
  }
  return problems;
}

/** Every provider any tier uses, resolved against the config (the gateway) and the environment (the others' keys). */
export function resolveProviders(
  table: ProviderTable,
  gateway: Config['gateway'],
  env: Readonly<Record<string, string | undefined>>,
): Map<string, ResolvedProvider> {
  const out = new Map<string, ResolvedProvider>();
  const used = new Set(Object.keys(table.tiers).flatMap((t) => tierProviderNames(table, t)));
  for (const name of used) {
    if (name === GATEWAY_PROVIDER) {
      out.set(name, { name, baseUrl: gateway.baseUrl, keyEnv: 'LLM_GATEWAY_API_KEY', apiKey: gateway.apiKey, listsModels: true });
      continue;
    }
    const spec = table.providers![name]!;
    const key = env[spec.keyEnv];
    out.set(name, { name, baseUrl: spec.baseUrl, keyEnv: spec.keyEnv, apiKey: key?.trim() || undefined, listsModels: spec.listsModels });
  }
  return out;
}

/** The circuit and catalog key of a model reached through a provider: the bare id through the gateway (as before providers existed). */
export const endpointKey = (provider: string, model: string): string => (provider === GATEWAY_PROVIDER ? model : `${provider}:${model}`);
