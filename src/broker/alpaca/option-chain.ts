/** Alpaca option chains: contracts and snapshots, each paged to its end within Alpaca's per-call bounds. */
import { batches, pageToEnd } from '../paging.js';
import { MAX_OPTION_ROWS, type OptionChainRequest, type OptionContract, type OptionSnapshot } from '../types.js';
import { optionsCall, type AlpacaClient } from './client.js';
import { chainFilters, toContract, toOptionSnapshot } from './map.js';
import { WireContracts, WireOptionSnapshots } from './wire.js';

/** Alpaca's per-call bounds: contracts 10,000 a page, chain snapshots 1,000 a page, 100 symbols a snapshot call. */
const CONTRACTS_PAGE_MAX = 10_000;
const SNAPSHOTS_PAGE_MAX = 1_000;
const SNAPSHOT_SYMBOLS_MAX = 100;

/** Contracts paged to the end (or req.limit, default MAX_OPTION_ROWS), 10,000 a page. */
export function getOptionContracts(c: AlpacaClient, req: OptionChainRequest): Promise<OptionContract[]> {
  return pageToEnd(req.limit ?? MAX_OPTION_ROWS, async (pageToken, want) => {
    const body = await c.caller.call(
      { what: 'GET /v2/options/contracts', method: 'GET' },
      () =>
        c.api.assets.getOptionsContractsRaw({
          underlyingSymbols: req.underlying,
          ...chainFilters(req),
          limit: Math.min(CONTRACTS_PAGE_MAX, want),
          ...(pageToken ? { pageToken } : {}),
        }),
      WireContracts,
    );
    return { items: (body.option_contracts ?? []).map(toContract), next: body.next_page_token };
  });
}

/** The underlying's chain snapshots paged to the end (or req.limit, default MAX_OPTION_ROWS), 1,000 a page. */
export async function getOptionSnapshots(c: AlpacaClient, req: OptionChainRequest): Promise<OptionSnapshot[]> {
  const list = await pageToEnd(req.limit ?? MAX_OPTION_ROWS, async (pageToken, want) => {
    const body = await c.caller.call(
      optionsCall(c, `GET /v1beta1/options/snapshots/${req.underlying}`),
      () =>
        c.api.options.optionChainRaw({
          underlyingSymbol: req.underlying,
          feed: c.optionsFeed,
          ...chainFilters(req),
          limit: Math.min(SNAPSHOTS_PAGE_MAX, want),
          ...(pageToken ? { pageToken } : {}),
        }),
      WireOptionSnapshots,
    );
    return { items: Object.entries(body.snapshots ?? {}).map(toOptionSnapshot), next: body.next_page_token };
  });
  return list.sort((a, b) => a.symbol.localeCompare(b.symbol));
}

/** Snapshots by OCC symbol, 100 symbols a call (Alpaca's bound), each call paged to its end. */
export async function getOptionSnapshotsFor(c: AlpacaClient, symbols: readonly string[]): Promise<OptionSnapshot[]> {
  const out: OptionSnapshot[] = [];
  for (const batch of batches([...new Set(symbols)], SNAPSHOT_SYMBOLS_MAX)) {
    const page = await pageToEnd(batch.length, async (pageToken) => {
      const body = await c.caller.call(
        optionsCall(c, 'GET /v1beta1/options/snapshots'),
        () => c.api.options.optionSnapshotsRaw({ symbols: batch.join(','), feed: c.optionsFeed, limit: batch.length, ...(pageToken ? { pageToken } : {}) }),
        WireOptionSnapshots,
      );
      return { items: Object.entries(body.snapshots ?? {}).map(toOptionSnapshot), next: body.next_page_token };
    });
    out.push(...page);
  }
  return out;
}
