/**
 * close_position (SPEC §12): close all of a held position, or `qty` of it, or `percentage` of it,
 * at market or at a limit. The closing order (opposite side, the held symbol; sell_to_close /
 * buy_to_close for an option) runs the whole execution gate: no buying power is needed, but the
 * kill switch, the rate limits, the close-only rule and Claude Opus all apply.
 */
import { ClosePositionInputSchema } from '../execution/actions/close.js';
import { PlaceOrderResultSchema } from '../execution/result.js';
import { defineTool } from '../tool.js';
import { gateHandler } from './place-order.js';

export const closePositionTool = defineTool({
  name: 'close_position',
  title: 'Close a position (gated)',
  description: [
    'Close a held position (equity ticker or OCC option symbol): all of it, qty of it, or percentage of it (rounded down;',
    'whole contracts for options), at market or at limit_price. The closing order goes through the whole execution gate like',
    'place_order (risk: kill switch, rates, close-only; council ticket if the profile requires one; Claude Opus confirming',
    'that exact order; the human in live mode). client_order_id makes it idempotent. NOT_FOUND when nothing is held. A',
    'refusal is an error whose code names the stage; its details carry action.order, the closing order (for council_vote).',
  ].join(' '),
  group: 'execution',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  inputSchema: ClosePositionInputSchema,
  outputSchema: PlaceOrderResultSchema,
  handler: gateHandler('close'),
});
