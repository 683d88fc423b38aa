/**
 * What the router routes with at this moment: the tier table (table-source.ts: the file, re-read when it
 * changes) with the catalog's listed prices (catalog.ts), the providers resolved against the config and the
 * environment (providers.ts), one openai client per provider, and the RouteInputs route() reads (which
 * providers have a key, which models each lists, each model's recent observations, the arena's scores).
 * The view is rebuilt only when the table or a listing changes.
 *
 * @example
 *   const endpoints = createEndpoints({ source, gateway: config.gateway, env: process.env, stats, log, clientOptions });
 *   await endpoints.ready();                      // the first model listing, when the table has `catalog`
 *   const { table, inputs } = endpoints.view();   // route(table, req, budget, circuits, inputs)
 *   endpoints.client('anthropic').chat.completions.create(...);
 */
import OpenAI from 'openai';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { createCatalog, withListedPrices, type Catalog, type GatewayModel } from './catalog.js';
import type { ExternalQuality } from './policies/index.js';
import { httpFetch } from './http-fetch.js';
import { resolveProviders, type ResolvedProvider } from './providers.js';
import type { RouteInputs } from './route.js';
import type { RoutingStatsStore } from './stats/store.js';
import type { TableSource } from './table-source.js';
import type { TierTable } from './tiers.js';

export interface RoutingView {
  table: TierTable;
  providers: ReadonlyMap<string, ResolvedProvider>;
  inputs: RouteInputs;
}

export interface Endpoints {
  view(): RoutingView;
  /** Before a call: the first listing of each provider (only when the table has `catalog`), and a due refresh started. */
  ready(): Promise<void>;
  client(provider: string): OpenAI;
  readonly catalog: Catalog;
}

export interface EndpointOptions {
  source: TableSource;
  gateway: Config['gateway'];
  env: Readonly<Record<string, string | undefined>>;
  stats: RoutingStatsStore | null;
  external?: ExternalQuality | undefined;
  log: Logger;
  /** The openai client's fetch (default http-fetch.ts; the bench isolates our own time with an in-process one). */
  fetch?: typeof fetch;
  /** The attribution sent with each model listing. */
  profile: string;
}

const LIST_TIMEOUT_MS = 10_000;

export function createEndpoints(opts: EndpointOptions): Endpoints {
  const clients = new Map<string, { key: string; client: OpenAI }>();
  let providers = resolveProviders(opts.source.current(), opts.gateway, opts.env);
  let providersFor = opts.source.version();

  const client = (name: string): OpenAI => {
    const p = currentProviders().get(name);
    if (!p?.apiKey) throw new Error(`provider ${name} has no key`);
    const key = `${p.baseUrl}\u0000${p.apiKey}`;
    const cached = clients.get(name);
    if (cached?.key === key) return cached.client;
    // the router's own resilience policy retries; the client's retries are off
    const made = new OpenAI({ apiKey: p.apiKey, baseURL: p.baseUrl, maxRetries: 0, timeout: 120_000, fetch: opts.fetch ?? httpFetch });
    clients.set(name, { key, client: made });
    return made;
  };

  function currentProviders(): Map<string, ResolvedProvider> {
    const table = opts.source.current();
    if (opts.source.version() !== providersFor) {
      providers = resolveProviders(table, opts.gateway, opts.env);
      providersFor = opts.source.version();
    }
    return providers;
  }

  const catalog = createCatalog({
    refreshMs: () => (opts.source.current().catalog?.refreshSec ?? 300) * 1000,
    log: opts.log,
    list: async (p) => {
      const headers = { 'x-request-id': crypto.randomUUID(), 'x-trading-mcp-tool': 'model_catalog', 'x-trading-mcp-profile': opts.profile };
      const models: GatewayModel[] = [];
      for await (const m of client(p.name).models.list({ timeout: LIST_TIMEOUT_MS, headers })) models.push(m as unknown as GatewayModel);
      return models;
    },
  });

  let cached: { tableVersion: number; catalogVersion: number; table: TierTable; view: RoutingView } | null = null;
  const inputsFor = (table: TierTable): RouteInputs => ({
    reachable: (provider) => Boolean(currentProviders().get(provider)?.apiKey),
    ...(table.catalog ? { listed: (provider: string, model: string) => catalog.listed(provider, model) } : {}),
    ...(opts.stats ? { history: (tier: string, model: string) => opts.stats!.recent(tier, model) } : {}),
    ...(opts.external ? { external: opts.external } : {}),
  });

  return {
    catalog,
    client,
    view() {
      const source = opts.source.current();
      const tableVersion = opts.source.version();
      const catalogVersion = catalog.version();
      if (!cached || cached.table !== source || cached.tableVersion !== tableVersion || cached.catalogVersion !== catalogVersion) {
        const table = source.catalog ? withListedPrices(source, catalog.listings()) : source;
        cached = { tableVersion, catalogVersion, table: source, view: { table, providers: currentProviders(), inputs: inputsFor(source) } };
      }
      return cached.view;
    },
    async ready() {
      if (!opts.source.current().catalog) return;
      await catalog.ready([...currentProviders().values()]);
    },
  };
}
