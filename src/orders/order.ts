/**
 * The order contract shared by `check_risk`, `council_vote` and `place_order` (SPEC §4).
 * Inputs are strict: unknown keys, numbers as strings, NaN/Infinity, zero or negative sizes, sizes
 * finer than the broker's precision (./quantity.ts) and malformed symbols are refused, never coerced. `orderHash` binds every field but the rationale.
 */
import { createHash } from 'node:crypto';
import * as canonicalizeModule from 'canonicalize';
import { z } from 'zod';
import { isNotionalInCents, isQtyMultiple, MIN_NOTIONAL } from './quantity.js';
import { checkOrderRules } from './rules.js';
import { CLIENT_ORDER_ID, EQUITY_SYMBOL, OCC_SYMBOL } from './symbols.js';

export { CLIENT_ORDER_ID, EQUITY_SYMBOL, OCC_SYMBOL, occSymbol, parseOcc, type OccParts } from './symbols.js';

/** A strategy id (SPEC §13), e.g. `iron_condor`. */
export const STRATEGY_ID = /^[a-z][a-z0-9_]{0,39}$/;
/** An order tag, as lessons tag themselves: lowercase, digits, dashes. */
export const ORDER_TAG = /^[a-z0-9][a-z0-9-]{0,39}$/;

const positive = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .positive(`${what} must be greater than zero`)
    .finite();
const price = (what: string) => positive(what).max(1_000_000, `${what} is implausibly large`);

export const OrderLegSchema = z.strictObject({
  symbol: z.string().regex(OCC_SYMBOL, 'leg symbol must be an OCC option symbol such as AAPL250117C00150000'),
  side: z.enum(['buy', 'sell']),
  ratio_qty: z.number().int('ratio_qty must be a whole number').min(1).max(100).default(1),
  position_intent: z.enum(['buy_to_open', 'buy_to_close', 'sell_to_open', 'sell_to_close']),
});

export const OrderInputSchema = z
  .strictObject({
    symbol: z
      .string()
      .refine(
        (v) => EQUITY_SYMBOL.test(v) || OCC_SYMBOL.test(v),
        'symbol must be an uppercase US equity ticker such as AAPL or BRK.B, or an OCC option symbol such as AAPL250117C00150000',
      )
      .optional(),
    side: z.enum(['buy', 'sell']),
    qty: positive('qty')
      .max(1_000_000, 'qty is implausibly large')
      .refine(isQtyMultiple, "qty must be a multiple of 0.000000001 (at most 9 decimal places, Alpaca's fractional precision) and at least 0.000000001")
      .optional(),
    notional: positive('notional')
      .min(MIN_NOTIONAL, "notional must be at least $1 (Alpaca's smallest notional order)")
      .max(100_000_000, 'notional is implausibly large')
      .refine(isNotionalInCents, 'notional must be whole cents (at most 2 decimal places)')
      .optional(),
    type: z.enum(['market', 'limit', 'stop', 'stop_limit', 'trailing_stop']),
    time_in_force: z.enum(['day', 'gtc', 'ioc', 'fok', 'opg', 'cls']).default('day'),
    // mleg net price: positive for a debit, negative for a credit (Alpaca's convention)
    limit_price: z
      .number()
      .finite()
      .refine((v) => v !== 0 && Math.abs(v) <= 1_000_000, 'limit_price must be non-zero and plausible')
      .optional(),
    stop_price: price('stop_price').optional(),
    trail_price: price('trail_price').optional(),
    trail_percent: positive('trail_percent').max(99.99, 'trail_percent is a percentage below 100').optional(),
    extended_hours: z.boolean().default(false),
    client_order_id: z.string().regex(CLIENT_ORDER_ID, 'client_order_id must be 1–48 characters of letters, digits, . _ : -').optional(),
    order_class: z.enum(['simple', 'bracket', 'oco', 'oto', 'mleg']).default('simple'),
    take_profit: z.strictObject({ limit_price: price('take_profit.limit_price') }).optional(),
    stop_loss: z.strictObject({ stop_price: price('stop_loss.stop_price'), limit_price: price('stop_loss.limit_price').optional() }).optional(),
    // single-leg options only (Alpaca's position_intent); multi-leg orders give it per leg
    position_intent: z.enum(['buy_to_open', 'buy_to_close', 'sell_to_open', 'sell_to_close']).optional(),
    legs: z.array(OrderLegSchema).min(2, 'a multi-leg order needs 2–4 legs').max(4, 'a multi-leg order needs 2–4 legs').optional(),
    rationale: z.string().max(4000, 'rationale is limited to 4000 characters').optional(),
    // like the rationale, the strategy and tags are not in order_hash: they label the trade for trade memory
    strategy: z.string().regex(STRATEGY_ID, 'strategy is a short id: lowercase letters, digits and _ (e.g. iron_condor)').optional(),
    tags: z
      .array(z.string().regex(ORDER_TAG, 'a tag is lowercase letters, digits and - (e.g. earnings-play)'))
      .max(10, 'at most 10 tags')
      .refine((t) => new Set(t).size === t.length, 'tags must be unique')
      .optional(),
  })
  .superRefine((o, ctx) => checkOrderRules(o, (message, path) => ctx.addIssue({ code: 'custom', message, path })));

