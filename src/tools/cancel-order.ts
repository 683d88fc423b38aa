/** cancel_order (executor only): cancel one open order by its broker id or client_order_id. */
import { z } from 'zod';
import { BrokerNameSchema, BrokerOrderSchema, ModeSchema } from '../broker/schemas.js';
import { CLIENT_ORDER_ID } from '../orders/order.js';
import { defineTool, ToolError } from '../tool.js';
import { describeOrder, ORDER_ID } from './get-orders.js';

export const cancelOrderTool = defineTool({
  name: 'cancel_order',
  title: 'Cancel order',
  description:
    "Cancel one open order, by order_id (the broker's id) or client_order_id — exactly one. Returns the order as the broker reports it after the request (canceled, or pending_cancel while the broker works on it). An order that is already filled, canceled or expired cannot be canceled (BROKER_REJECTED); an unknown id gives NOT_FOUND.",
  group: 'execution',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  inputSchema: z
    .strictObject({
      order_id: z.string().regex(ORDER_ID, 'order_id is the broker id (letters, digits, dashes)').optional(),
      client_order_id: z.string().regex(CLIENT_ORDER_ID, 'client_order_id must be 1–48 characters of letters, digits, . _ : -').optional(),
    })
    .superRefine((v, ctx) => {
      if ((v.order_id === undefined) === (v.client_order_id === undefined))
        ctx.addIssue({ code: 'custom', message: 'give exactly one of order_id or client_order_id', path: ['order_id'] });
    }),
  outputSchema: z.strictObject({ mode: ModeSchema, broker: BrokerNameSchema, canceled: z.boolean(), order: BrokerOrderSchema }),
  async handler(input, { deps }) {
    const { getBroker } = await import('../broker/index.js');
    const broker = await getBroker(deps);
    let id = input.order_id;
    if (id === undefined) {
      const found = await broker.getOrderByClientId(input.client_order_id!);
      if (!found) throw new ToolError('NOT_FOUND', `no order with client_order_id ${input.client_order_id}`, {});
      id = found.id;
    }
    await broker.cancelOrder(id);
    deps.log.info('order cancel requested', { orderId: id, clientOrderId: input.client_order_id ?? null, mode: broker.mode });
    const after = await broker.getOrder(id);
    if (!after) throw new ToolError('NOT_FOUND', `order ${id} vanished after the cancel request`, {});
    const canceled = after.status === 'canceled' || after.status === 'pending_cancel';
    return {
      structured: { mode: broker.mode, broker: broker.name, canceled, order: after },
      text: `${canceled ? 'Canceled' : 'Cancel requested'} (${broker.mode}): ${describeOrder(after)}`,
    };
  },
});
