/**
 * The shapes of the loopback Alpaca: what a test configures, what it reads back (the request log,
 * the order book in Alpaca's wire format), and the handle `startFakeAlpaca` returns.
 */
import type { ActivityLog } from './activities.js';
import type { DataPlan, WireBar, WireQuote } from './market-data.js';

export type Api = 'trading' | 'data';

export interface RecordedAlpacaRequest {
  api: Api;
  method: string;
  path: string;
  query: Record<string, string>;
  /** The JSON body exactly as the SDK sent it (parsed), or null. */
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

export interface ClockAnswer {
  is_open: boolean;
  next_open: string;
  next_close: string;
  timestamp?: string;
}

/** How a test fills an order: the price (default: the limit, the stop, else the quote) and quantity (default: all of it). */
export interface FillOptions {
  price?: number;
  qty?: number;
  /** A multi-leg order: each leg's execution price by OCC symbol (its FILL activity's price; default 1). */
  legPrices?: Record<string, number>;
}

export interface FakeAlpaca {
  tradingUrl: string;
  dataUrl: string;
  keyId: string;
  secret: string;
  requests: RecordedAlpacaRequest[];
  /** Orders the fake ACCEPTED through POST /v2/orders (in arrival order), in Alpaca's wire format. */
  submittedOrders: WireOrder[];
  /** Every order the fake knows, by id: submitted, seeded, replacements and the exits of brackets / OCO / OTO. */
  orders: Map<string, WireOrder>;
  /** FILL account activities: every fill posts one; knobs pageSize, reversePages, post(). */
  activities: ActivityLog;
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
  /** Status given to accepted orders: 'new' (default), 'filled' (filled at once, as fill() does), or any raw string. */
  nextOrderStatus: string;
  /** Seed an order (any status, any raw fields) as if Alpaca had it already. */
  /** A multi-leg order in the book (as POST /v2/orders stores one), to be filled with `fill(id, { legPrices })`. */
  addMlegOrder(
    clientOrderId: string,
    qty: number,
    legs: Array<{ symbol: string; side: 'buy' | 'sell'; ratio_qty?: number; position_intent?: string }>,
  ): WireOrder;
  addOrder(order: Partial<WireOrder> & { symbol: string }): WireOrder;
  /**
   * Fill an order as the market would. A bracket / OTO entry that fills releases its exits (the
   * take-profit limit goes live, `new`; the stop stays `held`, as Alpaca holds stops until they
   * trigger); an exit that fills cancels its siblings (OCO), and an exit cannot fill before its entry.
   */
  fill(orderId: string, options?: FillOptions): WireOrder;
  /** The exit orders nested under a bracket / OCO / OTO parent (Alpaca's `legs`), in order: take-profit, then stop-loss. */
  exitsOf(orderId: string): WireOrder[];
  setOptionContracts(underlying: string, contracts: Array<Record<string, unknown>>): void;
  setOptionSnapshots(underlying: string, snapshots: Record<string, Record<string, unknown>>): void;
  /** Requests matching a predicate (convenience for assertions). */
  count(method: string, path: string | RegExp, api?: Api): number;
  close(): Promise<void>;
}
