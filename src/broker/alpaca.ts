/**
 * The Alpaca broker, through @alpacahq/alpaca-trade-api 4.0's raw API classes (the main client
 * has no base-URL option): trading and data Configurations carry APCA_API_BASE_URL /
 * APCA_API_DATA_URL as basePath. We call the SDK's `*Raw` methods and validate the wire JSON
 * ourselves with zod (Alpaca sends numbers as strings), so nothing unvalidated is used.
 *
 * Failure surface (details always carry `status` (HTTP status or null) and, when Alpaca sent
 * one, `alpacaCode`; `possiblyReachedBroker` tells the gate whether to reconcile by client_order_id):
 *   401                         → BROKER_UNAVAILABLE reason 'unauthorized' (keys do not work)
 *   403 (buying power, PDT…)    → BROKER_REJECTED with Alpaca's message
 *   403 on data for a feed the  → BROKER_REJECTED reason 'data_plan', naming the variable that picks
 *       plan does not cover       the feed (alpaca-feed.ts); every data call sends its feed
 *   400/422 (validation)        → BROKER_REJECTED; a reused client_order_id → reason 'duplicate_client_order_id'
 *   404                         → null from getOrder/getOrderByClientId; NOT_FOUND elsewhere
 *   429                         → waits for Retry-After / X-RateLimit-Reset while the wait fits the
 *                                 bound (RATE_LIMIT_WAIT_MS in total), then BROKER_UNAVAILABLE reason 'rate_limited'
 *   5xx                         → BROKER_UNAVAILABLE reason 'server_error' (possiblyReachedBroker for POST/DELETE)
 *   timeout / reset / refused   → BROKER_UNAVAILABLE reason 'timeout' | 'connection_reset' | 'connection_refused'
 *   a body that fails validation→ BROKER_UNAVAILABLE reason 'invalid_response'
 * A local token bucket (the SDK's own RateLimiter, 190/min per host) keeps us under Alpaca's 200/min.
 * The SDK's automatic retry is off: POSTs must never be replayed, and 429 is handled here.
 */
import { z } from 'zod';
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import { OCC_SYMBOL, type TradingMode } from '../orders/order.js';
import { dataPlanRefusal, type FeedUse, type OptionsFeed, type StockFeed } from './alpaca-feed.js';
import { batches, pageToEnd } from './paging.js';
import {
  MAX_OPTION_ROWS,
  ORDER_STATUSES,
  type Account,
  type Bar,
  type BarsRequest,
  type Broker,
  type BrokerOrder,
  type Clock,
  type OptionChainRequest,
  type OptionContract,
  type OptionSnapshot,
  type OrderFilter,
  type OrderStatus,
  type OrderSubmission,
  type Position,
  type Quote,
  type Snapshot,
  type Timeframe,
  type Trade,
} from './types.js';

type Sdk = typeof import('@alpacahq/alpaca-trade-api');

export const RATE_LIMIT_WAIT_MS = 10_000;
export const LOCAL_RATE_LIMIT_PER_MIN = 190;

