/**
 * Models and prices from the providers themselves (SPEC §15), when the tier table has `catalog`: each
 * provider's `GET /models` is read before the first call and again every `catalog.refreshSec`, in the
 * background (calls never wait for a refresh, only for the first listing, bounded). Then
 *   - a model a provider does not list is skipped there by routing (`unlisted`), never called;
 *   - a listed price replaces the table's (the highest, if several providers list one): a price change
 *     is picked up at the next refresh, without a restart — except that a critical (Opus) model is never
 *     priced below the table: a provider listing Opus cheap (or at 0) must not loosen the confirmation's
 *     envelope (SPEC §11), so its price is the larger of the table's and the listing's, part by part.
 * A provider whose listing fails keeps its last one; one never read (or with `listsModels: false`) is
 * taken as listing what the table says. Prices are read OpenRouter-style (`pricing: {prompt, completion,
 * input_cache_read}` in USD per token, strings or numbers), converted to our per-million figures.
 *
 * @example
 *   const catalog = createCatalog({ refreshMs: 300_000, list: (provider) => listModels(provider), log });
 *   await catalog.ready(providers);                 // the first listing (bounded), then background refreshes
 *   catalog.listed('gateway', 'kimi-k2');           // false once the gateway stops listing it
 *   const table = withListedPrices(table, catalog.listings());
 */
import type { Logger } from '../log.js';
import type { ResolvedProvider } from './providers.js';
import type { ModelPrice, TierTable } from './tiers.js';

export interface GatewayModel {
  id: string;
  pricing?: Record<string, unknown>;
}

const perM = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? Math.round(n * 1e6 * 1e6) / 1e6 : undefined;
};

/** A listed model's price in our units, or undefined when it lists none (or an unusable one). */
export function gatewayPrice(m: GatewayModel): ModelPrice | undefined {
  const p = m.pricing;
  if (!p || typeof p !== 'object') return undefined;
  const inputPerM = perM(p.prompt);
  const outputPerM = perM(p.completion);
  if (inputPerM === undefined || outputPerM === undefined) return undefined;
  const cachedInputPerM = perM(p.input_cache_read);
  return { inputPerM, outputPerM, ...(cachedInputPerM !== undefined ? { cachedInputPerM } : {}) };
}

/** One provider's listing: every model id it offers, with its price where it lists one. */
export interface Listing {
  provider: string;
  /** Epoch ms of the read. */
  at: number;
  models: ReadonlyMap<string, ModelPrice | undefined>;
}

export function listingOf(provider: string, at: number, models: readonly GatewayModel[]): Listing {
  return { provider, at, models: new Map(models.filter((m) => typeof m?.id === 'string').map((m) => [m.id, gatewayPrice(m)])) };
}

/** The table with each model's listed price where a provider lists one (the highest of them: reservations stay an upper bound). */
export function withListedPrices(table: TierTable, listings: readonly Listing[]): TierTable {
  if (!listings.length) return table;
  const models = { ...table.models };
  const tierModels = new Set(Object.values(table.tiers).flatMap((t) => t.models));
  const critical = new Set(table.tiers.critical?.models ?? []);
  for (const id of tierModels) {
    const listed = listings.map((l) => l.models.get(id)).filter((p): p is ModelPrice => p !== undefined);
    if (!listed.length) continue;
    const highest = listed.reduce((a, b) => (b.inputPerM + b.outputPerM > a.inputPerM + a.outputPerM ? b : a));
    const ours = table.models[id];
    const price = {
      ...highest,
      ...(highest.cachedInputPerM === undefined && ours?.cachedInputPerM !== undefined ? { cachedInputPerM: ours.cachedInputPerM } : {}),
    };
    models[id] = critical.has(id) && ours ? atLeast(ours, price) : price;
  }
  return { ...table, models };
}

/** Part by part, the larger of two prices (the critical tier's floor); a missing cached price is the input price. */
export function atLeast(floor: ModelPrice, listed: ModelPrice): ModelPrice {
  return {
    inputPerM: Math.max(floor.inputPerM, listed.inputPerM),
    outputPerM: Math.max(floor.outputPerM, listed.outputPerM),
    cachedInputPerM: Math.max(floor.cachedInputPerM ?? floor.inputPerM, listed.cachedInputPerM ?? listed.inputPerM),
  };
}

