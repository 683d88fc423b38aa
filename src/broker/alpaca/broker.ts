/** The Alpaca Broker: each method delegates to the module for its concern (account, orders, market data, option chain). */
import type { Deps } from '../../deps.js';
import { ToolError } from '../../errors.js';
import type { TradingMode } from '../../orders/order.js';
import type { OptionsFeed, StockFeed } from '../alpaca-feed.js';
import type {
  OrderReplacement,
  Account,
  Bar,
  BarsRequest,
  Broker,
  BrokerOrder,
  Clock,
  FillCursor,
  FeePage,
  FillPage,
  OptionChainRequest,
  OptionContract,
  OptionSnapshot,
  OrderFilter,
  OrderSubmission,
  Position,
  Quote,
  Snapshot,
  Trade,
} from '../types.js';
import * as account from './account.js';
import * as activities from './activities.js';
import { AlpacaCaller, type Sdk } from './call.js';
import { buildApis, type AlpacaClient } from './client.js';
import * as data from './market-data.js';
import * as chain from './option-chain.js';
import * as orders from './orders.js';

export const RATE_LIMIT_WAIT_MS = 10_000;
export const LOCAL_RATE_LIMIT_PER_MIN = 190;

export interface AlpacaBrokerOptions {
  keyId: string;
  secret: string;
  baseUrl: string;
  dataUrl: string;
  mode: TradingMode;
  timeoutMs?: number;
  rateLimitWaitMs?: number;
  /** Local limiter budget per minute (default LOCAL_RATE_LIMIT_PER_MIN). */
  rateLimitPerMin?: number;
  /** Stock data feed (default iex, which Alpaca's free plan covers). */
  stockFeed?: StockFeed;
  /** Options data feed (default indicative, which Alpaca's free plan covers). */
  optionsFeed?: OptionsFeed;
  log?: Deps['log'];
}

export class AlpacaBroker implements Broker {
  readonly name = 'alpaca' as const;
  readonly mode: TradingMode;
  private readonly c: AlpacaClient;
  /** Order id → client_order_id, for fills (a FILL activity does not carry it). */
  private readonly fillReads: activities.FillReadState = { links: new Map(), lastDeepMs: null };

  constructor(sdk: Sdk, opts: AlpacaBrokerOptions) {
    this.mode = opts.mode;
    const api = buildApis(sdk, {
      keyId: opts.keyId,
      secret: opts.secret,
      baseUrl: opts.baseUrl,
      dataUrl: opts.dataUrl,
      timeoutMs: opts.timeoutMs ?? 10_000,
      rateLimitPerMin: opts.rateLimitPerMin ?? LOCAL_RATE_LIMIT_PER_MIN,
    });
    const caller = new AlpacaCaller(sdk, opts.rateLimitWaitMs ?? RATE_LIMIT_WAIT_MS, opts.log);
    this.c = { api, caller, mode: opts.mode, stockFeed: opts.stockFeed ?? 'iex', optionsFeed: opts.optionsFeed ?? 'indicative' };
  }

  getAccount(): Promise<Account> {
    return account.getAccount(this.c);
  }

  getPositions(): Promise<Position[]> {
    return account.getPositions(this.c);
  }

  getClock(): Promise<Clock> {
    return account.getClock(this.c);
  }

  listOrders(filter: OrderFilter = {}): Promise<BrokerOrder[]> {
    return orders.listOrders(this.c, filter);
  }

  getOrder(id: string): Promise<BrokerOrder | null> {
    return orders.getOrder(this.c, id);
  }

  getOrderByClientId(clientOrderId: string): Promise<BrokerOrder | null> {
    return orders.getOrderByClientId(this.c, clientOrderId);
  }

  replaceOrder(id: string, change: OrderReplacement): Promise<BrokerOrder> {
    return orders.replaceOrder(this.c, id, change);
  }

  submitOrder(order: OrderSubmission): Promise<BrokerOrder> {
    return orders.submitOrder(this.c, order);
  }

  cancelOrder(id: string): Promise<void> {
    return orders.cancelOrder(this.c, id);
  }

  getBars(req: BarsRequest): Promise<Bar[]> {
    return data.getBars(this.c, req);
  }

  getLatestQuote(symbol: string): Promise<Quote> {
    return data.getLatestQuote(this.c, symbol);
  }

  getLatestTrade(symbol: string): Promise<Trade> {
    return data.getLatestTrade(this.c, symbol);
  }

  getSnapshot(symbol: string): Promise<Snapshot> {
    return data.getSnapshot(this.c, symbol);
  }

  getOptionContracts(req: OptionChainRequest): Promise<OptionContract[]> {
    return chain.getOptionContracts(this.c, req);
  }

  getOptionSnapshots(req: OptionChainRequest): Promise<OptionSnapshot[]> {
    return chain.getOptionSnapshots(this.c, req);
  }

  getOptionSnapshotsFor(symbols: readonly string[]): Promise<OptionSnapshot[]> {
    return chain.getOptionSnapshotsFor(this.c, symbols);
  }

  listFills(after: FillCursor | null): Promise<FillPage> {
    return activities.listFills(this.c, after, this.fillReads);
  }

  listFees(after: FillCursor | null): Promise<FeePage> {
    return activities.listFees(this.c, after);
  }

  async close(): Promise<void> {
    // Nothing held open: the SDK uses the global fetch.
  }
}

export async function createAlpacaBroker(deps: Deps, overrides: Partial<AlpacaBrokerOptions> = {}): Promise<AlpacaBroker> {
  const { keyId, secretKey, baseUrl, dataUrl, timeoutMs, dataFeed, optionsFeed } = deps.config.alpaca;
  if (!keyId || !secretKey)
    throw new ToolError('BROKER_UNAVAILABLE', 'broker alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY', { status: null, reason: 'not_configured' });
  const sdk = await import('@alpacahq/alpaca-trade-api');
  return new AlpacaBroker(sdk, {
    keyId,
    secret: secretKey,
    baseUrl,
    dataUrl,
    mode: deps.mode,
    timeoutMs,
    stockFeed: dataFeed,
    optionsFeed,
    log: deps.log,
    ...overrides,
  });
}

/** For tests and scripts without Deps. */
export async function openAlpacaBroker(opts: AlpacaBrokerOptions): Promise<AlpacaBroker> {
  return new AlpacaBroker(await import('@alpacahq/alpaca-trade-api'), opts);
}
