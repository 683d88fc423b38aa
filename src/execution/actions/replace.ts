/**
 * replace_order resolved into the order as it will stand: the open order (read from the broker
 * now) with the requested changes applied. That order runs the whole gate (its hash is what Opus
 * confirms and the prompt says what changes), then goes to the broker as a replace (Alpaca PATCH
 * /v2/orders/{id}) under a new client_order_id of ours, so an answer in doubt is looked up by it.
 */
import { z } from 'zod';
import type { BrokerOrder } from '../../broker/types.js';
import { CLIENT_ORDER_ID, OCC_SYMBOL } from '../../orders/symbols.js';
import { isOpen } from '../../risk/exposure.js';
import { Refusal } from '../attempt.js';
import { brokerText, type ReplacementChange, type ResolvedAction } from './types.js';

const CHANGE_KEYS = ['qty', 'limit_price', 'stop_price', 'trail', 'time_in_force'] as const;

export const ReplaceOrderInputSchema = z
  .strictObject({
    order_id: z.string().min(1).max(128).optional().describe("the broker's id of the open order to replace"),
    client_order_id: z
      .string()
      .regex(CLIENT_ORDER_ID, 'client_order_id must be 1–48 characters of letters, digits, . _ : -')
      .optional()
      .describe('or its client_order_id'),
    qty: z.number().positive('qty must be greater than zero').finite().max(1_000_000).optional().describe('the new total quantity'),
    limit_price: z.number().positive('limit_price must be greater than zero').finite().max(1_000_000).optional(),
    stop_price: z.number().positive('stop_price must be greater than zero').finite().max(1_000_000).optional(),
    trail: z
      .number()
      .positive('trail must be greater than zero')
      .finite()
      .max(1_000_000)
      .optional()
      .describe("a trailing stop's new trail, in its own unit (dollars for trail_price, percent for trail_percent)"),
    time_in_force: z.enum(['day', 'gtc', 'ioc', 'fok', 'opg', 'cls']).optional(),
    new_client_order_id: z
      .string()
      .regex(CLIENT_ORDER_ID, 'new_client_order_id must be 1–48 characters of letters, digits, . _ : -')
      .optional()
      .describe('the idempotency key of the replacement (generated when absent)'),
    rationale: z.string().max(4000, 'rationale is limited to 4000 characters').optional(),
    council_ticket: z.string().min(1).max(2048).optional().describe('the council_vote ticket for the order as it will stand (when the profile requires one)'),
  })
  .superRefine((o, ctx) => {
    const issue = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if ((o.order_id === undefined) === (o.client_order_id === undefined)) issue('give order_id or client_order_id (exactly one)', 'order_id');
    if (!CHANGE_KEYS.some((k) => o[k] !== undefined)) issue(`nothing to change: give at least one of ${CHANGE_KEYS.join(', ')}`, 'qty');
  });
export type ReplaceOrderInput = z.output<typeof ReplaceOrderInputSchema>;

/** Why this order cannot be replaced (null when it can). */
function notReplaceable(o: BrokerOrder): string | null {
  if (!isOpen(o) || o.status === 'pending_cancel' || o.status === 'pending_replace') return `order ${o.id} is ${o.status}; only an open order can be replaced`;
  if (o.orderClass === 'mleg' || o.legs?.length) return `order ${o.id} is a multi-leg order; cancel it and place a new one`;
  if (o.exits?.length) return `order ${o.id} is the entry of a ${o.orderClass} order; replace its exits by their own ids, or cancel it and place a new one`;
  if (o.qty === null) return `order ${o.id} is a notional order; cancel it and place a new one`;
  return null;
}

/** The change as the broker takes it, and its fields in the order's own terms. */
function applyChange(o: BrokerOrder, input: ReplaceOrderInput): { change: ReplacementChange; fields: Record<string, unknown> } {
  const change: ReplacementChange = {};
  for (const k of CHANGE_KEYS) if (input[k] !== undefined) (change as Record<string, unknown>)[k] = input[k];
  if (change.qty !== undefined && change.qty <= o.filledQty)
    throw new Refusal('INVALID_INPUT', `qty ${change.qty} is not above the ${o.filledQty} already filled on order ${o.id}`);
  const trailing = o.type === 'trailing_stop';
  if (change.trail !== undefined && !trailing) throw new Refusal('INVALID_INPUT', `trail applies to a trailing_stop order; order ${o.id} is ${o.type}`);
  const fields: Record<string, unknown> = {
    qty: change.qty ?? o.qty,
    time_in_force: change.time_in_force ?? o.timeInForce,
    limit_price: change.limit_price ?? o.limitPrice ?? undefined,
    // a trailing stop's stop_price is the broker's current trigger, not a field of the order
    stop_price: trailing ? change.stop_price : (change.stop_price ?? o.stopPrice ?? undefined),
  };
  if (trailing) {
    if (o.trailPercent !== null) fields.trail_percent = change.trail ?? o.trailPercent;
    else fields.trail_price = change.trail ?? o.trailPrice ?? undefined;
  }
  return { change, fields };
}

const money = (v: unknown) => (typeof v === 'number' ? `$${v}` : String(v));

/** "limit_price $10 → $11" for every field that changes. */
function describeChange(o: BrokerOrder, change: ReplacementChange): string {
  const before: Record<string, unknown> = {
    qty: o.qty,
    limit_price: o.limitPrice,
    stop_price: o.stopPrice,
    time_in_force: o.timeInForce,
    trail: o.trailPercent ?? o.trailPrice,
  };
  return Object.entries(change)
    .map(([k, v]) =>
      k === 'qty' || k === 'time_in_force'
        ? `${k} ${before[k]} → ${v}`
        : `${k} ${money(before[k])} → ${money(v)}${k === 'trail' && o.trailPercent !== null ? '%' : ''}`,
    )
    .join('; ');
}

/** The open order and the order input as it will stand after the change. */
export function resolveReplace(input: ReplaceOrderInput, target: BrokerOrder | null): { orderInput: Record<string, unknown>; action: ResolvedAction } {
  const ref = input.order_id ?? input.client_order_id;
  if (!target) throw new Refusal('NOT_FOUND', `the broker has no order ${ref}`);
  const why = notReplaceable(target);
  if (why) throw new Refusal('INVALID_INPUT', why);
  if (!target.symbol || !target.side) throw new Refusal('INVALID_INPUT', `order ${target.id} names no symbol or side; it cannot be replaced here`);
  const { change, fields } = applyChange(target, input);
  const orderInput: Record<string, unknown> = {
    symbol: target.symbol,
    side: target.side,
    type: target.type,
    extended_hours: target.extendedHours,
    // Alpaca reports a position_intent on equity orders too; ours is for options only
    ...(target.positionIntent && OCC_SYMBOL.test(target.symbol) ? { position_intent: target.positionIntent } : {}),
    ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)),
    ...(input.new_client_order_id === undefined ? {} : { client_order_id: input.new_client_order_id }),
    ...(input.rationale === undefined ? {} : { rationale: input.rationale }),
  };
  const t = target;
  const summary = `REPLACES open order ${brokerText(t.id)} (client_order_id ${brokerText(t.clientOrderId)}, ${t.status}, ${t.side} ${t.qty} ${brokerText(t.symbol)} ${brokerText(t.type)}, filled ${t.filledQty}): ${describeChange(t, change)}; everything else unchanged`;
  return { orderInput, action: { kind: 'replace', target, change, summary } };
}
