/**
 * The order contract shared by `check_risk`, `council_vote` and `place_order` (SPEC §4).
 * Inputs are strict: unknown keys, numbers as strings, NaN/Infinity, zero or negative sizes, sizes
 * finer than the broker's precision (./quantity.ts) and malformed symbols are refused, never coerced. `orderHash` binds every field but the rationale.
 */
import { createHash } from 'node:crypto';
import * as canonicalizeModule from 'canonicalize';
import { z } from 'zod';
import { isNotionalInCents, isQtyMultiple, MIN_NOTIONAL } from './quantity.js';

export const EQUITY_SYMBOL = /^[A-Z]{1,5}([.][A-Z]{1,2})?$/;
/** OCC option symbol: root (1–6), YYMMDD, C|P, strike × 1000 in 8 digits. */
export const OCC_SYMBOL = /^([A-Z]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;
export const CLIENT_ORDER_ID = /^[A-Za-z0-9._:-]{1,48}$/;

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
    symbol: z.string().regex(EQUITY_SYMBOL, 'symbol must be an uppercase US equity ticker such as AAPL or BRK.B').optional(),
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
    type: z.enum(['market', 'limit', 'stop', 'stop_limit']),
    time_in_force: z.enum(['day', 'gtc', 'ioc', 'fok', 'opg', 'cls']).default('day'),
    // mleg net price: positive for a debit, negative for a credit (Alpaca's convention)
    limit_price: z
      .number()
      .finite()
      .refine((v) => v !== 0 && Math.abs(v) <= 1_000_000, 'limit_price must be non-zero and plausible')
      .optional(),
    stop_price: price('stop_price').optional(),
    extended_hours: z.boolean().default(false),
    client_order_id: z.string().regex(CLIENT_ORDER_ID, 'client_order_id must be 1–48 characters of letters, digits, . _ : -').optional(),
    order_class: z.enum(['simple', 'mleg']).default('simple'),
    legs: z.array(OrderLegSchema).min(2, 'a multi-leg order needs 2–4 legs').max(4, 'a multi-leg order needs 2–4 legs').optional(),
    rationale: z.string().max(4000, 'rationale is limited to 4000 characters').optional(),
  })
  .superRefine((o, ctx) => {
    const issue = (message: string, path: string[]) => ctx.addIssue({ code: 'custom', message, path });
    if (o.qty !== undefined && o.notional !== undefined) issue('give qty or notional, never both', ['notional']);
    if (o.qty === undefined && o.notional === undefined) issue('give qty or notional', ['qty']);
    if ((o.type === 'limit' || o.type === 'stop_limit') && o.limit_price === undefined) issue(`a ${o.type} order needs limit_price`, ['limit_price']);
    if ((o.type === 'stop' || o.type === 'stop_limit') && o.stop_price === undefined) issue(`a ${o.type} order needs stop_price`, ['stop_price']);
    if (o.type === 'market' && o.limit_price !== undefined) issue('a market order takes no limit_price', ['limit_price']);
    if ((o.type === 'market' || o.type === 'limit') && o.stop_price !== undefined) issue(`a ${o.type} order takes no stop_price`, ['stop_price']);
    if (o.extended_hours && !(o.type === 'limit' && o.time_in_force === 'day'))
      issue('extended_hours needs a limit order with time_in_force day', ['extended_hours']);
    if (o.order_class === 'mleg') {
      if (!o.legs) issue('order_class mleg needs legs', ['legs']);
      if (o.symbol !== undefined) issue('a multi-leg order names its symbols in legs, not in symbol', ['symbol']);
      if (o.notional !== undefined) issue('a multi-leg order takes qty (number of spreads), not notional', ['notional']);
      if (o.qty !== undefined && !Number.isInteger(o.qty)) issue('qty of a multi-leg order must be a whole number', ['qty']);
      if (o.type !== 'market' && o.type !== 'limit') issue('a multi-leg order is market or limit', ['type']);
    } else {
      if (o.legs) issue('legs need order_class mleg', ['legs']);
      if (o.symbol === undefined) issue('symbol is required', ['symbol']);
      if (o.limit_price !== undefined && o.limit_price < 0) issue('limit_price must be positive', ['limit_price']);
      if (o.notional !== undefined && o.type !== 'market') issue('notional orders must be market orders', ['notional']);
    }
  });

export type OrderInput = z.input<typeof OrderInputSchema>;
export type ParsedOrder = z.output<typeof OrderInputSchema>;
export type OrderLeg = z.output<typeof OrderLegSchema>;
export type TradingMode = 'sim' | 'paper' | 'live';

// canonicalize is CommonJS with an ESM-style `export default` in its types; under NodeNext the
// function is the namespace's `default`.
const canonicalize = canonicalizeModule.default as unknown as (input: unknown) => string | undefined;

/** Every field of SPEC §4 but `rationale`, with defaults applied and absent values as null. */
export interface NormalizedOrder {
  symbol: string | null;
  side: 'buy' | 'sell';
  qty: number | null;
  notional: number | null;
  type: 'market' | 'limit' | 'stop' | 'stop_limit';
  time_in_force: 'day' | 'gtc' | 'ioc' | 'fok' | 'opg' | 'cls';
  limit_price: number | null;
  stop_price: number | null;
  extended_hours: boolean;
  client_order_id: string | null;
  order_class: 'simple' | 'mleg';
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
    extended_hours: o.extended_hours,
    client_order_id: o.client_order_id ?? null,
    order_class: o.order_class,
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

export interface OccParts {
  underlying: string;
  expiration: string; // YYYY-MM-DD
  type: 'call' | 'put';
  strike: number;
}

export function parseOcc(symbol: string): OccParts | null {
  const m = OCC_SYMBOL.exec(symbol);
  if (!m) return null;
  const [, root, yy, mm, dd, cp, strike] = m as unknown as [string, string, string, string, string, string, string];
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return { underlying: root, expiration: `20${yy}-${mm}-${dd}`, type: cp === 'C' ? 'call' : 'put', strike: Number(strike) / 1000 };
}
