/**
 * replace_order (SPEC §12): change an open order's qty, limit, stop, trail or time in force. The
 * order as it will stand runs the whole execution gate — risk (as the new order, the old one's
 * reservation released), council ticket if the profile wants one, Claude Opus confirming that
 * exact order's hash with the change spelled out, the human in live mode — then the broker
 * replaces it (Alpaca PATCH /v2/orders/{id}: a new order id, the old one ends `replaced`).
 */
import { ReplaceOrderInputSchema } from '../execution/actions/replace.js';
import { PlaceOrderResultSchema } from '../execution/result.js';
import { defineTool } from '../tool.js';
import { gateHandler } from './place-order.js';

export const replaceOrderTool = defineTool({
  name: 'replace_order',
  title: 'Replace an open order (gated)',
  description: [
    "Change an open order's qty, limit_price, stop_price, trail (a trailing stop's, in its own unit) or time_in_force.",
    'Name it by order_id or client_order_id. The order as it will stand after the change goes through the whole execution',
    'gate like place_order: risk (checked as the new order), council ticket if the profile requires one, Claude Opus',
    'confirming that exact order (its order_hash; the prompt says what changes), the human in live mode. new_client_order_id',
    'makes the call idempotent. Multi-leg, notional and bracket-entry orders cannot be replaced (cancel and place anew; a',
    "bracket's exits can be replaced by their own ids). A refusal is an error whose code names the stage; its details carry",
    'action.order, the order as it would stand (for council_vote).',
  ].join(' '),
  group: 'execution',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  inputSchema: ReplaceOrderInputSchema,
  outputSchema: PlaceOrderResultSchema,
  handler: gateHandler('replace'),
});
