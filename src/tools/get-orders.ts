/** get_orders: the broker's orders, filtered by status, symbols and submission time, or one order by id / client_order_id. */
import { z } from 'zod';
import { BrokerNameSchema, BrokerOrderSchema, ModeSchema } from '../broker/schemas.js';
import type { BrokerOrder } from '../broker/types.js';
import { CLIENT_ORDER_ID, EQUITY_SYMBOL, OCC_SYMBOL } from '../orders/order.js';
import { defineTool, ToolError } from '../tool.js';

export const ORDER_ID = /^[A-Za-z0-9-]{1,64}$/;
const instant = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 instant such as 2025-06-02T14:30:00Z' });

export function describeOrder(o: BrokerOrder): string {
  const what = o.legs ? o.legs.map((l) => `${l.side} ${l.ratioQty}× ${l.symbol}`).join(' / ') : `${o.side} ${o.qty ?? `$${o.notional}`} ${o.symbol}`;
  const price = o.limitPrice !== null ? ` limit ${o.limitPrice}` : o.stopPrice !== null ? ` stop ${o.stopPrice}` : '';
  const fill = o.filledQty > 0 ? `, filled ${o.filledQty} @ ${o.filledAvgPrice}` : '';
  return `${o.clientOrderId}: ${what} ${o.type}${price} ${o.timeInForce} — ${o.status === 'unknown' ? `unknown status "${o.rawStatus}"` : o.status}${fill} (id ${o.id})`;
}

export const getOrdersTool = defineTool({
  name: 'get_orders',
  title: 'Get orders',
  description:
    "List the broker's orders, newest first: status 'open' (default), 'closed' or 'all'; optional symbols, an ISO time window on submission (after/until) and a limit (1–500, default 50). Or look up one order by order_id or client_order_id (then no other filter applies). Statuses are Alpaca's; one the server does not know is reported as 'unknown' with rawStatus.",
  group: 'account',
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  inputSchema: z
    .strictObject({
      status: z.enum(['open', 'closed', 'all']).optional().describe('default open'),
      symbols: z
        .array(
          z
            .string()
            .refine((s) => EQUITY_SYMBOL.test(s) || OCC_SYMBOL.test(s), 'each symbol must be an uppercase ticker (AAPL, BRK.B) or an OCC option symbol'),
        )
        .min(1)
        .max(100)
        .optional(),
      after: instant.optional().describe('submitted after this instant'),
      until: instant.optional().describe('submitted before this instant'),
      limit: z.number().int('limit must be a whole number').min(1).max(500).optional().describe('default 50'),
      order_id: z.string().regex(ORDER_ID, 'order_id is the broker id (letters, digits, dashes)').optional(),
      client_order_id: z.string().regex(CLIENT_ORDER_ID, 'client_order_id must be 1–48 characters of letters, digits, . _ : -').optional(),
    })
    .superRefine((v, ctx) => {
      const single = v.order_id !== undefined || v.client_order_id !== undefined;
      if (v.order_id !== undefined && v.client_order_id !== undefined)
        ctx.addIssue({ code: 'custom', message: 'give order_id or client_order_id, not both', path: ['client_order_id'] });
      if (single && (v.status || v.symbols || v.after || v.until || v.limit))
        ctx.addIssue({ code: 'custom', message: 'a lookup by id takes no filters', path: ['status'] });
      if (v.after && v.until && Date.parse(v.after) >= Date.parse(v.until))
        ctx.addIssue({ code: 'custom', message: 'after must be before until', path: ['until'] });
    }),
  outputSchema: z.strictObject({ mode: ModeSchema, broker: BrokerNameSchema, orders: z.array(BrokerOrderSchema) }),
  async handler(input, { deps }) {
    const { getBroker } = await import('../broker/index.js');
    const broker = await getBroker(deps);
    let orders: BrokerOrder[];
    if (input.order_id !== undefined || input.client_order_id !== undefined) {
      const found = input.order_id !== undefined ? await broker.getOrder(input.order_id) : await broker.getOrderByClientId(input.client_order_id!);
      if (!found)
        throw new ToolError(
          'NOT_FOUND',
          `no order with ${input.order_id !== undefined ? `id ${input.order_id}` : `client_order_id ${input.client_order_id}`}`,
          {},
        );
      orders = [found];
    } else {
      orders = await broker.listOrders({
        status: input.status ?? 'open',
        ...(input.symbols ? { symbols: input.symbols } : {}),
        ...(input.after ? { after: input.after } : {}),
        ...(input.until ? { until: input.until } : {}),
        limit: input.limit ?? 50,
      });
    }
    const text = orders.length
      ? `${orders.length} order(s) (${broker.mode}):\n${orders.map(describeOrder).join('\n')}`
      : `No ${input.status ?? 'open'} orders (${broker.mode}).`;
    return { structured: { mode: broker.mode, broker: broker.name, orders }, text };
  },
});