export interface CatalogProviderReport {
  provider: string;
  readAt: string | null;
  models: number | null;
  error: string | null;
}

export interface Catalog {
  /** Wait for each listing provider's first read (bounded by the lister's own timeout); later calls return at once, starting a due refresh in the background. */
  ready(providers: readonly ResolvedProvider[]): Promise<void>;
  /** false only when the provider's listing is known and lacks the model. */
  listed(provider: string, model: string): boolean;
  listings(): Listing[];
  /** Bumped whenever a listing changes (the router caches its effective table on it). */
  version(): number;
  report(): CatalogProviderReport[];
}

export interface CatalogOptions {
  /** How long a listing is good for (read at each look, so an edited table's `catalog.refreshSec` applies). */
  refreshMs: number | (() => number);
  list: (provider: ResolvedProvider) => Promise<readonly GatewayModel[]>;
  log: Logger;
  now?: () => number;
  /** A failed read is tried again after this long (default: min(refreshMs, 30 s)). */
  retryMs?: number;
}

interface ProviderState {
  listing: Listing | null;
  error: string | null;
  nextAt: number;
  inFlight: Promise<void> | null;
}

export function createCatalog(opts: CatalogOptions): Catalog {
  const now = opts.now ?? Date.now;
  const refreshMs = typeof opts.refreshMs === 'function' ? opts.refreshMs : () => opts.refreshMs as number;
  const retryMs = () => opts.retryMs ?? Math.min(refreshMs(), 30_000);
  const state = new Map<string, ProviderState>();
  let version = 0;

  const read = (p: ResolvedProvider, st: ProviderState): Promise<void> => {
    st.inFlight ??= opts
      .list(p)
      .then((models) => {
        const next = listingOf(p.name, now(), models);
        reportDelisted(opts.log, st.listing, next);
        st.listing = next;
        st.error = null;
        st.nextAt = now() + refreshMs();
        version++;
      })
      .catch((err: unknown) => {
        st.error = (err as Error).message ?? String(err);
        st.nextAt = now() + retryMs();
        opts.log.warn('model listing failed; routing keeps the last one', { provider: p.name, error: st.error });
      })
      .finally(() => {
        st.inFlight = null;
      });
    return st.inFlight;
  };

  return {
    async ready(providers) {
      const first: Array<Promise<void>> = [];
      for (const p of providers) {
        if (!p.listsModels || !p.apiKey) continue;
        let st = state.get(p.name);
        const never = !st;
        if (!st) {
          st = { listing: null, error: null, nextAt: 0, inFlight: null };
          state.set(p.name, st);
        }
        if (now() < st.nextAt) continue;
        const pending = read(p, st);
        // only the very first read is waited for; after it, refreshes (and retries of a failed read) run in the background
        if (never) first.push(pending);
      }
      if (first.length) await Promise.all(first);
    },
    listed(provider, model) {
      const listing = state.get(provider)?.listing;
      return listing ? listing.models.has(model) : true;
    },
    listings: () => [...state.values()].flatMap((s) => (s.listing ? [s.listing] : [])),
    version: () => version,
    report: () =>
      [...state.entries()].map(([provider, s]) => ({
        provider,
        readAt: s.listing ? new Date(s.listing.at).toISOString() : null,
        models: s.listing ? s.listing.models.size : null,
        error: s.error,
      })),
  };
}

function reportDelisted(log: Logger, before: Listing | null, after: Listing): void {
  if (!before) return;
  const gone = [...before.models.keys()].filter((id) => !after.models.has(id));
  const added = [...after.models.keys()].filter((id) => !before.models.has(id));
  if (gone.length) log.warn('models no longer listed: routing skips them', { provider: after.provider, models: gone.slice(0, 20) });
  if (added.length) log.info('models newly listed', { provider: after.provider, models: added.slice(0, 20) });
}