// ── wire schemas ─────────────────────────────────────────────────────────────
const num = z.union([z.number(), z.string().trim().min(1)]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a finite number: ${String(v)}` });
    return z.NEVER;
  }
  return n;
});
const numOrNull = z.union([num, z.null(), z.literal('')]).optional().transform((v) => (v === '' || v === undefined ? null : v));
const strOrNull = z.string().nullable().optional().transform((v) => (v === undefined || v === '' ? null : v));

const WireLeg = z.looseObject({
  symbol: z.string(),
  side: z.string().nullable().optional(),
  ratio_qty: numOrNull,
  position_intent: strOrNull,
  filled_qty: numOrNull,
  filled_avg_price: numOrNull,
});

const WireOrder = z.looseObject({
  id: z.string().min(1),
  client_order_id: z.string(),
  symbol: z.string().nullable().optional(),
  side: z.string().nullable().optional(),
  order_class: z.string().nullable().optional(),
  type: z.string().nullable().optional(),
  order_type: z.string().nullable().optional(),
  time_in_force: z.string(),
  qty: numOrNull,
  notional: numOrNull,
  filled_qty: numOrNull,
  filled_avg_price: numOrNull,
  limit_price: numOrNull,
  stop_price: numOrNull,
  extended_hours: z.boolean().nullable().optional(),
  status: z.string().min(1),
  created_at: z.string(),
  submitted_at: strOrNull,
  filled_at: strOrNull,
  canceled_at: strOrNull,
  legs: z.array(WireLeg).nullable().optional(),
});

const WireAccount = z.looseObject({
  id: z.string(),
  status: z.string(),
  currency: z.string().default('USD'),
  cash: num,
  equity: num,
  last_equity: num,
  buying_power: num,
  daytrade_count: num.default(0),
  pattern_day_trader: z.boolean().default(false),
  trading_blocked: z.boolean().default(false),
});

const WirePosition = z.looseObject({
  symbol: z.string(),
  asset_class: z.string(),
  qty: num,
  side: z.string().optional(),
  avg_entry_price: num,
  cost_basis: num,
  current_price: numOrNull,
  market_value: numOrNull,
  unrealized_pl: numOrNull,
});

// Alpaca sends New York offsets with nanoseconds (2022-05-16T16:32:24.14373588-04:00); what does not parse is refused.
const instant = z.string().refine((v) => Number.isFinite(Date.parse(v)), 'not a timestamp');
const WireClock = z.looseObject({ timestamp: instant, is_open: z.boolean(), next_open: instant, next_close: instant });
const WireBar = z.looseObject({ t: z.string(), o: num, h: num, l: num, c: num, v: num, vw: num.optional(), n: num.optional() });
const WireQuote = z.looseObject({ t: z.string(), ap: num, as: num, bp: num, bs: num });
const WireTrade = z.looseObject({ t: z.string(), p: num, s: num });
const WireBars = z.looseObject({ bars: z.array(WireBar).nullable().optional(), next_page_token: z.string().nullable().optional() });
const WireLatestQuote = z.looseObject({ quote: WireQuote });
const WireLatestTrade = z.looseObject({ trade: WireTrade });
const WireOptionLatestQuotes = z.looseObject({ quotes: z.record(z.string(), WireQuote) });
const WireOptionLatestTrades = z.looseObject({ trades: z.record(z.string(), WireTrade) });
const WireSnapshot = z.looseObject({
  latestTrade: WireTrade.nullable().optional(),
  latestQuote: WireQuote.nullable().optional(),
  minuteBar: WireBar.nullable().optional(),
  dailyBar: WireBar.nullable().optional(),
  prevDailyBar: WireBar.nullable().optional(),
});
const WireContracts = z.looseObject({
  option_contracts: z
    .array(
      z.looseObject({
        symbol: z.string(),
        underlying_symbol: z.string(),
        expiration_date: z.string(),
        type: z.enum(['call', 'put']),
        strike_price: num,
        open_interest: numOrNull,
        close_price: numOrNull,
      }),
    )
    .nullable()
    .optional(),
  next_page_token: z.string().nullable().optional(),
});
const WireOptionSnapshot = z.looseObject({
  latestQuote: WireQuote.nullable().optional(),
  latestTrade: WireTrade.nullable().optional(),
  impliedVolatility: numOrNull,
  greeks: z.looseObject({ delta: num, gamma: num, theta: num, vega: num }).nullable().optional(),
});
const WireOptionSnapshots = z.looseObject({
  snapshots: z.record(z.string(), WireOptionSnapshot).nullable().optional(),
  next_page_token: z.string().nullable().optional(),
});
type WireContract = NonNullable<z.output<typeof WireContracts>['option_contracts']>[number];

// ── mapping ──────────────────────────────────────────────────────────────────
const KNOWN_STATUSES = new Set<string>(ORDER_STATUSES.filter((s) => s !== 'unknown'));

export function mapStatus(raw: string): OrderStatus {
  return KNOWN_STATUSES.has(raw) ? (raw as OrderStatus) : 'unknown';
}

const side = (v: string | null | undefined): 'buy' | 'sell' | null => (v === 'buy' || v === 'sell' ? v : null);

function toOrder(w: z.output<typeof WireOrder>): BrokerOrder {
  return {
    id: w.id,
    clientOrderId: w.client_order_id,
    symbol: w.symbol ? w.symbol : null,
    side: side(w.side),
    orderClass: w.order_class || (w.legs?.length ? 'mleg' : 'simple'),
    type: w.type ?? w.order_type ?? 'unknown',
    timeInForce: w.time_in_force,
    qty: w.qty,
    notional: w.notional,
    filledQty: w.filled_qty ?? 0,
    filledAvgPrice: w.filled_avg_price,
    limitPrice: w.limit_price,
    stopPrice: w.stop_price,
    extendedHours: w.extended_hours ?? false,
    status: mapStatus(w.status),
    rawStatus: w.status,
    submittedAt: w.submitted_at,
    filledAt: w.filled_at,
    canceledAt: w.canceled_at,
    createdAt: w.created_at,
    legs: w.legs?.length
      ? w.legs.map((l) => ({ symbol: l.symbol, side: side(l.side) ?? 'buy', ratioQty: l.ratio_qty ?? 1, positionIntent: l.position_intent, filledQty: l.filled_qty ?? 0, filledAvgPrice: l.filled_avg_price }))
      : null,
  };
}

const toBar = (b: z.output<typeof WireBar>): Bar => ({ t: b.t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, ...(b.vw !== undefined ? { vw: b.vw } : {}), ...(b.n !== undefined ? { n: b.n } : {}) });
const toQuote = (symbol: string, q: z.output<typeof WireQuote>): Quote => ({ symbol, bidPrice: q.bp, bidSize: q.bs, askPrice: q.ap, askSize: q.as, timestamp: q.t });
const toTrade = (symbol: string, t: z.output<typeof WireTrade>): Trade => ({ symbol, price: t.p, size: t.s, timestamp: t.t });
const toContract = (c: WireContract): OptionContract => ({ symbol: c.symbol, underlying: c.underlying_symbol, expiration: c.expiration_date, type: c.type, strike: c.strike_price, openInterest: c.open_interest, closePrice: c.close_price });
const toOptionSnapshot = ([symbol, s]: [string, z.output<typeof WireOptionSnapshot>]): OptionSnapshot => ({
  symbol,
  latestQuote: s.latestQuote ? toQuote(symbol, s.latestQuote) : null,
  latestTrade: s.latestTrade ? toTrade(symbol, s.latestTrade) : null,
  impliedVolatility: s.impliedVolatility,
  greeks: s.greeks ? { delta: s.greeks.delta, gamma: s.greeks.gamma, theta: s.greeks.theta, vega: s.greeks.vega } : null,
});
/** The chain filters as the SDK names them (dates as the SDK's Date, sent as YYYY-MM-DD). */
const chainFilters = (req: OptionChainRequest) => ({
  ...(req.expirationGte ? { expirationDateGte: new Date(`${req.expirationGte}T00:00:00Z`) } : {}),
  ...(req.expirationLte ? { expirationDateLte: new Date(`${req.expirationLte}T00:00:00Z`) } : {}),
  ...(req.type ? { type: req.type as never } : {}),
  ...(req.strikeGte !== undefined ? { strikePriceGte: req.strikeGte } : {}),
  ...(req.strikeLte !== undefined ? { strikePriceLte: req.strikeLte } : {}),
});
/** Alpaca's per-call bounds: contracts 10,000 a page, chain snapshots 1,000 a page, 100 symbols a snapshot call. */
const CONTRACTS_PAGE_MAX = 10_000;
const SNAPSHOTS_PAGE_MAX = 1_000;
const SNAPSHOT_SYMBOLS_MAX = 100;

const TF_MINUTES: Record<Timeframe, number> = { '1Min': 1, '5Min': 5, '15Min': 15, '1Hour': 60, '1Day': 390 };

interface CallInfo {
  what: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Market-data calls: the feed asked for, so a plan refusal can say which setting to change. */
  feed?: FeedUse;
}

interface RawResponse {
  raw: { json(): Promise<unknown>; status: number };
}

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
  private readonly orders: InstanceType<Sdk['trading']['OrdersApi']>;
  private readonly accounts: InstanceType<Sdk['trading']['AccountsApi']>;
  private readonly positions: InstanceType<Sdk['trading']['PositionsApi']>;
  private readonly clock: InstanceType<Sdk['trading']['ClockApi']>;
  private readonly assets: InstanceType<Sdk['trading']['AssetsApi']>;
  private readonly stocks: InstanceType<Sdk['marketData']['StockApi']>;
  private readonly options: InstanceType<Sdk['marketData']['OptionApi']>;
  private readonly rateLimitWaitMs: number;
  private readonly stockFeed: StockFeed;
  private readonly optionsFeed: OptionsFeed;

  constructor(
    private readonly sdk: Sdk,
    private readonly opts: AlpacaBrokerOptions,
  ) {
    this.mode = opts.mode;
    this.rateLimitWaitMs = opts.rateLimitWaitMs ?? RATE_LIMIT_WAIT_MS;
    this.stockFeed = opts.stockFeed ?? 'iex';
    this.optionsFeed = opts.optionsFeed ?? 'indicative';
    const common = {
      keyId: opts.keyId,
      secret: opts.secret,
      timeoutMs: opts.timeoutMs ?? 10_000,
      rateLimit: { maxRequests: opts.rateLimitPerMin ?? LOCAL_RATE_LIMIT_PER_MIN, intervalMs: 60_000 },
      userAgent: 'tars-trading-mcp',
    };
    const { trading, marketData } = sdk;
    const tradingCfg = new trading.Configuration({ ...common, basePath: opts.baseUrl.replace(/\/+$/, '') });
    const dataCfg = new marketData.Configuration({ ...common, basePath: opts.dataUrl.replace(/\/+$/, '') });
    this.orders = new trading.OrdersApi(tradingCfg);
    this.accounts = new trading.AccountsApi(tradingCfg);
    this.positions = new trading.PositionsApi(tradingCfg);
    this.clock = new trading.ClockApi(tradingCfg);
    this.assets = new trading.AssetsApi(tradingCfg);
    this.stocks = new marketData.StockApi(dataCfg);
    this.options = new marketData.OptionApi(dataCfg);
  }

  /** One SDK call: 429 waits within the bound, every failure mapped, the body validated. */
  private async call<S extends z.ZodType>(info: CallInfo, fn: () => Promise<RawResponse>, schema: S): Promise<z.output<S>> {
    const deadline = Date.now() + this.rateLimitWaitMs;
    for (;;) {
      let response: RawResponse;
      try {
        response = await fn();
      } catch (err) {
        const waitMs = this.rateLimitWait(err, deadline);
        if (waitMs !== null) {
          this.opts.log?.warn('alpaca rate limited; waiting', { what: info.what, waitMs });
          await new Promise((r) => setTimeout(r, waitMs));
          continue;
        }
        throw this.mapError(err, info);
      }
      let body: unknown;
      try {
        body = await response.raw.json();
      } catch (err) {
        throw new ToolError('BROKER_UNAVAILABLE', `Alpaca sent an unreadable answer to ${info.what}: ${(err as Error).message}`, { status: response.raw.status, reason: 'invalid_response', possiblyReachedBroker: info.method !== 'GET' });
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new ToolError('BROKER_UNAVAILABLE', `Alpaca's answer to ${info.what} did not validate: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, {
          status: response.raw.status,
          reason: 'invalid_response',
          possiblyReachedBroker: info.method !== 'GET',
        });
      }
      return parsed.data;
    }
  }

  /** ms to wait before retrying a 429, or null when it is not a 429 or the wait does not fit the bound. */
  private rateLimitWait(err: unknown, deadline: number): number | null {
    const { errors } = this.sdk;
    if (!(err instanceof errors.ApiError) || err.status !== 429) return null;
    const waitMs = Math.max(50, err.retryAfterMs ?? 1000);
    return Date.now() + waitMs <= deadline ? waitMs : null;
  }

  private mapError(err: unknown, info: CallInfo): ToolError {
    const { errors } = this.sdk;
    const mutating = info.method !== 'GET';
    if (err instanceof ToolError) return err;
    if (err instanceof errors.ApiError) {
      const status = err.status;
      const base = { status, ...(err.code !== undefined ? { alpacaCode: err.code } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) };
      if (status === 401) return new ToolError('BROKER_UNAVAILABLE', `Alpaca refused the API keys (401): ${err.message}`, { ...base, reason: 'unauthorized', possiblyReachedBroker: false });
      if (status === 403) return dataPlanRefusal(info.feed, status, err.message, info.what, base) ?? new ToolError('BROKER_REJECTED', `Alpaca rejected ${info.what} (403): ${err.message}`, { ...base, reason: 'forbidden' });
      if (status === 400 || status === 422) {
        const duplicate = /client_order_id must be unique/i.test(err.message);
        return new ToolError('BROKER_REJECTED', `Alpaca rejected ${info.what} (${status}): ${err.message}`, { ...base, reason: duplicate ? 'duplicate_client_order_id' : 'invalid' });
      }
      if (status === 404) return new ToolError('NOT_FOUND', `Alpaca does not know ${info.what.replace(/^\w+ /, '')} (404): ${err.message}`, { ...base });
      if (status === 429) {
        return new ToolError('BROKER_UNAVAILABLE', `Alpaca is rate limiting us (429); retry in ${Math.ceil((err.retryAfterMs ?? 0) / 1000)} s`, { ...base, reason: 'rate_limited', retryAfterMs: err.retryAfterMs ?? null, possiblyReachedBroker: false });
      }
      if (status >= 500) return new ToolError('BROKER_UNAVAILABLE', `Alpaca failed on ${info.what} (${status}): ${err.message}`, { ...base, reason: 'server_error', possiblyReachedBroker: mutating });
      return new ToolError('BROKER_REJECTED', `Alpaca answered ${status} to ${info.what}: ${err.message}`, { ...base, reason: 'unexpected_status' });
    }
    if (err instanceof errors.FetchError) {
      const cause = err.cause as (Error & { cause?: { code?: string }; code?: string }) | undefined;
      const name = cause?.name ?? '';
      const code = cause?.cause?.code ?? cause?.code ?? '';
      if (name === 'TimeoutError' || name === 'AbortError') {
        return new ToolError('BROKER_UNAVAILABLE', `Alpaca did not answer ${info.what} in time`, { status: null, reason: 'timeout', possiblyReachedBroker: mutating });
      }
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
        return new ToolError('BROKER_UNAVAILABLE', `cannot connect to Alpaca for ${info.what} (${code})`, { status: null, reason: 'connection_refused', possiblyReachedBroker: false });
      }
      return new ToolError('BROKER_UNAVAILABLE', `the connection to Alpaca failed during ${info.what}: ${cause?.message ?? err.message}${code ? ` (${code})` : ''}`, { status: null, reason: 'connection_reset', possiblyReachedBroker: mutating });
    }
    return new ToolError('BROKER_UNAVAILABLE', `Alpaca call ${info.what} failed: ${(err as Error).message}`, { status: null, reason: 'client_error', possiblyReachedBroker: mutating });
  }

  // ── trading ───────────────────────────────────────────────────────────────
  async getAccount(): Promise<Account> {
    const a = await this.call({ what: 'GET /v2/account', method: 'GET' }, () => this.accounts.getAccountRaw(), WireAccount);
    return {
      id: a.id,
      status: a.status,
      currency: a.currency,
      cash: a.cash,
      equity: a.equity,
      lastEquity: a.last_equity,
      buyingPower: a.buying_power,
      daytradeCount: a.daytrade_count,
      patternDayTrader: a.pattern_day_trader,
      tradingBlocked: a.trading_blocked,
      mode: this.mode,
    };
  }

  async getPositions(): Promise<Position[]> {
    const list = await this.call({ what: 'GET /v2/positions', method: 'GET' }, () => this.positions.getAllOpenPositionsRaw(), z.array(WirePosition));
    return list.map((p) => {
      const qty = p.side === 'short' && p.qty > 0 ? -p.qty : p.qty;
      const current = p.current_price ?? p.avg_entry_price;
      const mult = p.asset_class === 'us_option' ? 100 : 1;
      const marketValue = p.market_value ?? qty * current * mult;
      return {
        symbol: p.symbol,
        assetClass: p.asset_class === 'us_option' ? 'us_option' : 'us_equity',
        qty,
        avgEntryPrice: p.avg_entry_price,
        costBasis: p.cost_basis,
        currentPrice: current,
        marketValue,
        unrealizedPl: p.unrealized_pl ?? marketValue - p.cost_basis,
      };
    });
  }

  async listOrders(filter: OrderFilter = {}): Promise<BrokerOrder[]> {
    const list = await this.call(
      { what: 'GET /v2/orders', method: 'GET' },
      () =>
        this.orders.getAllOrdersRaw({
          status: filter.status ?? 'open',
          limit: filter.limit ?? 50,
          direction: 'desc',
          ...(filter.after ? { after: filter.after } : {}),
          ...(filter.until ? { until: filter.until } : {}),
          ...(filter.symbols?.length ? { symbols: filter.symbols.join(',') } : {}),
        }),
      z.array(WireOrder),
    );
    return list.map(toOrder);
  }

  async getOrder(id: string): Promise<BrokerOrder | null> {
    try {
      return toOrder(await this.call({ what: `GET order ${id}`, method: 'GET' }, () => this.orders.getOrderByOrderIDRaw({ orderId: id }), WireOrder));
    } catch (err) {
      if (err instanceof ToolError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  async getOrderByClientId(clientOrderId: string): Promise<BrokerOrder | null> {
    try {
      return toOrder(await this.call({ what: `GET order by client_order_id ${clientOrderId}`, method: 'GET' }, () => this.orders.getOrderByClientOrderIdRaw({ clientOrderId }), WireOrder));
    } catch (err) {
      if (err instanceof ToolError && err.code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  async submitOrder(order: OrderSubmission): Promise<BrokerOrder> {
    const str = (n: number | null) => (n === null ? undefined : String(n));
    const request = {
      symbol: order.order_class === 'mleg' ? undefined : (order.symbol ?? undefined),
      side: order.side,
      type: order.type,
      timeInForce: order.time_in_force,
      qty: str(order.qty),
      notional: str(order.notional),
      limitPrice: str(order.limit_price),
      stopPrice: str(order.stop_price),
      extendedHours: order.extended_hours || undefined,
      clientOrderId: order.client_order_id,
      orderClass: order.order_class,
      legs: order.legs?.map((l) => ({ symbol: l.symbol, side: l.side, ratioQty: String(l.ratio_qty), positionIntent: l.position_intent })),
    };
    const w = await this.call(
      { what: `POST /v2/orders (client_order_id ${order.client_order_id})`, method: 'POST' },
      // The generated types are narrower than the wire (enums as string unions); the request mirrors SPEC §4 one-to-one.
      () => this.orders.postOrderRaw({ postOrderRequest: request as unknown as Parameters<typeof this.orders.postOrderRaw>[0]['postOrderRequest'] }),
      WireOrder,
    );
    return toOrder(w);
  }

  async cancelOrder(id: string): Promise<void> {
    const { errors } = this.sdk;
    const info: CallInfo = { what: `DELETE order ${id}`, method: 'DELETE' };
    const deadline = Date.now() + this.rateLimitWaitMs;
    for (;;) {
      try {
        await this.orders.deleteOrderByOrderIDRaw({ orderId: id });
        return;
      } catch (err) {
        const waitMs = this.rateLimitWait(err, deadline);
        if (waitMs !== null) {
          await new Promise((r) => setTimeout(r, waitMs));
          continue;
        }
        if (err instanceof errors.ApiError && err.status === 404) throw new ToolError('NOT_FOUND', `Alpaca has no order ${id}`, { status: 404, ...(err.code !== undefined ? { alpacaCode: err.code } : {}) });
        throw this.mapError(err, info);
      }
    }
  }

  async getClock(): Promise<Clock> {
    const c = await this.call({ what: 'GET /v2/clock', method: 'GET' }, () => this.clock.legacyClockRaw(), WireClock);
    return { timestamp: c.timestamp, isOpen: c.is_open, nextOpen: c.next_open, nextClose: c.next_close };
  }

  // ── market data ─────────────────────────────────────────────────────────────
  private stocksCall(what: string): CallInfo {
    return { what, method: 'GET', feed: { kind: 'stocks', feed: this.stockFeed } };
  }

  private optionsCall(what: string): CallInfo {
    return { what, method: 'GET', feed: { kind: 'options', feed: this.optionsFeed } };
  }

  /** Bars, paged through next_page_token. With start: the first `limit` from start; without: the latest `limit`. */
  async getBars(req: BarsRequest): Promise<Bar[]> {
    const limit = req.limit ?? 100;
    const end = req.end ? new Date(req.end) : undefined;
    const latest = !req.start;
    const tradingDays = Math.ceil((limit * TF_MINUTES[req.timeframe]) / 390);
    const start = req.start ? new Date(req.start) : new Date((end?.getTime() ?? Date.now()) - (Math.ceil(tradingDays * 1.6) + 14) * 86_400_000);
    const bars = await pageToEnd(limit, async (pageToken, want) => {
      const body = await this.call(
        this.stocksCall(`GET /v2/stocks/${req.symbol}/bars`),
        () =>
          this.stocks.stockBarSingleRaw({
            symbol: req.symbol,
            timeframe: req.timeframe,
            feed: this.stockFeed,
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

  async getLatestQuote(symbol: string): Promise<Quote> {
    if (OCC_SYMBOL.test(symbol)) {
      const body = await this.call(this.optionsCall('GET /v1beta1/options/quotes/latest'), () => this.options.optionLatestQuotesRaw({ symbols: symbol, feed: this.optionsFeed }), WireOptionLatestQuotes);
      const q = body.quotes[symbol];
      if (!q) throw new ToolError('NOT_FOUND', `Alpaca has no quote for option ${symbol}`, { status: 200 });
      return toQuote(symbol, q);
    }
    const body = await this.call(this.stocksCall(`GET /v2/stocks/${symbol}/quotes/latest`), () => this.stocks.stockLatestQuoteSingleRaw({ symbol, feed: this.stockFeed }), WireLatestQuote);
    return toQuote(symbol, body.quote);
  }

  async getLatestTrade(symbol: string): Promise<Trade> {
    if (OCC_SYMBOL.test(symbol)) {
      const body = await this.call(this.optionsCall('GET /v1beta1/options/trades/latest'), () => this.options.optionLatestTradesRaw({ symbols: symbol, feed: this.optionsFeed }), WireOptionLatestTrades);
      const tr = body.trades[symbol];
      if (!tr) throw new ToolError('NOT_FOUND', `Alpaca has no trade for option ${symbol}`, { status: 200 });
      return toTrade(symbol, tr);
    }
    const body = await this.call(this.stocksCall(`GET /v2/stocks/${symbol}/trades/latest`), () => this.stocks.stockLatestTradeSingleRaw({ symbol, feed: this.stockFeed }), WireLatestTrade);
    return toTrade(symbol, body.trade);
  }

  async getSnapshot(symbol: string): Promise<Snapshot> {
    const s = await this.call(this.stocksCall(`GET /v2/stocks/${symbol}/snapshot`), () => this.stocks.stockSnapshotSingleRaw({ symbol, feed: this.stockFeed }), WireSnapshot);
    return {
      symbol,
      latestTrade: s.latestTrade ? toTrade(symbol, s.latestTrade) : null,
      latestQuote: s.latestQuote ? toQuote(symbol, s.latestQuote) : null,
      minuteBar: s.minuteBar ? toBar(s.minuteBar) : null,
      dailyBar: s.dailyBar ? toBar(s.dailyBar) : null,
      prevDailyBar: s.prevDailyBar ? toBar(s.prevDailyBar) : null,
    };
  }

  /** Contracts paged to the end (or req.limit, default MAX_OPTION_ROWS), 10,000 a page. */
  async getOptionContracts(req: OptionChainRequest): Promise<OptionContract[]> {
    return pageToEnd(req.limit ?? MAX_OPTION_ROWS, async (pageToken, want) => {
      const body = await this.call(
        { what: 'GET /v2/options/contracts', method: 'GET' },
        () => this.assets.getOptionsContractsRaw({ underlyingSymbols: req.underlying, ...chainFilters(req), limit: Math.min(CONTRACTS_PAGE_MAX, want), ...(pageToken ? { pageToken } : {}) }),
        WireContracts,
      );
      return { items: (body.option_contracts ?? []).map(toContract), next: body.next_page_token };
    });
  }

  /** The underlying's chain snapshots paged to the end (or req.limit, default MAX_OPTION_ROWS), 1,000 a page. */
  async getOptionSnapshots(req: OptionChainRequest): Promise<OptionSnapshot[]> {
    const list = await pageToEnd(req.limit ?? MAX_OPTION_ROWS, async (pageToken, want) => {
      const body = await this.call(
        this.optionsCall(`GET /v1beta1/options/snapshots/${req.underlying}`),
        () => this.options.optionChainRaw({ underlyingSymbol: req.underlying, feed: this.optionsFeed, ...chainFilters(req), limit: Math.min(SNAPSHOTS_PAGE_MAX, want), ...(pageToken ? { pageToken } : {}) }),
        WireOptionSnapshots,
      );
      return { items: Object.entries(body.snapshots ?? {}).map(toOptionSnapshot), next: body.next_page_token };
    });
    return list.sort((a, b) => a.symbol.localeCompare(b.symbol));
  }

  /** Snapshots by OCC symbol, 100 symbols a call (Alpaca's bound), each call paged to its end. */
  async getOptionSnapshotsFor(symbols: readonly string[]): Promise<OptionSnapshot[]> {
    const out: OptionSnapshot[] = [];
    for (const batch of batches([...new Set(symbols)], SNAPSHOT_SYMBOLS_MAX)) {
      const page = await pageToEnd(batch.length, async (pageToken) => {
        const body = await this.call(
          this.optionsCall('GET /v1beta1/options/snapshots'),
          () => this.options.optionSnapshotsRaw({ symbols: batch.join(','), feed: this.optionsFeed, limit: batch.length, ...(pageToken ? { pageToken } : {}) }),
          WireOptionSnapshots,
        );
        return { items: Object.entries(body.snapshots ?? {}).map(toOptionSnapshot), next: body.next_page_token };
      });
      out.push(...page);
    }
    return out;
  }

  async close(): Promise<void> {
    // Nothing held open: the SDK uses the global fetch.
  }
}

export async function createAlpacaBroker(deps: Deps, overrides: Partial<AlpacaBrokerOptions> = {}): Promise<AlpacaBroker> {
  const { keyId, secretKey, baseUrl, dataUrl, timeoutMs, dataFeed, optionsFeed } = deps.config.alpaca;
  if (!keyId || !secretKey) throw new ToolError('BROKER_UNAVAILABLE', 'broker alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY', { status: null, reason: 'not_configured' });
  const sdk = await import('@alpacahq/alpaca-trade-api');
  return new AlpacaBroker(sdk, { keyId, secret: secretKey, baseUrl, dataUrl, mode: deps.mode, timeoutMs, stockFeed: dataFeed, optionsFeed, log: deps.log, ...overrides });
}

/** For tests and scripts without Deps. */
export async function openAlpacaBroker(opts: AlpacaBrokerOptions): Promise<AlpacaBroker> {
  return new AlpacaBroker(await import('@alpacahq/alpaca-trade-api'), opts);
}
