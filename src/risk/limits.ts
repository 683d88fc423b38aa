/**
 * Risk limits, carried by each profile (SPEC §7) and enforced by src/risk/engine.ts. Defaults are
 * conservative and drawn from the seed system (5% of equity per position, 5 orders an hour, a 2–5%
 * daily-loss stop, a liquid allow-list, defined-risk options 30–45 days out); each says why where it
 * is declared, and the README's risk table is generated from these descriptions.
 */
import { z } from 'zod';

export const DEFAULT_ALLOW_LIST = [
  'SPY',
  'QQQ',
  'IWM',
  'DIA',
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  'GOOGL',
  'META',
  'TSLA',
  'AMD',
  'JPM',
  'XLF',
  'XLE',
  'TLT',
  'GLD',
];

export const RiskLimitsSchema = z.strictObject({
  allowSymbols: z
    .array(z.string().min(1))
    .nullable()
    .default(DEFAULT_ALLOW_LIST)
    .describe('only these underlyings may trade (null: any); liquid names keep spreads and slippage small'),
  denySymbols: z
    .array(z.string().min(1))
    .default([])
    .describe('never trade these, even if allowed (matched after folding case, width and look-alike characters)'),
  maxOrderNotionalUsd: z.number().positive().default(5_000).describe('largest single order in dollars: 5% of a $100k account'),
  maxOrderQty: z.number().positive().default(500).describe('largest share quantity in one order: a fat-finger guard independent of price'),
  maxOptionContracts: z
    .number()
    .int()
    .positive()
    .default(10)
    .describe(
      'contracts of a single-leg option order, or on the largest leg of a multi-leg one (spreads × ratio): keeps options orders small while the max-loss limit does the real work',
    ),
  priceCollarPct: z
    .number()
    .positive()
    .max(1)
    .default(0.03)
    .describe(
      "a limit or stop price must be within this fraction of the quote mid (for multi-leg: of the legs' gross mid): catches a misplaced decimal without blocking normal limits",
    ),
  maxQuoteAgeSec: z.number().positive().default(120).describe('a quote older than this (on the broker clock) is stale: no order is priced or collared on it'),
  maxPositionPctEquity: z
    .number()
    .positive()
    .max(1)
    .default(0.05)
    .describe('position per symbol after the fill, counting open orders, as a fraction of equity (seed: 5%)'),
  maxOpenOrders: z
    .number()
    .int()
    .positive()
    .default(10)
    .describe('open orders at the broker, this one included: resting orders are risk that has not shown up in positions yet'),
  maxOrdersPerMinute: z.number().int().positive().default(2).describe('orders submitted in any rolling minute: stops an agent retry loop within seconds'),
  maxOrdersPerHour: z.number().int().positive().default(5).describe('orders submitted in any rolling hour (seed: 5): a deliberate pace for an agent'),
  maxDailyLossPct: z
    .number()
    .positive()
    .max(1)
    .default(0.03)
    .describe("loss from the day's starting equity (previous close) at which trading halts until a person resumes (seed: 2–5%; 3% is the middle)"),
  duplicateWindowSec: z
    .number()
    .int()
    .nonnegative()
    .default(120)
    .describe('an identical order (same fields but client_order_id) inside this window is refused: double submissions, not strategy, repeat within minutes'),
  allowExtendedHours: z
    .boolean()
    .default(false)
    .describe('pre- and after-market orders (limit, day, extended_hours) allowed; off by default: thin books, wide spreads'),
  enforcePdt: z
    .boolean()
    .default(true)
    .describe('on an account under $25k with 3 day trades in 5 days, refuse closing orders that could be the 4th (FINRA pattern-day-trader rule)'),
  maxOptionsLossUsd: z
    .number()
    .positive()
    .default(1_000)
    .describe(
      'max loss at expiry of an options order: a multi-leg one from its payoff at every strike ((width − credit) × 100 × qty for a credit spread), a long option its premium, a cash-secured put (strike − premium) × 100 × qty: 1% of a $100k account',
    ),
  minDaysToExpiry: z
    .number()
    .int()
    .nonnegative()
    .default(30)
    .describe('options: earliest expiry of an opening leg or contract in days (seed: 30–45 for condors, away from fast gamma); closing is exempt'),
  maxDaysToExpiry: z.number().int().positive().default(45).describe('options: latest expiry of an opening leg in days'),
});

export type RiskLimits = z.output<typeof RiskLimitsSchema>;
