/**
 * Risk limits, carried by each profile (SPEC §7). Defaults are conservative and drawn from the
 * seed system; each is documented where it is declared (and in the README's generated table).
 */
import { z } from 'zod';

export const DEFAULT_ALLOW_LIST = ['SPY', 'QQQ', 'IWM', 'DIA', 'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AMD', 'JPM', 'XLF', 'XLE', 'TLT', 'GLD'];

export const RiskLimitsSchema = z.strictObject({
  allowSymbols: z.array(z.string().min(1)).nullable().default(DEFAULT_ALLOW_LIST).describe('only these underlyings may trade (null: any); liquid names keep spreads and slippage small'),
  denySymbols: z.array(z.string().min(1)).default([]).describe('never trade these, even if allowed'),
  maxOrderNotionalUsd: z.number().positive().default(5_000).describe('largest single order in dollars: 5% of a $100k account'),
  maxOrderQty: z.number().positive().default(500).describe('largest share quantity in one order (fat-finger guard)'),
  maxOptionContracts: z.number().int().positive().default(10).describe('largest number of spreads/contracts in one options order'),
  priceCollarPct: z.number().positive().max(1).default(0.03).describe('a limit or stop price must be within this fraction of the quote mid'),
  maxQuoteAgeSec: z.number().positive().default(120).describe('a quote older than this is stale: no trading on it'),
  maxPositionPctEquity: z.number().positive().max(1).default(0.05).describe('position per symbol after the fill, counting open orders, as a fraction of equity (seed: 5%)'),
  maxOpenOrders: z.number().int().positive().default(10).describe('open orders at the broker'),
  maxOrdersPerMinute: z.number().int().positive().default(2).describe('orders submitted in any rolling minute'),
  maxOrdersPerHour: z.number().int().positive().default(5).describe('orders submitted in any rolling hour (seed: 5)'),
  maxDailyLossPct: z.number().positive().max(1).default(0.03).describe("loss from the day's starting equity that trips the halt (seed: 2–5%)"),
  duplicateWindowSec: z.number().int().nonnegative().default(120).describe('an identical order inside this window is refused'),
  allowExtendedHours: z.boolean().default(false).describe('pre- and after-market orders (limit, day) allowed'),
  enforcePdt: z.boolean().default(true).describe('refuse a fourth day trade in five days on an account under $25k'),
  maxOptionsLossUsd: z.number().positive().default(1_000).describe('max loss of a multi-leg options order (width − credit) × 100 × qty'),
  minDaysToExpiry: z.number().int().nonnegative().default(30).describe('options: earliest expiry in days (seed: 30–45 for condors)'),
  maxDaysToExpiry: z.number().int().positive().default(45).describe('options: latest expiry in days'),
});

export type RiskLimits = z.output<typeof RiskLimitsSchema>;
