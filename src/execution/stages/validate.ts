/** Stage 1: the order parsed, normalised and hashed (the hash every later stage binds to). */
import { canonicalOrder, normalizeOrder, orderHash, type ParsedOrder } from '../../orders/order.js';
import { Refusal } from '../attempt.js';
import type { GateStage } from '../context.js';
import { PlaceOrderInputSchema } from '../result.js';

export const validateStage: GateStage = {
  name: 'validate',
  async run(ctx) {
    const checked = PlaceOrderInputSchema.safeParse(ctx.raw);
    if (!checked.success) {
      throw new Refusal('INVALID_INPUT', `invalid order: ${checked.error.issues.map((i) => `${i.path.join('.') || '(order)'}: ${i.message}`).join('; ')}`);
    }
    const { council_ticket: councilTicket, ...orderFields } = checked.data;
    const parsed = orderFields as ParsedOrder;
    const order = normalizeOrder(parsed);
    const hash = orderHash(order, ctx.mode);
    ctx.order = { parsed, order, hash, canonical: canonicalOrder(order, ctx.mode), ticket: councilTicket ?? null };
    ctx.result.order_hash = hash;
    return { outcome: 'passed', message: `order_hash ${hash}` };
  },
};
