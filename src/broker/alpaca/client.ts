/**
 * What every Alpaca module works with: the SDK's raw API classes (trading and data Configurations
 * carry APCA_API_BASE_URL / APCA_API_DATA_URL as basePath), the call wrapper, the feeds and the mode.
 */
import type { TradingMode } from '../../orders/order.js';
import type { FeedUse, OptionsFeed, StockFeed } from '../alpaca-feed.js';
import type { AlpacaCaller, CallInfo, Sdk } from './call.js';

export interface AlpacaApis {
  orders: InstanceType<Sdk['trading']['OrdersApi']>;
  accounts: InstanceType<Sdk['trading']['AccountsApi']>;
  positions: InstanceType<Sdk['trading']['PositionsApi']>;
  clock: InstanceType<Sdk['trading']['ClockApi']>;
  assets: InstanceType<Sdk['trading']['AssetsApi']>;
  activities: InstanceType<Sdk['trading']['AccountActivitiesApi']>;
  stocks: InstanceType<Sdk['marketData']['StockApi']>;
  options: InstanceType<Sdk['marketData']['OptionApi']>;
}

export interface AlpacaClient {
  api: AlpacaApis;
  caller: AlpacaCaller;
  mode: TradingMode;
  stockFeed: StockFeed;
  optionsFeed: OptionsFeed;
}

export interface ApiSettings {
  keyId: string;
  secret: string;
  baseUrl: string;
  dataUrl: string;
  timeoutMs: number;
  rateLimitPerMin: number;
}

/** The SDK's API classes; its local token bucket (RateLimiter, per host) keeps us under Alpaca's 200/min. */
export function buildApis(sdk: Sdk, s: ApiSettings): AlpacaApis {
  const common = {
    keyId: s.keyId,
    secret: s.secret,
    timeoutMs: s.timeoutMs,
    rateLimit: { maxRequests: s.rateLimitPerMin, intervalMs: 60_000 },
    userAgent: 'tars-trading-mcp',
  };
  const { trading, marketData } = sdk;
  const tradingCfg = new trading.Configuration({ ...common, basePath: s.baseUrl.replace(/\/+$/, '') });
  const dataCfg = new marketData.Configuration({ ...common, basePath: s.dataUrl.replace(/\/+$/, '') });
  return {
    orders: new trading.OrdersApi(tradingCfg),
    accounts: new trading.AccountsApi(tradingCfg),
    positions: new trading.PositionsApi(tradingCfg),
    clock: new trading.ClockApi(tradingCfg),
    assets: new trading.AssetsApi(tradingCfg),
    activities: new trading.AccountActivitiesApi(tradingCfg),
    stocks: new marketData.StockApi(dataCfg),
    options: new marketData.OptionApi(dataCfg),
  };
}

/** A stock-data call, naming its feed so a plan refusal can say which setting to change. */
export function stocksCall(c: AlpacaClient, what: string): CallInfo {
  return { what, method: 'GET', feed: { kind: 'stocks', feed: c.stockFeed } satisfies FeedUse };
}

export function optionsCall(c: AlpacaClient, what: string): CallInfo {
  return { what, method: 'GET', feed: { kind: 'options', feed: c.optionsFeed } satisfies FeedUse };
}
