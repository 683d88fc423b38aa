/**
 * The one broker contract. Two implementations: Alpaca (through its SDK) and the local
 * simulated broker. Expected failures are thrown as ToolError('BROKER_REJECTED' | 'BROKER_UNAVAILABLE' | 'NOT_FOUND').
 * Prices and quantities are numbers here (Alpaca sends strings; the adapter converts and validates).
 */
import type { Fill } from '../memory/fills.js';
import type { FeeRecord } from '../memory/fees.js';
import type { NormalizedOrder, TradingMode } from '../orders/order.js';

export type { TradingMode };
export type BrokerName = 'sim' | 'alpaca';
export type Timeframe = '1Min' | '5Min' | '15Min' | '1Hour' | '1Day';
export const TIMEFRAMES: readonly Timeframe[] = ['1Min', '5Min', '15Min', '1Hour', '1Day'];

/** Every status Alpaca documents, plus `unknown` for one it adds later (reported, never a crash). */
export const ORDER_STATUSES = [
  'new',
  'partially_filled',
  'filled',
  'done_for_day',
  'canceled',
  'expired',
  'replaced',
  'pending_cancel',
  'pending_replace',
  'pending_review',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'stopped',
  'rejected',
  'suspended',
  'calculated',
  'held',
  'unknown',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const OPEN_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set([
  'new',
  'partially_filled',
  'accepted',
  'pending_new',
  'accepted_for_bidding',
  'pending_cancel',
  'pending_replace',
  'pending_review',
  'held',
  'calculated',
  'suspended',
  'done_for_day',
  'stopped',
]);

export interface Account {
  id: string;
  status: string;
  currency: string;
  cash: number;
  equity: number;
  /** Equity at the previous close (Alpaca `last_equity`): the base for today's P&L. */
  lastEquity: number;
  buyingPower: number;
  daytradeCount: number;
  patternDayTrader: boolean;
  tradingBlocked: boolean;
  /** Buying power for options (Alpaca `options_buying_power`); null when the broker does not say. */
  optionsBuyingPower: number | null;
  /**
   * The options level the account may trade at (Alpaca `options_trading_level`, capped by
   * `options_approved_level`): 0 none, 1 covered calls / cash-secured puts, 2 long calls and puts,
   * 3 spreads. null when the broker does not say.
   */
  optionsLevel: number | null;
  mode: TradingMode;
}

export interface Position {
  symbol: string;
  assetClass: 'us_equity' | 'us_option';
  /** Signed: negative for a short position. */
  qty: number;
  avgEntryPrice: number;
  costBasis: number;
  currentPrice: number;
  marketValue: number;
  unrealizedPl: number;
}

export interface BrokerOrderLeg {
  symbol: string;
  side: 'buy' | 'sell';
  ratioQty: number;
  positionIntent: string | null;
  filledQty: number;
  filledAvgPrice: number | null;
}

export interface BrokerOrder {
  id: string;
  clientOrderId: string;
  symbol: string | null;
  side: 'buy' | 'sell' | null;
  orderClass: string;
  type: string;
  timeInForce: string;
  qty: number | null;
  notional: number | null;
  filledQty: number;
  filledAvgPrice: number | null;
  limitPrice: number | null;
  stopPrice: number | null;
  /** Trailing stop: the trail in dollars or percent, and the high (low, for a buy) water mark it trails. */
  trailPrice: number | null;
  trailPercent: number | null;
  hwm: number | null;
  /** Single-leg option orders: the position intent as sent. */
  positionIntent: string | null;
  extendedHours: boolean;
  status: OrderStatus;
  /** The status string exactly as the broker sent it (differs from `status` only when `unknown`). */
  rawStatus: string;
  submittedAt: string | null;
  filledAt: string | null;
  canceledAt: string | null;
  createdAt: string;
  /** Replace chain: the order this one replaced, and the order that replaced this one. */
  replaces: string | null;
  replacedBy: string | null;
  /** Multi-leg (mleg) legs; null for every other class. */
  legs: BrokerOrderLeg[] | null;
  /**
   * The exit orders of a bracket / OCO / OTO (Alpaca sends them as `legs` of the parent): the
   * take-profit limit and the stop-loss stop (or stop-limit). null for simple and mleg orders.
   */
  exits: ExitOrder[] | null;
}

/** An exit of a bracket / OCO / OTO: an order of its own, with no exits of its own. */
export type ExitOrder = Omit<BrokerOrder, 'exits'> & { exits: null };

/**
 * What `replace_order` may change (Alpaca PATCH /v2/orders/{id}): quantity, limit, stop, trail,
 * time in force, and the replacement's own client_order_id (the gate's idempotency key).
 */
export interface OrderReplacement {
  qty?: number;
  limit_price?: number;
  stop_price?: number;
  /** The new trail of a trailing stop, in the order's own unit (dollars or percent). */
  trail?: number;
  time_in_force?: 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
  client_order_id: string;
}

/** What the gate submits: the normalized order with its (given or generated) client_order_id. */
export type OrderSubmission = NormalizedOrder & { client_order_id: string };

export interface OrderFilter {
  status?: 'open' | 'closed' | 'all';
  symbols?: string[];
  after?: string;
  until?: string;
  limit?: number;
}

export interface Clock {
  timestamp: string;
  isOpen: boolean;
  nextOpen: string;
  nextClose: string;
}

export interface Bar {
  t: string; // ISO start of the bar
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vw?: number;
  n?: number;
}

export interface BarsRequest {
  symbol: string;
  timeframe: Timeframe;
  start?: string;
  end?: string;
  limit?: number;
}

export interface Quote {
  symbol: string;
  bidPrice: number;
  bidSize: number;
  askPrice: number;
  askSize: number;
  timestamp: string;
}

export interface Trade {
  symbol: string;
  price: number;
  size: number;
  timestamp: string;
}

export interface Snapshot {
  symbol: string;
  latestTrade: Trade | null;
  latestQuote: Quote | null;
  minuteBar: Bar | null;
  dailyBar: Bar | null;
  prevDailyBar: Bar | null;
}

export interface OptionContract {
  symbol: string; // OCC
  underlying: string;
  expiration: string; // YYYY-MM-DD
  type: 'call' | 'put';
  strike: number;
  openInterest: number | null;
  closePrice: number | null;
}

export interface OptionSnapshot {
  symbol: string;
  latestQuote: Quote | null;
  latestTrade: Trade | null;
  impliedVolatility: number | null;
  greeks: { delta: number; gamma: number; theta: number; vega: number } | null;
}

/** The most option rows one chain request holds in memory (contracts or snapshots). */
export const MAX_OPTION_ROWS = 10_000;

export interface OptionChainRequest {
  underlying: string;
  expirationGte?: string;
  expirationLte?: string;
  type?: 'call' | 'put';
  strikeGte?: number;
  strikeLte?: number;
  /** Stop after this many rows (default MAX_OPTION_ROWS); otherwise every page to the end. */
  limit?: number;
}

/**
 * Where a fill read stopped, opaque to everyone but the broker that wrote it (the sim: its last fill
 * row; Alpaca: the latest transaction_time seen). Kept durably by trade memory between reads.
 */
export type FillCursor = string;

export interface FillPage {
  /** Fills after the cursor (a broker may repeat some near the cursor: readers dedupe by fill id). */
  fills: Fill[];
  /** The cursor to read from next time; the one given (or null) when nothing new came. */
  cursor: FillCursor | null;
}

export interface FeePage {
  fees: FeeRecord[];
  cursor: FillCursor | null;
}

export interface Broker {
  readonly name: BrokerName;
  readonly mode: TradingMode;
  getAccount(): Promise<Account>;
  getPositions(): Promise<Position[]>;
  listOrders(filter?: OrderFilter): Promise<BrokerOrder[]>;
  /** null when the broker does not know the id. */
  getOrder(id: string): Promise<BrokerOrder | null>;
  getOrderByClientId(clientOrderId: string): Promise<BrokerOrder | null>;
  submitOrder(order: OrderSubmission): Promise<BrokerOrder>;
  /**
   * Replace an open order (Alpaca PATCH /v2/orders/{id}): the answer is the new order (a new id,
   * `replaces` = id); the old one ends `replaced`. A filled, cancelled or already-replaced order
   * is BROKER_REJECTED (Alpaca 422, code 42210000).
   */
  replaceOrder(id: string, change: OrderReplacement): Promise<BrokerOrder>;
  cancelOrder(id: string): Promise<void>;
  getClock(): Promise<Clock>;
  getBars(req: BarsRequest): Promise<Bar[]>;
  getLatestQuote(symbol: string): Promise<Quote>;
  getLatestTrade(symbol: string): Promise<Trade>;
  getSnapshot(symbol: string): Promise<Snapshot>;
  /** The contracts matching the request, every page to the end (or `limit`). */
  getOptionContracts(req: OptionChainRequest): Promise<OptionContract[]>;
  /** The underlying's chain snapshots matching the request, every page to the end (or `limit`); a contract without market data is absent. */
  getOptionSnapshots(req: OptionChainRequest): Promise<OptionSnapshot[]>;
  /** Snapshots of these OCC symbols (Alpaca takes 100 a call); a symbol without market data is absent. */
  getOptionSnapshotsFor(symbols: readonly string[]): Promise<OptionSnapshot[]>;
  /** Every fill after `after` (null: from the first), every page to the end, oldest first. */
  listFills(after: FillCursor | null): Promise<FillPage>;
  /** Fees reported apart from fills (Alpaca's FEE activities) after `after`; absent when a broker has none (the sim charges none). */
  listFees?(after: FillCursor | null): Promise<FeePage>;
  /**
   * What a risk check reads of the account (account, positions, orders matching `filter`, clock) in one go, as of one
   * instant; absent when the broker has no cheaper way than the four calls (Alpaca: four requests in parallel).
   */
  riskView?(filter: OrderFilter): Promise<RiskView>;
  close(): Promise<void>;
}

export interface RiskView {
  account: Account;
  positions: Position[];
  openOrders: BrokerOrder[];
  clock: Clock;
}