export type OrderInput = z.input<typeof OrderInputSchema>;
export type ParsedOrder = z.output<typeof OrderInputSchema>;
export type OrderLeg = z.output<typeof OrderLegSchema>;
export type TradingMode = 'sim' | 'paper' | 'live';
export type OrderType = ParsedOrder['type'];
export type OrderClass = ParsedOrder['order_class'];

// canonicalize is CommonJS with an ESM-style `export default` in its types; under NodeNext the
// function is the namespace's `default`.
const canonicalize = canonicalizeModule.default as unknown as (input: unknown) => string | undefined;

/** Every field of SPEC §4 but `rationale`, with defaults applied and absent values as null. */
export interface NormalizedOrder {
  symbol: string | null;
  side: 'buy' | 'sell';
  qty: number | null;
  notional: number | null;
  type: OrderType;
  time_in_force: 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
  limit_price: number | null;
  stop_price: number | null;
  trail_price: number | null;
  trail_percent: number | null;
  extended_hours: boolean;
  client_order_id: string | null;
  order_class: OrderClass;
  take_profit: { limit_price: number } | null;
  stop_loss: { stop_price: number; limit_price: number | null } | null;
  position_intent: OrderLeg['position_intent'] | null;
  legs: OrderLeg[] | null;
}

export function normalizeOrder(o: ParsedOrder): NormalizedOrder {
  return {
    symbol: o.symbol ?? null,
    side: o.side,
    qty: o.qty ?? null,
    notional: o.notional ?? null,
    type: o.type,
    time_in_force: o.time_in_force,
    limit_price: o.limit_price ?? null,
    stop_price: o.stop_price ?? null,
    trail_price: o.trail_price ?? null,
    trail_percent: o.trail_percent ?? null,
    extended_hours: o.extended_hours,
    client_order_id: o.client_order_id ?? null,
    order_class: o.order_class,
    take_profit: o.take_profit ? { limit_price: o.take_profit.limit_price } : null,
    stop_loss: o.stop_loss ? { stop_price: o.stop_loss.stop_price, limit_price: o.stop_loss.limit_price ?? null } : null,
    position_intent: o.position_intent ?? null,
    legs: o.legs ? o.legs.map((l) => ({ symbol: l.symbol, side: l.side, ratio_qty: l.ratio_qty, position_intent: l.position_intent })) : null,
  };
}

/** RFC 8785 canonical JSON of `{...order, mode}`. */
export function canonicalOrder(order: NormalizedOrder, mode: TradingMode): string {
  const text = canonicalize({ ...order, mode });
  if (text === undefined) throw new Error('order is not canonicalizable');
  return text;
}

/** order_hash = lowercase hex SHA-256 of the canonical order plus mode (SPEC §4). */
export function orderHash(order: NormalizedOrder, mode: TradingMode): string {
  return createHash('sha256').update(canonicalOrder(order, mode), 'utf8').digest('hex');
}
