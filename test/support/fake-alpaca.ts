/**
 * A loopback Alpaca: two HTTP servers (trading and market data) on 127.0.0.1 that speak the
 * wire format the real Alpaca speaks (snake_case JSON, numbers as strings, `{code, message}`
 * error bodies, X-RateLimit-* headers on every answer), serving exactly the paths
 * @alpacahq/alpaca-trade-api 4.0 calls. No SDK is mocked: the adapter's real HTTP path runs.
 *
 * Trading API (tradingUrl):
 *   GET    /v2/account                 401 on bad keys (APCA-API-KEY-ID / APCA-API-SECRET-KEY)
 *   GET    /v2/positions
 *   GET    /v2/orders                  ?status=open|closed|all (default open) &symbols=A,B &after &until
 *                                      &limit (default 50, max 500) &direction=asc|desc (default desc)
 *   POST   /v2/orders                  403 {code:40310000,"insufficient buying power"} when qty×price >
 *                                      buying_power; 422 {code:40010001,"client_order_id must be unique"}
 *                                      on a reused client_order_id; accepted orders land in submittedOrders
 *   GET    /v2/orders/{id}             404 {code:40410000}
 *   GET    /v2/orders:by_client_order_id?client_order_id=   404 when unknown
 *   DELETE /v2/orders/{id}             204; 404 unknown; 422 `order is already in "filled" state`
 *   GET    /v2/clock                   Alpaca's format: New York offsets with nanoseconds
 *                                      (2022-05-16T16:32:24.143735880-04:00). Default: a session pinned
 *                                      open (so the gate's market-hours check does not depend on the hour
 *                                      the suite runs); `clock: 'calendar'` follows the NYSE calendar;
 *                                      setClock() pins any answer.
 *   GET    /v2/options/contracts       ?underlying_symbols &expiration_date_gte/lte &type &strike_price_gte/lte
 *                                      &limit &page_token, in expiration order, pages of min(limit, contractsPageSize)
 * Market data API (dataUrl), see fake-alpaca-data.ts (bodies, paging, the data plan's 403s):
 *   GET /v2/stocks/{sym}/bars          ?timeframe &start &end &limit &page_token &sort &feed → {bars, symbol, next_page_token}
 *                                      pages of min(limit, barsPageSize) bars
 *   GET /v2/stocks/{sym}/quotes/latest, /v2/stocks/{sym}/trades/latest, /v2/stocks/{sym}/snapshot,
 *       /v2/stocks/snapshots?symbols=
 *   GET /v1beta1/options/snapshots/{underlying}   ?type &expiration_date_gte/lte &strike_price_gte/lte &limit &page_token &feed
 *   GET /v1beta1/options/snapshots?symbols=       (at most 100 OCC symbols) &limit &page_token &feed
 *   GET /v1beta1/options/quotes/latest?symbols=, /v1beta1/options/trades/latest?symbols=  (OCC symbols)
 *   `dataPlan` 'basic' (default, Alpaca's free plan) refuses feed=sip / feed=opra with Alpaca's 403.
 * Bodies follow Alpaca's recorded ones (alpaca-py tests, Alpaca's reference): numbers as strings in
 * trading bodies (`qty: "1"`, as Alpaca's Order schema types it; alpaca-py's hand-edited `qty: 1`
 * is the exception our adapter also accepts); a multi-leg parent carries `symbol: ""`, `side: ""`,
 * `asset_class: ""`, its legs `type: ""` and `ratio_qty`; the account its options fields.
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
 * ('hang' / 'reset' when there was none).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { easternOffsetHours, marketClock } from '../../src/broker/calendar.js';
import {
  createMarketState,
  handleContracts,
  handleData,
  hashPrice,
  quoteFor as marketQuote,
  type DataPlan,
  type Outcome,
  type WireBar,
  type WireQuote,
} from './fake-alpaca-data.js';

export type { DataPlan, WireBar, WireQuote } from './fake-alpaca-data.js';

export type Api = 'trading' | 'data';

export interface RecordedAlpacaRequest {
  api: Api;
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number | 'hang' | 'reset';
  at: number;
  headers: Record<string, string>;
}

export interface FailRule {
  api?: Api;
  method?: string;
  path?: string | RegExp;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  latencyMs?: number;
  mode?: 'status' | 'hang' | 'reset' | 'accept-then-hang' | 'accept-then-reset' | 'accept-then-status';
  /** 429: seconds until X-RateLimit-Reset (default 1). */
  resetInSec?: number;
  /** 429: adds Retry-After in seconds. */
  retryAfterSec?: number;
  times?: number;
}

