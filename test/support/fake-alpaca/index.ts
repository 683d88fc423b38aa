/**
 * A loopback Alpaca: two HTTP servers (trading and market data) on 127.0.0.1 that speak the
 * wire format the real Alpaca speaks (snake_case JSON, numbers as strings, `{code, message}`
 * error bodies, X-RateLimit-* headers on every answer), serving exactly the paths
 * @alpacahq/alpaca-trade-api 4.0 calls. No SDK is mocked: the adapter's real HTTP path runs.
 *
 * Trading API (tradingUrl):
 *   GET    /v2/account                 401 on bad keys (APCA-API-KEY-ID / APCA-API-SECRET-KEY); options
 *                                      fields (options_buying_power, options_approved_level, options_trading_level)
 *   GET    /v2/positions
 *   GET    /v2/orders                  ?status=open|closed|all (default open) &symbols=A,B &after &until
 *                                      &limit (default 50, max 500) &direction=asc|desc (default desc)
 *                                      &nested=true (exits under their parent; else exits listed on their own)
 *   POST   /v2/orders                  every kind (simple, bracket, oco, oto, mleg; trailing_stop; OCC
 *                                      symbols), refused as Alpaca refuses (order-rules.ts): 422 {code, message}
 *                                      for a malformed or unprocessable order, 403 {code:40310000,"insufficient
 *                                      buying power"}; 422 {code:40010001,"client_order_id must be unique"}
 *   GET    /v2/orders/{id}             ?nested; 404 {code:40410000}
 *   PATCH  /v2/orders/{id}             replace: a new order (new id, `replaces`), the old one `replaced` with
 *                                      `replaced_by`; 422 {code:42210000} for an order done or pending
 *   GET    /v2/orders:by_client_order_id?client_order_id=   404 when unknown
 *   DELETE /v2/orders/{id}             204 (a bracket's exits go with it); 404 unknown; 422 `order is already in "filled" state`
 *   GET    /v2/clock                   New York offsets with nanoseconds (2022-05-16T16:32:24.143735880-04:00).
 *                                      Default: a session pinned open (so the gate's market-hours check does
 *                                      not depend on the hour the suite runs); `clock: 'calendar'` follows the
 *                                      NYSE calendar; setClock() pins any answer.
 *   GET    /v2/account/activities/FILL  ?direction=asc|desc &after &page_size (≤ 100) &page_token: every fill the
 *                                      book made, in posting order (activities.ts; knobs: activities.pageSize,
 *                                      activities.reversePages, activities.post() for duplicates and late fills)
 *   GET    /v2/options/contracts       ?underlying_symbols &expiration_date_gte/lte &type &strike_price_gte/lte
 *                                      &limit &page_token, in expiration order, pages of min(limit, contractsPageSize)
 * Market data API (dataUrl): see market-data.ts (bars, quotes, trades, snapshots, option chains,
 * the data plan's 403s). Orders and their fills: order-book.ts; Alpaca's refusals: order-rules.ts.
 *
 * Faults on demand — `fail(rule)` queues a rule; the first matching rule answers instead of the
 * normal handler and is used up after `times` matches (default 1; Infinity = sticky):
 *   { status: 401|403|404|422|429|5xx }   Alpaca's JSON body for that status (override with `body`);
 *                                         429 carries X-RateLimit-Remaining: 0 and X-RateLimit-Reset
 *                                         (unix seconds, now + resetInSec, default 1) and, when
 *                                         `retryAfterSec` is set, Retry-After. NOT recorded as accepted.
 *   { latencyMs }                         delay, then answer normally (or with `status` if given)
 *   { mode: 'hang' }                      never answer (the client times out); nothing is processed
 *   { mode: 'reset' }                     destroy the socket without answering; nothing is processed
 *   { mode: 'accept-then-hang' }          PROCESS the request (a POST /v2/orders is accepted, stored and
 *                                         appears in submittedOrders and by client_order_id), then never answer
 *   { mode: 'accept-then-reset' }         process it, then destroy the socket
 *   { mode: 'accept-then-status', status } process it, then answer with that error status (e.g. 500/504)
 * Match with `method`, `path` (exact string or RegExp on the path without query) and `api`
 * ('trading' | 'data'). Every request is logged in `requests` with the status answered
 * ('hang' / 'reset' when there was none) and the JSON body exactly as sent.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ActivityLog } from './activities.js';
import { alpacaClockTime, clockAt, defaultAccount, errorBody } from './bodies.js';
import {
  createMarketState,
  handleContracts,
  handleData,
  hashPrice,
  optionQuoteFor,
  quoteFor,
  type DataPlan,
  type Outcome,
  type WireBar,
  type WireQuote,
} from './market-data.js';
import { OrderBook } from './order-book.js';
import type { Api, ClockAnswer, FailRule, FakeAlpaca, FakeAlpacaOptions, FillOptions, RecordedAlpacaRequest, WireOrder } from './types.js';

export { alpacaClockTime } from './bodies.js';
export type { ActivityLog, FillActivity } from './activities.js';
export type { DataPlan, WireBar, WireQuote } from './market-data.js';
export type { Api, FailRule, FakeAlpaca, FakeAlpacaOptions, FillOptions, RecordedAlpacaRequest, WireOrder } from './types.js';

const rateHeaders = (remaining = 199, resetInSec = 60): Record<string, string> => ({
  'X-RateLimit-Limit': '200',
  'X-RateLimit-Remaining': String(remaining),
  'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + resetInSec),
  'X-Request-ID': randomUUID().replace(/-/g, ''),
});

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { ...rateHeaders(), ...(text ? { 'Content-Type': 'application/json; charset=UTF-8' } : {}), ...headers });
  res.end(text);
}

interface TradingState {
  account: Record<string, unknown>;
  positions: () => Array<Record<string, unknown>>;
  clock: () => ClockAnswer;
  book: OrderBook;
  market: ReturnType<typeof createMarketState>;
  activities: ActivityLog;
}

function handleTrading(t: TradingState, method: string, path: string, q: URLSearchParams, body: unknown): Outcome {
  if (method === 'GET' && path === '/v2/account') return { status: 200, body: t.account };
  if (method === 'GET' && path === '/v2/positions') return { status: 200, body: t.positions() };
  if (method === 'GET' && path === '/v2/clock') return { status: 200, body: t.clock() };
  if (method === 'GET' && path === '/v2/orders:by_client_order_id') return t.book.byClientId(q.get('client_order_id') ?? '');
  if (method === 'GET' && path === '/v2/orders') return t.book.list(q);
  if (method === 'POST' && path === '/v2/orders') return t.book.submit(body);
  const byId = /^\/v2\/orders\/([^/]+)$/.exec(path);
  const id = byId ? decodeURIComponent(byId[1]!) : '';
  if (byId && method === 'GET') return t.book.get(id, q.get('nested') === 'true');
  if (byId && method === 'PATCH') return t.book.replace(id, body);
  if (byId && method === 'DELETE') return t.book.cancel(id);
  if (method === 'GET' && path === '/v2/options/contracts') return handleContracts(t.market, q);
  const activity = /^\/v2\/account\/activities\/([A-Z]+)$/.exec(path);
  if (method === 'GET' && activity) return t.activities.handle(activity[1]!, q);
  return { status: 404, body: errorBody(404, `route not found: ${method} ${path}`) };
}

type Rules = Array<FailRule & { left: number }>;

function matchRule(rules: Rules, api: Api, method: string, path: string): (FailRule & { left: number }) | null {
  const i = rules.findIndex(
    (r) => (!r.api || r.api === api) && (!r.method || r.method === method) && (!r.path || (typeof r.path === 'string' ? r.path === path : r.path.test(path))),
  );
  if (i < 0) return null;
  const rule = rules[i]!;
  rule.left -= 1;
  if (rule.left <= 0) rules.splice(i, 1);
  return rule;
}

function record(api: Api, req: IncomingMessage, text: string): { entry: RecordedAlpacaRequest; url: URL } {
  const url = new URL(req.url ?? '/', 'http://fake');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
  return {
    entry: { api, method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body, status: 0, at: Date.now(), headers },
    url,
  };
}

/** A rule's answer that replaces the request's processing; true when it answered (or chose never to). */
function answerBefore(rule: FailRule | null, entry: RecordedAlpacaRequest, req: IncomingMessage, res: ServerResponse): boolean {
  const mode = rule?.mode ?? (rule?.status ? 'status' : undefined);
  if (mode === 'hang') entry.status = 'hang';
  else if (mode === 'reset') {
    entry.status = 'reset';
    req.socket.destroy();
  } else if (mode === 'status' && rule?.status) {
    entry.status = rule.status;
    const extra: Record<string, string> = { ...(rule.headers ?? {}) };
    if (rule.status === 429) {
      Object.assign(extra, rateHeaders(0, rule.resetInSec ?? 1), rule.headers ?? {});
      if (rule.retryAfterSec !== undefined) extra['Retry-After'] = String(rule.retryAfterSec);
    }
    send(res, rule.status, rule.body ?? errorBody(rule.status), extra);
  } else return false;
  return true;
}

