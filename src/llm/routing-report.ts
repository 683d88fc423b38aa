/**
 * The `routing` part of get_llm_usage (and doctor's routing lines): per tier its policy and providers, and per
 * model of the tier its durable statistics (stats/store.ts) — calls, share of the tier, valid rate, agreement
 * rate, latency p50/p95, mean cost, quality — with, for a split tier, each arm's weight, and for an adaptive
 * tier, each model's state (incumbent, warm, cold) and its quality over the policy's window. Plus the
 * catalog (which providers' listings were read, and the tier models they do not list: skipped, never
 * called) and the providers (base URL, key variable, whether the key is set: never the key).
 */
import { z } from 'zod';
import type { CatalogProviderReport } from './catalog.js';
import { armEvidence, type ExternalQuality, posteriorMean, type Observation } from './policies/evidence.js';
import { tierProviderNames, type ResolvedProvider } from './providers.js';
import type { TierModelStats } from './stats/store.js';
import { policySpecOf, type TierTable } from './tiers.js';
import { TIERS, type Tier } from './types.js';

const rate = z.number().min(0).max(1).nullable();

const ModelRouting = z.strictObject({
  model: z.string(),
  weight: z.number().nullable().describe('split: this arm’s configured share of the primary picks'),
  state: z.enum(['incumbent', 'warm', 'cold']).nullable().describe('adaptive: cold models share at most `explore` of the traffic'),
  calls: z.number().int().nonnegative().describe('attempts recorded (all time)'),
  share: rate.describe('of the tier’s recorded attempts'),
  failed: z.number().int().nonnegative(),
  validRate: rate.describe('replies valid against the requested schema, over attempts that asked for one'),
  agreementRate: rate.describe('council votes that agreed with the majority'),
  latencyP50Ms: z.number().nullable(),
  latencyP95Ms: z.number().nullable(),
  meanCostUsd: z.number().nullable(),
  quality: rate.describe('valid and agreement signals together, all time'),
  windowQuality: rate.describe('adaptive: the posterior mean over the policy’s window (the arena’s score included), what the bandit samples around'),
});

const TierRouting = z.strictObject({
  tier: z.string(),
  policy: z.enum(['fixed', 'split', 'adaptive']),
  settings: z.record(z.string(), z.unknown()).describe('the policy as the tier table states it'),
  providers: z.array(z.string()).describe('primary first, then the fallbacks'),
  models: z.array(ModelRouting),
});

export const RoutingReportSchema = z.strictObject({
  tiers: z.array(TierRouting),
  providers: z.array(z.strictObject({ name: z.string(), baseUrl: z.string(), keyEnv: z.string(), keySet: z.boolean(), tiers: z.array(z.string()) })),
  catalog: z.strictObject({
    enabled: z.boolean().describe('the tier table has `catalog`: models and prices come from each provider’s GET /models'),
    refreshSec: z.number().nullable(),
    listings: z.array(z.strictObject({ provider: z.string(), readAt: z.string().nullable(), models: z.number().nullable(), error: z.string().nullable() })),
    unlisted: z
      .array(z.strictObject({ tier: z.string(), model: z.string(), provider: z.string() }))
      .describe('tier models a provider no longer lists: skipped there by routing, never called'),
  }),
});
export type RoutingReport = z.output<typeof RoutingReportSchema>;

export interface RoutingSources {
  table: TierTable;
  providers: ReadonlyMap<string, ResolvedProvider>;
  stats: readonly TierModelStats[];
  recent?: ((tier: string, model: string) => readonly Observation[]) | undefined;
  catalog?: { report: CatalogProviderReport[]; listed: (provider: string, model: string) => boolean } | undefined;
  /** The external quality the router routes with (the arena's): its pseudo-observations count as routing counts them. */
  external?: ExternalQuality | undefined;
}

export function routingReport(src: RoutingSources): RoutingReport {
  const tiers = TIERS.map((tier) => tierRouting(src, tier));
  const providers = [...src.providers.values()].map((p) => ({
    name: p.name,
    baseUrl: p.baseUrl,
    keyEnv: p.keyEnv,
    keySet: Boolean(p.apiKey),
    tiers: TIERS.filter((t) => tierProviderNames(src.table, t).includes(p.name)),
  }));
  const enabled = Boolean(src.table.catalog);
  const unlisted =
    enabled && src.catalog
      ? TIERS.flatMap((tier) =>
          src.table.tiers[tier].models.flatMap((model) =>
            tierProviderNames(src.table, tier)
              .filter((provider) => !src.catalog!.listed(provider, model))
              .map((provider) => ({ tier, model, provider })),
          ),
        )
      : [];
  return {
    tiers,
    providers,
    catalog: { enabled, refreshSec: src.table.catalog?.refreshSec ?? null, listings: src.catalog?.report ?? [], unlisted },
  };
}

function tierRouting(src: RoutingSources, tier: Tier): RoutingReport['tiers'][number] {
  const spec = src.table.tiers[tier];
  const policy = policySpecOf(spec);
  const rows = src.stats.filter((s) => s.tier === tier);
  const total = rows.reduce((n, r) => n + r.calls, 0);
  const models = [...new Set([...spec.models, ...rows.map((r) => r.model)])];
  const { kind, ...settings } = policy;
  return {
    tier,
    policy: kind,
    settings,
    providers: tierProviderNames(src.table, tier),
    models: models.map((model) => {
      const s = rows.find((r) => r.model === model);
      const adaptive = policy.kind === 'adaptive' && src.recent ? armEvidence(src.recent(tier, model), policy, src.external?.(model)) : null;
      const seen = adaptive ? adaptive.signals + adaptive.external.n : 0;
      const state =
        policy.kind !== 'adaptive' || !spec.models.includes(model)
          ? null
          : model === spec.models[0]
            ? 'incumbent'
            : seen >= policy.minObservations
              ? 'warm'
              : 'cold';
      return {
        model,
        weight: policy.kind === 'split' ? (policy.weights[model] ?? null) : null,
        state,
        calls: s?.calls ?? 0,
        share: total ? (s?.calls ?? 0) / total : null,
        failed: s?.failed ?? 0,
        validRate: s?.validRate ?? null,
        agreementRate: s?.agreementRate ?? null,
        latencyP50Ms: s?.latencyP50Ms ?? null,
        latencyP95Ms: s?.latencyP95Ms ?? null,
        meanCostUsd: s?.meanCostUsd ?? null,
        quality: s?.quality ?? null,
        windowQuality: adaptive && seen ? Math.round(posteriorMean(adaptive) * 10_000) / 10_000 : null,
      };
    }),
  };
}

/** One line per tier that has a policy other than fixed or any recorded calls (doctor, the usage text). */
export function routingLines(r: RoutingReport): string[] {
  const pct = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)}%`);
  return r.tiers
    .filter((t) => t.policy !== 'fixed' || t.models.some((m) => m.calls))
    .map((t) => {
      const models = t.models
        .filter((m) => m.calls || m.state || m.weight !== null)
        .map(
          (m) =>
            `${m.model}${m.state ? ` [${m.state}]` : ''}${m.weight !== null ? ` w${m.weight}` : ''} ${m.calls} calls (${pct(m.share)}), valid ${pct(m.validRate)}, p95 ${m.latencyP95Ms === null ? '-' : `${Math.round(m.latencyP95Ms)} ms`}`,
        );
      return `${t.tier} (${t.policy}${t.providers.join(',') !== 'gateway' ? ` via ${t.providers.join(' → ')}` : ''}): ${models.join('; ') || 'no calls yet'}`;
    });
}
