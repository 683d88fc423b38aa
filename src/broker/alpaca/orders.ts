/**
 * Alpaca orders: list and look up (404 → null; bracket / OCO / OTO exits nested under their parent),
 * submit and replace (neither ever replayed), cancel.
 */
import { z } from 'zod';
import { ToolError } from '../../errors.js';
import type { BrokerOrder, OrderFilter, OrderReplacement, OrderSubmission } from '../types.js';
import type { CallInfo } from './call.js';
import type { AlpacaClient } from './client.js';
import { toOrder, toOrderRequest, toReplaceRequest } from './map.js';
import { WireOrder } from './wire.js';

export async function listOrders(c: AlpacaClient, filter: OrderFilter = {}): Promise<BrokerOrder[]> {
  const list = await c.caller.call(
    { what: 'GET /v2/orders', method: 'GET' },
    () =>
      c.api.orders.getAllOrdersRaw({
        status: filter.status ?? 'open',
        limit: filter.limit ?? 50,
        direction: 'desc',
        // the exits of a bracket / OCO / OTO come nested under their parent, not as orders of their own
        nested: true,
        ...(filter.after ? { after: filter.after } : {}),
        ...(filter.until ? { until: filter.until } : {}),
        ...(filter.symbols?.length ? { symbols: filter.symbols.join(',') } : {}),
      }),
    z.array(WireOrder),
  );
  return list.map(toOrder);
}

/** NOT_FOUND becomes null: the gate reconciles by asking, and "no such order" is an answer. */
async function orNull(lookup: () => Promise<BrokerOrder>): Promise<BrokerOrder | null> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof ToolError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

export function getOrder(c: AlpacaClient, id: string): Promise<BrokerOrder | null> {
  return orNull(async () =>
    toOrder(await c.caller.call({ what: `GET order ${id}`, method: 'GET' }, () => c.api.orders.getOrderByOrderIDRaw({ orderId: id, nested: true }), WireOrder)),
  );
}

export function getOrderByClientId(c: AlpacaClient, clientOrderId: string): Promise<BrokerOrder | null> {
  return orNull(async () =>
    toOrder(
      await c.caller.call(
        { what: `GET order by client_order_id ${clientOrderId}`, method: 'GET' },
        () => c.api.orders.getOrderByClientOrderIdRaw({ clientOrderId }),
        WireOrder,
      ),
    ),
  );
}

export async function submitOrder(c: AlpacaClient, order: OrderSubmission): Promise<BrokerOrder> {
  const request = toOrderRequest(order);
  const { orders } = c.api;
  const w = await c.caller.call(
    { what: `POST /v2/orders (client_order_id ${order.client_order_id})`, method: 'POST' },
    // The generated types are narrower than the wire (enums as string unions); the request mirrors SPEC §4 one-to-one.
    () => orders.postOrderRaw({ postOrderRequest: request as unknown as Parameters<typeof orders.postOrderRaw>[0]['postOrderRequest'] }),
    WireOrder,
  );
  return toOrder(w);
}

/**
 * PATCH /v2/orders/{id}: the answer is the new order (its own id, `replaces` = id). A 422 with
 * Alpaca's code 42210000 (filled, cancelled, already replaced, or in a state Alpaca does not
 * replace from) is BROKER_REJECTED reason not_replaceable (errors.ts).
 */
export async function replaceOrder(c: AlpacaClient, id: string, change: OrderReplacement): Promise<BrokerOrder> {
  const { orders } = c.api;
  const w = await c.caller.call(
    { what: `PATCH order ${id} (client_order_id ${change.client_order_id})`, method: 'PATCH' },
    // time_in_force is the SDK's enum of the same strings
    () =>
      orders.patchOrderByOrderIdRaw({
        orderId: id,
        patchOrderRequest: toReplaceRequest(change) as Parameters<typeof orders.patchOrderByOrderIdRaw>[0]['patchOrderRequest'],
      }),
    WireOrder,
  );
  return toOrder(w);
}

/** DELETE has no body to validate, so it runs its own 429 loop; a 404 names the order. */
export async function cancelOrder(c: AlpacaClient, id: string): Promise<void> {
  const info: CallInfo = { what: `DELETE order ${id}`, method: 'DELETE' };
  const deadline = c.caller.deadline();
  for (;;) {
    try {
      await c.api.orders.deleteOrderByOrderIDRaw({ orderId: id });
      return;
    } catch (err) {
      const waitMs = c.caller.rateLimitWait(err, deadline);
      if (waitMs !== null) {
        await new Promise((r) => setTimeout(r, waitMs));
        continue;
      }
      if (c.caller.isStatus(err, 404))
        throw new ToolError('NOT_FOUND', `Alpaca has no order ${id}`, { status: 404, ...(err.code !== undefined ? { alpacaCode: err.code } : {}) });
      throw c.caller.mapError(err, info);
    }
  }
}