/** A rule's answer after the request was processed (accept-then-*); true when it answered (or chose never to). */
function answerAfter(rule: FailRule | null, entry: RecordedAlpacaRequest, req: IncomingMessage, res: ServerResponse): boolean {
  if (rule?.mode === 'accept-then-hang') entry.status = 'hang';
  else if (rule?.mode === 'accept-then-reset') {
    entry.status = 'reset';
    req.socket.destroy();
  } else if (rule?.mode === 'accept-then-status' && rule.status) {
    entry.status = rule.status;
    send(res, rule.status, rule.body ?? errorBody(rule.status), rule.headers);
  } else return false;
  return true;
}

/** The loopback Alpaca's state and its two servers; every accessor and method is the FakeAlpaca handle's. */
class LoopbackAlpaca implements FakeAlpaca {
  tradingUrl = '';
  dataUrl = '';
  readonly keyId: string;
  readonly secret: string;
  readonly requests: RecordedAlpacaRequest[] = [];
  nextOrderStatus = 'new';
  private readonly rules: Rules = [];
  private readonly sockets = new Set<Socket>();
  private readonly servers: Server[] = [];
  private positions: Array<Record<string, unknown>> = [];
  private clock: ClockAnswer | null = null;
  // setNow() moves the fake's now; it then runs on from there in real time.
  private pinnedNow: number | null = null;
  private pinnedAt = Date.now();
  private readonly market = createMarketState(() => this.now());
  private readonly account = defaultAccount();
  private readonly book: OrderBook;
  private readonly trading: TradingState;
  readonly activities = new ActivityLog();

