/** The validate stage alone: the order parsed, normalised and hashed; bad input refused before anything is stored. */
import { afterEach, describe, expect, it } from 'vitest';
import { getGateStore } from '../../../../src/execution/gate-store.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { canonicalOrder, normalizeOrder, orderHash, OrderInputSchema } from '../../../../src/orders/order.js';
import { BUY_AAPL, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('validate stage', () => {
  it('passes a valid order and puts its hash, canonical form and council ticket on the context', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'v-1', council_ticket: 'tkt' }, []);
    const verdict = await validateStage.run(ctx);
    const normalized = normalizeOrder(OrderInputSchema.parse({ ...BUY_AAPL, client_order_id: 'v-1' }));
    const hash = orderHash(normalized, 'sim');
    expect(verdict).toEqual({ outcome: 'passed', message: `order_hash ${hash}` });
    expect(ctx.order.hash).toBe(hash);
    expect(ctx.order.canonical).toBe(canonicalOrder(normalized, 'sim'));
    expect(ctx.order.ticket).toBe('tkt');
    expect(ctx.result.order_hash).toBe(hash);
  });

  it('refuses invalid input with INVALID_INPUT naming the field; nothing is derived or stored', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, { ...BUY_AAPL, qty: -1, client_order_id: 'v-bad' }, []);
    const refusal = await refusalOf(validateStage.run(ctx));
    expect(refusal.code).toBe('INVALID_INPUT');
    expect(refusal.message).toContain('qty');
    expect(() => ctx.order).toThrow(/before the validate stage/);
    expect(ctx.result.order_hash).toBeNull();
    expect(await (await getGateStore(h.deps)).getOrder('v-bad')).toBeNull();
  });
});