export type WireOrder = Record<string, unknown> & { id: string; client_order_id: string; status: string; symbol: string };

export interface FakeAlpacaOptions {
  host?: string;
  keyId?: string;
  secret?: string;
  /** 'open' (default): a session pinned open; 'calendar': the NYSE calendar at the fake's now. */
  clock?: 'open' | 'calendar';
  /** Alpaca's market-data subscription (default 'basic', the free plan). */
  dataPlan?: DataPlan;
}

interface ClockAnswer {
  is_open: boolean;
  next_open: string;
  next_close: string;
  timestamp?: string;
}

export interface FakeAlpaca {
  tradingUrl: string;
  dataUrl: string;
  keyId: string;
  secret: string;
  requests: RecordedAlpacaRequest[];
  /** Orders the fake ACCEPTED (in arrival order), in Alpaca's wire format. */
  submittedOrders: WireOrder[];
  /** Every order the fake knows, by id (submitted ones plus seeded ones). */
  orders: Map<string, WireOrder>;
  fail(rule: FailRule): void;
  clearFailures(): void;
  setAccount(patch: Record<string, unknown>): void;
  setPositions(positions: Array<Record<string, unknown>>): void;
  setQuote(symbol: string, quote: Partial<WireQuote>): void;
  setTrade(symbol: string, trade: { p: number; s?: number; t?: string }): void;
  setBars(symbol: string, bars: WireBar[]): void;
  /** Bars per page (Alpaca's page size is the request's limit; this caps it to force paging in tests). */
  barsPageSize: number;
  /** Option contracts per page (Alpaca: the request's limit, at most 10,000). */
  contractsPageSize: number;
  /** Option snapshots per page (Alpaca: the request's limit, at most 1,000). */
  snapshotsPageSize: number;
  /** The market-data plan of the keys: 'basic' refuses feed=sip and feed=opra with Alpaca's 403. */
  dataPlan: DataPlan;
  /** Pin the clock's answer; `timestamp` (any ISO instant) also moves the fake's now (see setNow). */
  setClock(clock: ClockAnswer): void;
  /** Move the fake's now (the clock, generated chains, plan checks); it runs on from there in real time. */
  setNow(instant: string): void;
  /** Status given to accepted orders: 'new' (default), 'filled' (at the quote), or any raw string. */
  nextOrderStatus: string;
  /** Seed an order (any status, any raw fields) as if Alpaca had it already. */
  addOrder(order: Partial<WireOrder> & { symbol: string }): WireOrder;
  setOptionContracts(underlying: string, contracts: Array<Record<string, unknown>>): void;
  setOptionSnapshots(underlying: string, snapshots: Record<string, Record<string, unknown>>): void;
  /** Requests matching a predicate (convenience for assertions). */
  count(method: string, path: string | RegExp, api?: Api): number;
  close(): Promise<void>;
}

const ERROR_BODIES: Record<number, { code: number; message: string }> = {
  400: { code: 40010000, message: 'request body format is invalid' },
  401: { code: 40110000, message: 'request is not authorized' },
  403: { code: 40310000, message: 'insufficient buying power' },
  404: { code: 40410000, message: 'resource not found' },
  422: { code: 40010001, message: 'client_order_id must be unique' },
  429: { code: 42910000, message: 'rate limit exceeded' },
  500: { code: 50010000, message: 'internal server error occurred' },
  502: { code: 50210000, message: 'bad gateway' },
  503: { code: 50310000, message: 'service unavailable' },
  504: { code: 50410000, message: 'gateway timeout' },
};

const s = (n: number) => String(Math.round(n * 1e6) / 1e6);