  constructor(private readonly options: FakeAlpacaOptions) {
    this.keyId = options.keyId ?? 'fake-key-id';
    this.secret = options.secret ?? 'fake-secret-key';
    this.market.plan = options.dataPlan ?? 'basic';
    const market = this.market;
    this.book = new OrderBook({
      account: this.account,
      quote: (symbol) => quoteFor(market, symbol),
      optionQuote: (symbol) => optionQuoteFor(market, symbol),
      optionAsk: (symbol) => optionQuoteFor(market, symbol)?.ap ?? null,
      nextStatus: () => this.nextOrderStatus,
      onFill: (o, qty, price, cum, leaves) => this.activities.record(o, qty, price, cum, leaves),
    });
    this.trading = {
      account: this.account,
      positions: () => this.positions,
      clock: () => this.clock ?? clockAt(this.now(), options.clock ?? 'open'),
      book: this.book,
      market,
      activities: this.activities,
    };
  }

  async start(): Promise<this> {
    this.tradingUrl = await this.listen(createServer(this.listener('trading')));
    this.dataUrl = await this.listen(createServer(this.listener('data')));
    return this;
  }

  private now(): Date {
    return this.pinnedNow === null ? new Date() : new Date(this.pinnedNow + (Date.now() - this.pinnedAt));
  }

