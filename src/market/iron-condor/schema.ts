/**
 * build_iron_condor's input and output schemas (zod only: cheap to import, shared by the tool file
 * and the lazily loaded builder). The output's `order` is the exact argument check_risk and
 * place_order take: an `mleg` limit order whose limit_price is the negative net credit (Alpaca's
 * convention, orders/order.ts).
 */
import { z } from 'zod';
import { BrokerNameSchema, ModeSchema, OptionChainRowSchema } from '../../broker/schemas.js';
import { EQUITY_SYMBOL } from '../../orders/order.js';

export const DEFAULT_SHORT_DELTA = 0.16;
export const DEFAULT_WING_WIDTH = 5;
/** The DTE window when the profile names none (the seed's 30–45 days for condors). */
export const FALLBACK_DTE_WINDOW = { min: 30, max: 45 } as const;
export const MAX_DTE = 730;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isoDate = z.string().refine((s) => {
  const ms = DATE.test(s) ? Date.parse(`${s}T00:00:00Z`) : Number.NaN;
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === s;
}, 'must be a calendar date such as 2026-04-17');
const dte = (what: string) =>
  z
    .number({ error: `${what} must be a number of days` })
    .int(`${what} must be a whole number of days`)
    .min(0, `${what} cannot be negative`)
    .max(MAX_DTE, `${what} is at most ${MAX_DTE} days`);

export const IronCondorInputSchema = z
  .strictObject({
    underlying: z.string().regex(EQUITY_SYMBOL, 'underlying must be an uppercase US equity ticker such as SPY').describe('the underlying, e.g. SPY'),
    expiry: isoDate.optional().describe('build on this expiration (YYYY-MM-DD); instead of dte_min/dte_max'),
    dte_min: dte('dte_min').optional().describe("with dte_max: the window of days to expiry (default: the profile's options window, 30–45)"),
    dte_max: dte('dte_max').optional().describe('with dte_min: the latest days to expiry; the expiration nearest the middle is used'),
    short_delta: z
      .number({ error: 'short_delta must be a number' })
      .gt(0, 'short_delta must be above 0')
      .lt(0.5, 'short_delta must be below 0.5 (a short strike out of the money)')
      .default(DEFAULT_SHORT_DELTA)
      .describe('absolute delta of the short put and call (default 0.16)'),
    wing_width: z
      .number({ error: 'wing_width must be a number' })
      .positive('wing_width must be greater than zero')
      .max(1000, 'wing_width is implausibly large')
      .default(DEFAULT_WING_WIDTH)
      .describe('dollars between each short strike and its long wing (default 5); the wing strike must be listed'),
    qty: z
      .number({ error: 'qty must be a number' })
      .int('qty must be a whole number of condors')
      .min(1, 'qty must be at least 1')
      .max(10_000, 'qty is implausibly large')
      .default(1)
      .describe('number of condors (default 1)'),
  })
  .superRefine((v, ctx) => {
    const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (v.expiry !== undefined && (v.dte_min !== undefined || v.dte_max !== undefined)) issue('give expiry or dte_min/dte_max, not both', 'expiry');
    if ((v.dte_min === undefined) !== (v.dte_max === undefined)) issue('give dte_min and dte_max together', v.dte_min === undefined ? 'dte_min' : 'dte_max');
    if (v.dte_min !== undefined && v.dte_max !== undefined && v.dte_min > v.dte_max) issue('dte_min must not be above dte_max', 'dte_max');
  });

export type IronCondorInput = z.output<typeof IronCondorInputSchema>;

const money = z.number().finite();
const LegSchema = z.strictObject({
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  ratio_qty: z.literal(1),
  position_intent: z.enum(['buy_to_open', 'sell_to_open']),
});

export const CondorOrderSchema = z.strictObject({
  side: z.literal('buy'),
  qty: z.number().int().positive(),
  type: z.literal('limit'),
  limit_price: money.describe('negative: the net credit per condor (Alpaca mleg convention)'),
  time_in_force: z.literal('day'),
  order_class: z.literal('mleg'),
  legs: z.array(LegSchema).length(4),
});

export const CONDOR_ROLES = ['long_put', 'short_put', 'short_call', 'long_call'] as const;
export const PROBABILITY_METHODS = ['chain_delta', 'black_scholes', 'unavailable'] as const;

export const IronCondorOutputSchema = z.strictObject({
  mode: ModeSchema,
  broker: BrokerNameSchema,
  underlying: z.string(),
  spot: money.nullable().describe("the underlying's quote mid, when the broker has one"),
  expiry: z.string(),
  days_to_expiry: z.number().int(),
  window: z
    .strictObject({ expiration_gte: z.string(), expiration_lte: z.string(), source: z.enum(['expiry', 'dte', 'profile']) })
    .describe('the expirations searched, and where the window came from'),
  order: CondorOrderSchema.describe('pass unchanged to check_risk, then place_order'),
  wing_width: money,
  strikes: z.strictObject({ long_put: money, short_put: money, short_call: money, long_call: money }),
  credit: z
    .strictObject({
      mid: money.describe("per share: the legs' mid credit rounded to the cent; the order's limit is its negative"),
      natural: money.describe('per share: shorts at the bid, wings at the ask (what crossing the spread would get)'),
    })
    .describe('net credit per condor per share (× 100 per contract)'),
  max_profit_usd: money.describe('credit × 100 × qty'),
  max_loss_usd: money.describe('(wing_width − credit) × 100 × qty'),
  breakevens: z.strictObject({ lower: money.describe('short put − credit'), upper: money.describe('short call + credit') }),
  probability_of_profit: z.strictObject({
    value: z.number().min(0).max(1).nullable(),
    method: z.enum(PROBABILITY_METHODS),
    note: z.string(),
  }),
  rows: z.array(OptionChainRowSchema.extend({ role: z.enum(CONDOR_ROLES) })).describe('the chain rows the condor was built from'),
  chain: z.strictObject({
    contracts: z.number().int().nonnegative(),
    quoted: z.number().int().nonnegative(),
    expirations: z.array(z.string()).describe('expirations listed in the window'),
    capped: z.boolean().describe('the window held more contracts than one chain holds; later expirations were not seen'),
  }),
});

export type IronCondorOutput = z.output<typeof IronCondorOutputSchema>;
