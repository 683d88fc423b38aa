/**
 * The zod shapes of get_trade_memory and select_strategy (input and structured output). Kept apart
 * from the tool modules so the tool files stay thin and the shapes are read in one place.
 */
import { z } from 'zod';
import { BrokerNameSchema, ModeSchema } from '../broker/schemas.js';
import { EQUITY_SYMBOL, OCC_SYMBOL, STRATEGY_ID } from '../orders/order.js';

const money = z.number().finite();
const symbol = z.string().refine((s) => EQUITY_SYMBOL.test(s) || OCC_SYMBOL.test(s), 'an uppercase ticker (AAPL, BRK.B) or an OCC option symbol');
const RegimeSchema = z.strictObject({ trend: z.string().nullable(), volatility: z.string().nullable() });
const TREND = z.enum(['up', 'down', 'mixed']);
const VOLATILITY = z.enum(['high', 'normal', 'low']);

export const TradeMemoryInputSchema = z.strictObject({
  symbol: symbol.optional().describe('a ticker (matches its option trades too) or an OCC symbol'),
  strategy: z.string().regex(STRATEGY_ID, 'a strategy id: lowercase letters, digits and _').optional(),
  regime: z
    .strictObject({ trend: TREND.optional(), volatility: VOLATILITY.optional() })
    .optional()
    .describe('the regime at entry: trend up|down|mixed (SMA50/SMA200 with the close), volatility high|normal|low (HV20 rank 80/20)'),
  since: z.string().optional().describe('ISO 8601 time: round trips closed at or after it'),
  limit: z.number().int().min(0).max(500).default(50).describe('the most recent round trips to list (aggregates count them all)'),
});

const TripFields = {
  id: z.string(),
  kind: z.enum(['single', 'leg', 'position']),
  symbol: z.string(),
  underlying: z.string(),
  legs: z.array(z.string()),
  direction: z.enum(['long', 'short']),
  qty: z.number(),
  multiplier: z.number(),
  entry_price: z.number(),
  opened_at: z.string(),
  opening_order_id: z.string(),
  opening_client_order_id: z.string(),
  realized_pnl: money,
  fees: money,
  fees_complete: z.boolean(),
  strategy: z.string().nullable(),
  tags: z.array(z.string()),
  rationale: z.string().nullable(),
  regime: RegimeSchema.nullable(),
};

export const RoundTripSchema = z.strictObject({
  ...TripFields,
  exit_price: z.number(),
  closed_at: z.string(),
  holding_seconds: z.number(),
  closing_order_ids: z.array(z.string()),
  fill_ids: z.array(z.string()),
});

export const OpenTripOutSchema = z.strictObject({
  ...TripFields,
  qty_open: z.number(),
  qty_closed: z.number(),
  lots: z.array(
    z.strictObject({
      symbol: z.string(),
      qty: z.number(),
      price: z.number(),
      opened_at: z.string(),
      fill_id: z.string(),
      mark: z.number().nullable(),
      unrealized_pnl: money.nullable(),
    }),
  ),
  unrealized_pnl: money.nullable(),
});

export const AggregatesSchema = z.strictObject({
  count: z.number().int(),
  wins: z.number().int(),
  losses: z.number().int(),
  breakeven: z.number().int(),
  win_rate: z.number().nullable(),
  avg_win: money.nullable(),
  avg_loss: money.nullable(),
  expectancy: money.nullable(),
  gross_win: money,
  gross_loss: money,
  profit_factor: z.number().nullable(),
  total_pnl: money,
  max_drawdown: money,
  max_drawdown_fraction: z.number().nullable(),
  notes: z.array(z.string()),
});

export const TradeMemoryOutputSchema = z.strictObject({
  mode: ModeSchema,
  broker: BrokerNameSchema,
  sync: z.strictObject({ read: z.number().int(), added: z.number().int(), stored: z.number().int() }),
  aggregates: AggregatesSchema,
  trips: z.array(RoundTripSchema),
  trips_listed: z.number().int(),
  open: z.array(OpenTripOutSchema),
  unrealized_pnl: money.nullable(),
  unpriced: z.array(z.string()),
});

export const SelectStrategyInputSchema = z.strictObject({
  symbol: symbol.describe('the symbol to trade; its current regime (daily technicals) picks the trade memory that counts'),
  seed: z.number().int().min(0).max(4_294_967_295).optional().describe('makes the draw reproducible; absent → a random seed, returned'),
});

export const SelectStrategyOutputSchema = z.strictObject({
  symbol: z.string(),
  regime: RegimeSchema.nullable(),
  pick: z.string(),
  seed: z.number().int(),
  arms: z.array(
    z.strictObject({
      id: z.string(),
      description: z.string().nullable(),
      trades: z.number().int(),
      wins: z.number().int(),
      losses: z.number().int(),
      alpha: z.number(),
      beta: z.number(),
      posterior_mean: z.number(),
      interval_90: z.tuple([z.number(), z.number()]),
      sample: z.number(),
    }),
  ),
  meaning: z.string(),
  notes: z.array(z.string()),
});
