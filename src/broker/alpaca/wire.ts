/** Alpaca's wire JSON as zod schemas: numbers arrive as strings, so every field is checked and coerced here. */
import { z } from 'zod';

export const num = z.union([z.number(), z.string().trim().min(1)]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a finite number: ${String(v)}` });
    return z.NEVER;
  }
  return n;
});
export const numOrNull = z
  .union([num, z.null(), z.literal('')])
  .optional()
  .transform((v) => (v === '' || v === undefined ? null : v));
export const strOrNull = z
  .string()
  .nullable()
  .optional()
  .transform((v) => (v === undefined || v === '' ? null : v));

/**
 * An options level, 0–3 (Alpaca's enum: none, covered, long, spreads). Alpaca sends a number; a
 * numeric string is read as the number (Alpaca's numbers often arrive as strings), anything else
 * is refused. Absent or null is null.
 */
export const optionsLevel = z
  .union([z.number(), z.string().regex(/^\d+$/, 'not a whole number').transform(Number)])
  .pipe(z.number().int().min(0).max(3))
  .nullable()
  .optional()
  .transform((v) => v ?? null);

/** A multi-leg (mleg) leg as Alpaca nests it under its parent. */
export const WireLeg = z.looseObject({
  symbol: z.string(),
  side: z.string().nullable().optional(),
  ratio_qty: numOrNull,
  position_intent: strOrNull,
  filled_qty: numOrNull,
  filled_avg_price: numOrNull,
});

const orderFields = {
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
  trail_price: numOrNull,
  trail_percent: numOrNull,
  hwm: numOrNull,
  position_intent: strOrNull,
  extended_hours: z.boolean().nullable().optional(),
  status: z.string().min(1),
  created_at: z.string(),
  submitted_at: strOrNull,
  filled_at: strOrNull,
  canceled_at: strOrNull,
  replaces: strOrNull,
  replaced_by: strOrNull,
};

/** An exit of a bracket / OCO / OTO as Alpaca nests it under its parent: a whole order, with no legs of its own. */
export const WireExit = z.looseObject({ ...orderFields, legs: z.null().optional() });

/**
 * An order. Alpaca's `legs` are the legs of a multi-leg order (mleg) or, for bracket / OCO / OTO,
 * the exit orders; each is checked as what its class makes it, and a class-less order with legs
 * is a multi-leg one (Alpaca's `order_class` may be "").
 */
export const WireOrder = z.looseObject({ ...orderFields, legs: z.array(z.unknown()).nullable().optional() }).transform((o, ctx) => {
  const orderClass = o.order_class || (o.legs?.length ? 'mleg' : 'simple');
  const mlegLegs: z.output<typeof WireLeg>[] = [];
  const exits: z.output<typeof WireExit>[] = [];
  for (const [i, raw] of (o.legs ?? []).entries()) {
    const parsed = orderClass === 'mleg' ? WireLeg.safeParse(raw) : WireExit.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: ['legs', i, ...issue.path] });
      return z.NEVER;
    }
    if (orderClass === 'mleg') mlegLegs.push(parsed.data as z.output<typeof WireLeg>);
    else exits.push(parsed.data as z.output<typeof WireExit>);
  }
  return { ...o, orderClass, mlegLegs: mlegLegs.length ? mlegLegs : null, exits: exits.length ? exits : null };
});

export const WireAccount = z.looseObject({
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
  options_buying_power: numOrNull,
  options_approved_level: optionsLevel,
  options_trading_level: optionsLevel,
});

export const WirePosition = z.looseObject({
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
export const instant = z.string().refine((v) => Number.isFinite(Date.parse(v)), 'not a timestamp');
export const WireClock = z.looseObject({ timestamp: instant, is_open: z.boolean(), next_open: instant, next_close: instant });
export const WireBar = z.looseObject({ t: z.string(), o: num, h: num, l: num, c: num, v: num, vw: num.optional(), n: num.optional() });
export const WireQuote = z.looseObject({ t: z.string(), ap: num, as: num, bp: num, bs: num });
export const WireTrade = z.looseObject({ t: z.string(), p: num, s: num });
export const WireBars = z.looseObject({ bars: z.array(WireBar).nullable().optional(), next_page_token: z.string().nullable().optional() });
export const WireLatestQuote = z.looseObject({ quote: WireQuote });
export const WireLatestTrade = z.looseObject({ trade: WireTrade });
export const WireOptionLatestQuotes = z.looseObject({ quotes: z.record(z.string(), WireQuote) });
export const WireOptionLatestTrades = z.looseObject({ trades: z.record(z.string(), WireTrade) });
export const WireSnapshot = z.looseObject({
  latestTrade: WireTrade.nullable().optional(),
  latestQuote: WireQuote.nullable().optional(),
  minuteBar: WireBar.nullable().optional(),
  dailyBar: WireBar.nullable().optional(),
  prevDailyBar: WireBar.nullable().optional(),
});
export const WireContracts = z.looseObject({
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
export const WireOptionSnapshot = z.looseObject({
  latestQuote: WireQuote.nullable().optional(),
  latestTrade: WireTrade.nullable().optional(),
  impliedVolatility: numOrNull,
  greeks: z.looseObject({ delta: num, gamma: num, theta: num, vega: num }).nullable().optional(),
});
export const WireOptionSnapshots = z.looseObject({
  snapshots: z.record(z.string(), WireOptionSnapshot).nullable().optional(),
  next_page_token: z.string().nullable().optional(),
});
export type WireContract = NonNullable<z.output<typeof WireContracts>['option_contracts']>[number];