  private async listen(server: Server): Promise<string> {
    this.servers.push(server);
    server.on('connection', (sock) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
    });
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  private listener(api: Api) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.answer(api, req, res, Buffer.concat(chunks).toString('utf8')));
    };
  }

  /** Log, apply a fault rule, authenticate as Alpaca does (before anything else), then process and answer. */
  private async answer(api: Api, req: IncomingMessage, res: ServerResponse, text: string): Promise<void> {
    const { entry, url } = record(api, req, text);
    this.requests.push(entry);
    const rule = matchRule(this.rules, api, entry.method, entry.path);
    if (rule?.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
    if (answerBefore(rule, entry, req, res)) return;
    if (req.headers['apca-api-key-id'] !== this.keyId || req.headers['apca-api-secret-key'] !== this.secret) {
      entry.status = 401;
      send(res, 401, api === 'data' ? { message: 'forbidden.' } : errorBody(401));
      return;
    }
    const outcome =
      api === 'trading'
        ? handleTrading(this.trading, entry.method, entry.path, url.searchParams, entry.body)
        : handleData(this.market, entry.method, entry.path, url.searchParams);
    if (answerAfter(rule, entry, req, res)) return;
    entry.status = outcome.status;
    send(res, outcome.status, outcome.body, outcome.headers);
  }

  get submittedOrders(): WireOrder[] {
    return this.book.submitted;
  }
  get orders(): Map<string, WireOrder> {
    return this.book.orders;
  }
  get barsPageSize() {
    return this.market.pageSize.bars;
  }
  set barsPageSize(n: number) {
    this.market.pageSize.bars = n;
  }
  get contractsPageSize() {
    return this.market.pageSize.contracts;
  }
  set contractsPageSize(n: number) {
    this.market.pageSize.contracts = n;
  }
  get snapshotsPageSize() {
    return this.market.pageSize.snapshots;
  }
  set snapshotsPageSize(n: number) {
    this.market.pageSize.snapshots = n;
  }
  get dataPlan(): DataPlan {
    return this.market.plan;
  }
  set dataPlan(plan: DataPlan) {
    this.market.plan = plan;
  }

  fail(rule: FailRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }
  clearFailures(): void {
    this.rules.length = 0;
  }
  setAccount(patch: Record<string, unknown>): void {
    Object.assign(this.account, patch);
  }
  setPositions(list: Array<Record<string, unknown>>): void {
    this.positions = list;
  }
  setQuote(symbol: string, quote: Partial<WireQuote>): void {
    const mid = hashPrice(symbol);
    this.market.quotes.set(symbol, { bp: mid - 0.05, ap: mid + 0.05, bs: 3, as: 4, t: new Date().toISOString(), ...this.market.quotes.get(symbol), ...quote });
  }
  setTrade(symbol: string, trade: { p: number; s?: number; t?: string }): void {
    this.market.trades.set(symbol, { p: trade.p, s: trade.s ?? 100, t: trade.t ?? new Date().toISOString() });
  }
  setBars(symbol: string, list: WireBar[]): void {
    this.market.bars.set(
      symbol,
      [...list].sort((a, b) => a.t.localeCompare(b.t)),
    );
  }
  setClock(c: ClockAnswer): void {
    if (c.timestamp) this.setNow(c.timestamp);
    this.clock = { timestamp: alpacaClockTime(this.now()), ...c };
  }
  setNow(instant: string): void {
    this.pinnedNow = Date.parse(instant);
    this.pinnedAt = Date.now();
  }
  addOrder(fields: Partial<WireOrder> & { symbol: string }): WireOrder {
    return this.book.add(fields);
  }
  addMlegOrder(
    clientOrderId: string,
    qty: number,
    legs: Array<{ symbol: string; side: 'buy' | 'sell'; ratio_qty?: number; position_intent?: string }>,
  ): WireOrder {
    return this.book.addBody({ order_class: 'mleg', qty: String(qty), type: 'limit', limit_price: '1', time_in_force: 'day', legs }, clientOrderId);
  }
  fill(orderId: string, options?: FillOptions): WireOrder {
    return this.book.fill(orderId, options);
  }
  exitsOf(orderId: string): WireOrder[] {
    return this.book.exitsOf(orderId);
  }
  setOptionContracts(underlying: string, list: Array<Record<string, unknown>>): void {
    this.market.contracts.set(underlying, list);
  }
  setOptionSnapshots(underlying: string, snaps: Record<string, Record<string, unknown>>): void {
    this.market.optionSnaps.set(underlying, snaps);
  }
  count(method: string, path: string | RegExp, api?: Api): number {
    return this.requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)) && (!api || r.api === api))
      .length;
  }
  async close(): Promise<void> {
    for (const sock of this.sockets) sock.destroy();
    await Promise.all(this.servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  }
}

export function startFakeAlpaca(options: FakeAlpacaOptions = {}): Promise<FakeAlpaca> {
  return new LoopbackAlpaca(options).start();
}