/** An instant as Alpaca's clock writes it: New York wall time, nanoseconds, offset (2022-05-16T16:32:24.143000000-04:00). */
export function alpacaClockTime(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  const offset = easternOffsetHours(ms);
  const wall = new Date(ms + offset * 3_600_000).toISOString().slice(0, 23);
  return `${wall}000000${offset < 0 ? '-' : '+'}${String(Math.abs(offset)).padStart(2, '0')}:00`;
}

export async function startFakeAlpaca(options: FakeAlpacaOptions = {}): Promise<FakeAlpaca> {
  const host = options.host ?? '127.0.0.1';
  const keyId = options.keyId ?? 'fake-key-id';
  const secret = options.secret ?? 'fake-secret-key';
  const requests: RecordedAlpacaRequest[] = [];
  const submittedOrders: WireOrder[] = [];
  const orders = new Map<string, WireOrder>();
  const rules: Array<FailRule & { left: number }> = [];
  const sockets = new Set<Socket>();
  let positions: Array<Record<string, unknown>> = [];
  let clock: ClockAnswer | null = null;
  // setClock({timestamp}) moves the fake's now; it then runs on from there in real time.
  let pinnedNow: number | null = null;
  let pinnedAt = Date.now();
  const now = () => (pinnedNow === null ? new Date() : new Date(pinnedNow + (Date.now() - pinnedAt)));
  const market = createMarketState(now);
  market.plan = options.dataPlan ?? 'basic';
  const account: Record<string, unknown> = {
    id: 'f4ke0000-0000-4000-8000-000000000001',
    account_number: 'PA0FAKE0001',
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    cash: '100000',
    portfolio_value: '100000',
    equity: '100000',
    last_equity: '99500.5',
    long_market_value: '0',
    short_market_value: '0',
    buying_power: '200000',
    regt_buying_power: '200000',
    daytrading_buying_power: '400000',
    effective_buying_power: '200000',
    non_marginable_buying_power: '100000',
    options_buying_power: '100000',
    bod_dtbp: '0',
    accrued_fees: '0',
    initial_margin: '0',
    maintenance_margin: '0',
    sma: '0',
    multiplier: '2',
    daytrade_count: 0,
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    shorting_enabled: true,
    trade_suspended_by_user: false,
    options_approved_level: 3,
    options_trading_level: 3,
    last_maintenance_margin: '0',
    created_at: '2024-01-02T15:00:00Z',
  };

  const quoteFor = (symbol: string): WireQuote => marketQuote(market, symbol);

  /** /v2/clock: pinned by setClock, else a pinned-open session or the calendar, in Alpaca's format. */
  const clockBody = (): ClockAnswer => {
    if (clock) return clock;
    const at = now();
    if ((options.clock ?? 'open') === 'calendar') {
      const c = marketClock(at);
      return { timestamp: alpacaClockTime(at), is_open: c.isOpen, next_open: alpacaClockTime(c.nextOpen), next_close: alpacaClockTime(c.nextClose) };
    }
    return {
      timestamp: alpacaClockTime(at),
      is_open: true,
      next_open: alpacaClockTime(new Date(at.getTime() + 86_400_000)),
      next_close: alpacaClockTime(new Date(at.getTime() + 3_600_000)),
    };
  };

  const makeOrder = (fields: Partial<WireOrder> & { symbol: string }): WireOrder => {
    const now = new Date().toISOString();
    return {
      id: randomUUID(),
      client_order_id: randomUUID(),
      created_at: now,
      updated_at: now,
      submitted_at: now,
      filled_at: null,
      expired_at: null,
      canceled_at: null,
      failed_at: null,
      replaced_at: null,
      replaced_by: null,
      replaces: null,
      asset_id: randomUUID(),
      asset_class: 'us_equity',
      notional: null,
      qty: '1',
      filled_qty: '0',
      filled_avg_price: null,
      order_class: 'simple',
      order_type: 'market',
      type: 'market',
      side: 'buy',
      position_intent: 'buy_to_open',
      time_in_force: 'day',
      limit_price: null,
      stop_price: null,
      status: 'new',
      extended_hours: false,
      legs: null,
      trail_percent: null,
      trail_price: null,
      hwm: null,
      subtag: null,
      source: null,
      ...fields,
    } as WireOrder;
  };

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

  function errorBody(status: number, message?: string, code?: number): { code: number; message: string } {
    const base = ERROR_BODIES[status] ?? { code: status * 100_000, message: `error ${status}` };
    return { code: code ?? base.code, message: message ?? base.message };
  }

  // ── the normal handlers ────────────────────────────────────────────────────
  function handleTrading(method: string, path: string, q: URLSearchParams, body: unknown): Outcome {
    if (method === 'GET' && path === '/v2/account') return { status: 200, body: account };
    if (method === 'GET' && path === '/v2/positions') return { status: 200, body: positions };
    if (method === 'GET' && path === '/v2/clock') return { status: 200, body: clockBody() };
    if (method === 'GET' && path === '/v2/orders:by_client_order_id') {
      const coid = q.get('client_order_id') ?? '';
      const found = [...orders.values()].find((o) => o.client_order_id === coid);
      return found ? { status: 200, body: found } : { status: 404, body: errorBody(404, 'order not found') };
    }
    if (method === 'GET' && path === '/v2/orders') {
      const status = q.get('status') ?? 'open';
      const limit = Math.min(Number(q.get('limit') ?? 50), 500);
      const symbols = q.get('symbols')?.split(',').filter(Boolean);
      const after = q.get('after');
      const until = q.get('until');
      const closed = new Set(['filled', 'canceled', 'expired', 'replaced', 'rejected', 'done_for_day', 'stopped']);
      let list = [...orders.values()].filter((o) => (status === 'all' ? true : status === 'closed' ? closed.has(o.status) : !closed.has(o.status)));
      if (symbols) list = list.filter((o) => symbols.includes(o.symbol));
      if (after) list = list.filter((o) => String(o.submitted_at) > new Date(after).toISOString());
      if (until) list = list.filter((o) => String(o.submitted_at) < new Date(until).toISOString());
      list.sort((a, b) => String(a.submitted_at).localeCompare(String(b.submitted_at)));
      if ((q.get('direction') ?? 'desc') === 'desc') list.reverse();
      return { status: 200, body: list.slice(0, limit) };
    }
    const byId = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (byId && method === 'GET') {
      const o = orders.get(decodeURIComponent(byId[1]!));
      return o ? { status: 200, body: o } : { status: 404, body: errorBody(404, 'order not found') };
    }
    if (byId && method === 'DELETE') {
      const o = orders.get(decodeURIComponent(byId[1]!));
      if (!o) return { status: 404, body: errorBody(404, 'order not found') };
      if (['filled', 'canceled', 'expired', 'rejected', 'replaced'].includes(o.status))
        return { status: 422, body: errorBody(422, `order is already in "${o.status}" state`, 42210000) };
      o.status = 'canceled';
      o.canceled_at = new Date().toISOString();
      o.updated_at = o.canceled_at;
      return { status: 204 };
    }
    if (method === 'POST' && path === '/v2/orders') return submit(body);
    if (method === 'GET' && path === '/v2/options/contracts') return handleContracts(market, q);
    return { status: 404, body: errorBody(404, `route not found: ${method} ${path}`) };
  }

  function submit(raw: unknown): Outcome {
    const b = (raw ?? {}) as Record<string, unknown>;
    const coid = typeof b.client_order_id === 'string' && b.client_order_id ? b.client_order_id : randomUUID();
    if ([...orders.values()].some((o) => o.client_order_id === coid)) return { status: 422, body: errorBody(422, 'client_order_id must be unique') };
    if (typeof b.type !== 'string' || typeof b.time_in_force !== 'string')
      return { status: 422, body: errorBody(422, 'invalid order type or time_in_force', 40010000) };
    const isMleg = b.order_class === 'mleg';
    const symbol = isMleg ? '' : String(b.symbol ?? '');
    if (!isMleg && !symbol) return { status: 422, body: errorBody(422, 'symbol is required', 40010000) };
    const qty = b.qty !== undefined ? Number(b.qty) : null;
    const notional = b.notional !== undefined ? Number(b.notional) : null;
    const q = isMleg ? null : quoteFor(symbol);
    const price = b.limit_price !== undefined ? Math.abs(Number(b.limit_price)) : q ? q.ap : 1;
    const cost = isMleg ? (qty ?? 1) * price * 100 : (notional ?? (qty ?? 0) * price);
    if (b.side === 'buy' && cost > Number(account.buying_power)) return { status: 403, body: errorBody(403, 'insufficient buying power') };
    const now = new Date().toISOString();
    const fill = nextOrderStatus === 'filled';
    const order = makeOrder({
      client_order_id: coid,
      symbol,
      // A multi-leg parent names no asset and no side (Alpaca's recorded mleg body); its legs do.
      asset_class: isMleg ? '' : 'us_equity',
      ...(isMleg ? { asset_id: '' } : {}),
      qty: qty !== null ? s(qty) : null,
      notional: notional !== null ? s(notional) : null,
      side: isMleg ? '' : String(b.side ?? ''),
      type: String(b.type),
      order_type: String(b.type),
      order_class: String(b.order_class ?? 'simple'),
      time_in_force: String(b.time_in_force),
      limit_price: b.limit_price !== undefined ? String(b.limit_price) : null,
      stop_price: b.stop_price !== undefined ? String(b.stop_price) : null,
      extended_hours: b.extended_hours === true,
      status: nextOrderStatus,
      filled_qty: fill ? s(qty ?? (notional ?? 0) / price) : '0',
      filled_avg_price: fill ? s(q ? (b.side === 'sell' ? q.bp : q.ap) : price) : null,
      filled_at: fill ? now : null,
      legs: isMleg
        ? (Array.isArray(b.legs) ? (b.legs as Array<Record<string, unknown>>) : []).map((l) =>
            makeOrder({
              symbol: String(l.symbol),
              side: String(l.side),
              ratio_qty: String(l.ratio_qty ?? '1'),
              position_intent: String(l.position_intent ?? ''),
              asset_class: 'us_option',
              qty: s((qty ?? 1) * Number(l.ratio_qty ?? 1)),
              type: '',
              order_type: '',
              time_in_force: String(b.time_in_force),
              status: nextOrderStatus,
              order_class: 'mleg',
            }),
          )
        : null,
    });
    if (isMleg) delete order.position_intent;
    orders.set(order.id, order);
    submittedOrders.push(order);
    return { status: 200, body: order };
  }

  // ── the server ─────────────────────────────────────────────────────────────
  const matchRule = (api: Api, method: string, path: string) => {
    const i = rules.findIndex(
      (r) => (!r.api || r.api === api) && (!r.method || r.method === method) && (!r.path || (typeof r.path === 'string' ? r.path === path : r.path.test(path))),
    );
    if (i < 0) return null;
    const rule = rules[i]!;
    rule.left -= 1;
    if (rule.left <= 0) rules.splice(i, 1);
    return rule;
  };

  const listener = (api: Api) => (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = text;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const entry: RecordedAlpacaRequest = {
          api,
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          body,
          status: 0,
          at: Date.now(),
          headers,
        };
        requests.push(entry);
        const rule = matchRule(api, entry.method, entry.path);
        if (rule?.latencyMs) await new Promise((r) => setTimeout(r, rule.latencyMs));
        const mode = rule?.mode ?? (rule?.status ? 'status' : undefined);
        if (mode === 'hang') {
          entry.status = 'hang';
          return;
        }
        if (mode === 'reset') {
          entry.status = 'reset';
          req.socket.destroy();
          return;
        }
        if (mode === 'status' && rule?.status) {
          entry.status = rule.status;
          const extra: Record<string, string> = { ...(rule.headers ?? {}) };
          if (rule.status === 429) {
            Object.assign(extra, rateHeaders(0, rule.resetInSec ?? 1), rule.headers ?? {});
            if (rule.retryAfterSec !== undefined) extra['Retry-After'] = String(rule.retryAfterSec);
          }
          send(res, rule.status, rule.body ?? errorBody(rule.status), extra);
          return;
        }
        // Authentication, as Alpaca checks it before anything else.
        if (req.headers['apca-api-key-id'] !== keyId || req.headers['apca-api-secret-key'] !== secret) {
          entry.status = 401;
          send(res, 401, api === 'data' ? { message: 'forbidden.' } : errorBody(401));
          return;
        }
        const outcome =
          api === 'trading' ? handleTrading(entry.method, entry.path, url.searchParams, body) : handleData(market, entry.method, entry.path, url.searchParams);
        if (mode === 'accept-then-hang') {
          entry.status = 'hang';
          return;
        }
        if (mode === 'accept-then-reset') {
          entry.status = 'reset';
          req.socket.destroy();
          return;
        }
        if (mode === 'accept-then-status' && rule?.status) {
          entry.status = rule.status;
          send(res, rule.status, rule.body ?? errorBody(rule.status), rule.headers);
          return;
        }
        entry.status = outcome.status;
        send(res, outcome.status, outcome.body, outcome.headers);
      })();
    });
  };

  const listen = async (server: Server): Promise<string> => {
    server.on('connection', (sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  };
  const tradingServer = createServer(listener('trading'));
  const dataServer = createServer(listener('data'));
  const tradingUrl = await listen(tradingServer);
  const dataUrl = await listen(dataServer);
  let nextOrderStatus = 'new';

  const fake: FakeAlpaca = {
    tradingUrl,
    dataUrl,
    keyId,
    secret,
    requests,
    submittedOrders,
    orders,
    get barsPageSize() {
      return market.pageSize.bars;
    },
    set barsPageSize(n: number) {
      market.pageSize.bars = n;
    },
    get contractsPageSize() {
      return market.pageSize.contracts;
    },
    set contractsPageSize(n: number) {
      market.pageSize.contracts = n;
    },
    get snapshotsPageSize() {
      return market.pageSize.snapshots;
    },
    set snapshotsPageSize(n: number) {
      market.pageSize.snapshots = n;
    },
    get dataPlan() {
      return market.plan;
    },
    set dataPlan(plan: DataPlan) {
      market.plan = plan;
    },
    get nextOrderStatus() {
      return nextOrderStatus;
    },
    set nextOrderStatus(v: string) {
      nextOrderStatus = v;
    },
    fail(rule) {
      rules.push({ ...rule, left: rule.times ?? 1 });
    },
    clearFailures() {
      rules.length = 0;
    },
    setAccount(patch) {
      Object.assign(account, patch);
    },
    setPositions(list) {
      positions = list;
    },
    setQuote(symbol, quote) {
      const mid = hashPrice(symbol);
      market.quotes.set(symbol, { bp: mid - 0.05, ap: mid + 0.05, bs: 3, as: 4, t: new Date().toISOString(), ...market.quotes.get(symbol), ...quote });
    },
    setTrade(symbol, trade) {
      market.trades.set(symbol, { p: trade.p, s: trade.s ?? 100, t: trade.t ?? new Date().toISOString() });
    },
    setBars(symbol, list) {
      market.bars.set(
        symbol,
        [...list].sort((a, b) => a.t.localeCompare(b.t)),
      );
    },
    setClock(c) {
      if (c.timestamp) fake.setNow(c.timestamp);
      clock = { timestamp: alpacaClockTime(now()), ...c };
    },
    setNow(instant) {
      pinnedNow = Date.parse(instant);
      pinnedAt = Date.now();
    },
    addOrder(fields) {
      const o = makeOrder(fields);
      orders.set(o.id, o);
      return o;
    },
    setOptionContracts(underlying, list) {
      market.contracts.set(underlying, list);
    },
    setOptionSnapshots(underlying, snaps) {
      market.optionSnaps.set(underlying, snaps);
    },
    count(method, path, api) {
      return requests.filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)) && (!api || r.api === api)).length;
    },
    async close() {
      for (const sock of sockets) sock.destroy();
      await Promise.all([tradingServer, dataServer].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
  return fake;
}
