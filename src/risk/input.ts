/**
 * What the risk engine is given: the order and everything the caller gathered about the account
 * and the market. Plain data, so a verdict is a pure function of it.
 */
import type { Account, BrokerOrder, Clock, Position, Quote } from '../broker/types.js';
import type { NormalizedOrder, TradingMode } from '../orders/order.js';
import type { LessonBlock } from './block-rule.js';
import type { RiskLimits } from './limits.js';

/** An order this server submitted recently (for the rate and duplicate checks). */
export interface RecentOrder {
  /** ISO instant the order was submitted. */
  at: string;
  hash?: string | null;
  /** orderFingerprint(): the order without its client_order_id. */
  fingerprint?: string | null;
  /** canonicalOrder() text, used when no fingerprint was stored. */
  canonical?: string | null;
}

export interface RiskStateSnapshot {
  halted: boolean;
  haltReason: string | null;
  haltedAt?: string | null;
  /** Equity at the start of the current US trading day (null: use the account's last_equity). */
  startOfDayEquity: number | null;
  recentOrders: RecentOrder[];
}

/** Latest quote by symbol: the equity symbol, or each leg's OCC symbol. Missing or null = no quote. */
export type QuoteBook = Record<string, Quote | null | undefined>;

/**
 * What the order does to the book: a new order (the default), a close of a held position (no
 * buying power needed, refused when nothing is held), or a replacement of an open order (checked
 * as the new order, the replaced one's reservation released).
 */
export type RiskAction = { kind: 'place' } | { kind: 'close' } | { kind: 'replace'; replaces: BrokerOrder };

/**
 * The lessons' side of a verdict (SPEC §13), gathered by the caller (risk never reads lessons):
 * the block rules of every active lesson, the lesson files that carry a block but cannot be read
 * (each refuses every order until fixed: a broken rule must not silently stop blocking), and the
 * order's strategy and tags (not in order_hash), which rules may name.
 */
export interface LessonRules {
  blocks: LessonBlock[];
  unreadable: Array<{ file: string; error: string }>;
  strategy: string | null;
  tags: string[];
}

export interface RiskInput {
  order: NormalizedOrder;
  /** Absent: a new order. */
  action?: RiskAction;
  mode: TradingMode;
  account: Account;
  positions: Position[];
  openOrders: BrokerOrder[];
  /** Latest quote by symbol: the equity symbol, or each leg's OCC symbol. Missing or null = no quote. */
  quotes: QuoteBook;
  clock: Clock;
  state: RiskStateSnapshot;
  limits: RiskLimits;
  now: Date;
  /**
   * Whether `account.buyingPower` already excludes what open orders hold. True for Alpaca (its
   * docs: available buying power is reduced by open buy long and sell short orders) and the sim
   * broker (cash less reservations); false makes the engine subtract its own estimate.
   */
  buyingPowerNetOfOpenOrders?: boolean;
  /** Absent: no lessons were consulted (the lesson_block check says so and passes); the gate and check_risk always give them. */
  lessons?: LessonRules;
}
