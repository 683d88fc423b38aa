/** Alpaca stock data (bars, latest quote/trade, snapshot) and latest option quotes/trades by OCC symbol; every call sends its feed. */
import { ToolError } from '../../errors.js';
import { OCC_SYMBOL } from '../../orders/order.js';
import { pageToEnd } from '../paging.js';
import type { Bar, BarsRequest, Quote, Snapshot, Timeframe, Trade } from '../types.js';
import { optionsCall, stocksCall, type AlpacaClient } from './client.js';
import { toBar, toQuote, toTrade } from './map.js';
import { WireBars, WireLatestQuote, WireLatestTrade, WireOptionLatestQuotes, WireOptionLatestTrades, WireSnapshot } from './wire.js';

const TF_MINUTES: Record<Timeframe, number> = { '1Min': 1, '5Min': 5, '15Min': 15, '1Hour': 60, '1Day': 390 };

/** Bars, paged through next_page_token. With start: the first `limit` from start; without: the latest `limit`. */
export async function getBars(c: AlpacaClient, req: BarsRequest): Promise<Bar[]> {
  const limit = req.limit ?? 100;
  const end = req.end ? new Date(req.end) : undefined;
  const latest = !req.start;
  const tradingDays = Math.ceil((limit * TF_MINUTES[req.timeframe]) / 390);
  const start = req.start ? new Date(req.start) : new Date((end?.getTime() ?? Date.now()) - (Math.ceil(tradingDays * 1.6) + 14) * 86_400_000);
  const bars = await pageToEnd(limit, async (pageToken, want) => {
    const body = await c.caller.call(
      stocksCall(c, `GET /v2/stocks/${req.symbol}/bars`),
      () =>
        c.api.stocks.stockBarSingleRaw({
          symbol: req.symbol,
          timeframe: req.timeframe,
          feed: c.stockFeed,
          start,
          ...(end ? { end } : {}),
          limit: Math.min(10_000, want),
          ...(latest ? { sort: 'desc' as never } : {}),
          ...(pageToken ? { pageToken } : {}),
        }),
      WireBars,
    );
    return { items: (body.bars ?? []).map(toBar), next: body.next_page_token };
  });
  return latest ? bars.reverse() : bars;
}

export async function getLatestQuote(c: AlpacaClient, symbol: string): Promise<Quote> {
  if (OCC_SYMBOL.test(symbol)) {
    const body = await c.caller.call(
      optionsCall(c, 'GET /v1beta1/options/quotes/latest'),
      () => c.api.options.optionLatestQuotesRaw({ symbols: symbol, feed: c.optionsFeed }),
      WireOptionLatestQuotes,
    );
    const q = body.quotes[symbol];
    if (!q) throw new ToolError('NOT_FOUND', `Alpaca has no quote for option ${symbol}`, { status: 200 });
    return toQuote(symbol, q);
  }
  const body = await c.caller.call(
    stocksCall(c, `GET /v2/stocks/${symbol}/quotes/latest`),
    () => c.api.stocks.stockLatestQuoteSingleRaw({ symbol, feed: c.stockFeed }),
    WireLatestQuote,
  );
  return toQuote(symbol, body.quote);
}

export async function getLatestTrade(c: AlpacaClient, symbol: string): Promise<Trade> {
  if (OCC_SYMBOL.test(symbol)) {
    const body = await c.caller.call(
      optionsCall(c, 'GET /v1beta1/options/trades/latest'),
      () => c.api.options.optionLatestTradesRaw({ symbols: symbol, feed: c.optionsFeed }),
      WireOptionLatestTrades,
    );
    const tr = body.trades[symbol];
    if (!tr) throw new ToolError('NOT_FOUND', `Alpaca has no trade for option ${symbol}`, { status: 200 });
    return toTrade(symbol, tr);
  }
  const body = await c.caller.call(
    stocksCall(c, `GET /v2/stocks/${symbol}/trades/latest`),
    () => c.api.stocks.stockLatestTradeSingleRaw({ symbol, feed: c.stockFeed }),
    WireLatestTrade,
  );
  return toTrade(symbol, body.trade);
}

export async function getSnapshot(c: AlpacaClient, symbol: string): Promise<Snapshot> {
  const s = await c.caller.call(
    stocksCall(c, `GET /v2/stocks/${symbol}/snapshot`),
    () => c.api.stocks.stockSnapshotSingleRaw({ symbol, feed: c.stockFeed }),
    WireSnapshot,
  );
  return {
    symbol,
    latestTrade: s.latestTrade ? toTrade(symbol, s.latestTrade) : null,
    latestQuote: s.latestQuote ? toQuote(symbol, s.latestQuote) : null,
    minuteBar: s.minuteBar ? toBar(s.minuteBar) : null,
    dailyBar: s.dailyBar ? toBar(s.dailyBar) : null,
    prevDailyBar: s.prevDailyBar ? toBar(s.prevDailyBar) : null,
  };
}
