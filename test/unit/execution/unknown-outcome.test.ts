/**
 * Unknown broker outcomes: recorded as such, the client_order_id stays blocked (never re-posted),
 * and the outcome is settled later — by a duplicate call's lookup, or by the broker's late answer.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { readJournal } from '../../../src/execution/journal.js';
import type { PlaceOrderResult } from '../../../src/execution/result.js';
import { startFakeAlpaca, type FakeAlpaca } from '../../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { alwaysApprove, startHarness, type Harness } from '../../support/execution-harness.js';

let alpaca: FakeAlpaca;
let gw: FakeGateway;
let h: Harness;
beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
  alwaysApprove(gw);
  h = await startHarness({
    gatewayUrl: gw.url,
    alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 3_000, rateLimitPerMin: 1_000_000 },
    gate: { brokerTimeoutMs: 300 },
  });
});
afterAll(async () => {
  await h?.close();
  await alpaca?.close();
  await gw?.close();
});

const order = (cid: string) => ({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', client_order_id: cid });
const posts = (cid: string) =>
  alpaca.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders' && (r.body as { client_order_id?: string }).client_order_id === cid).length;

async function placeOrError(input: Record<string, unknown>): Promise<{ code: string | null; result: PlaceOrderResult }> {
  try {
    return { code: null, result: await h.gate.place(input) };
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    return { code: err.code, result: err.details as unknown as PlaceOrderResult };
  }
}

describe('unknown outcomes', () => {
  it('a 5xx before acceptance is unknown; the id stays blocked; a later lookup settles it without a second POST', async () => {
    alpaca.fail({ method: 'POST', path: '/v2/orders', api: 'trading', status: 503 });
    const first = await placeOrError(order('unk-1'));
    expect(first.code).toBe('BROKER_UNAVAILABLE');
    expect(first.result.status).toBe('unknown');
    const again = await placeOrError(order('unk-1'));
    expect(again.result.status).toBe('duplicate');
    expect(again.result.duplicate_of!.status).toBe('unknown');
    expect(posts('unk-1')).toBe(1);
    // the order shows up at the broker after all (it was in flight): the next duplicate call finds it
    alpaca.addOrder({ symbol: 'AAPL', client_order_id: 'unk-1' });
    const settled = await placeOrError(order('unk-1'));
    expect(settled.result.status).toBe('duplicate');
    expect(settled.result.duplicate_of!.status).toBe('submitted');
    expect(settled.result.broker_order!.client_order_id).toBe('unk-1');
    expect(posts('unk-1')).toBe(1);
    const journal = readJournal(join(h.dataDir, 'order-journal.log')).filter((e) => e.client_order_id === 'unk-1');
    expect(journal.map((e) => [e.type, e.type === 'OUTCOME' ? e.result : null])).toEqual([
      ['INTENT', null],
      ['OUTCOME', 'unknown'],
      ['OUTCOME', 'submitted'],
    ]);
  });

  it('an answer that arrives after the gate stopped waiting is recorded when it comes', async () => {
    alpaca.fail({ method: 'POST', path: '/v2/orders', api: 'trading', latencyMs: 1_000 });
    const first = await placeOrError(order('late-1'));
    // the gate waited 300 ms, looked the order up (not there yet), and reported the outcome unknown
    expect(first.result.status).toBe('unknown');
    await new Promise((r) => setTimeout(r, 1_500));
    const outcomes = readJournal(join(h.dataDir, 'order-journal.log')).filter((e) => e.client_order_id === 'late-1' && e.type === 'OUTCOME');
    expect(outcomes.map((e) => (e.type === 'OUTCOME' ? [e.result, e.message] : null))).toEqual([
      ['unknown', expect.stringContaining('outcome is unknown')],
      ['submitted', 'the broker answered after the deadline'],
    ]);
    const again = await placeOrError(order('late-1'));
    expect(again.result.status).toBe('duplicate');
    expect(again.result.duplicate_of!.status).toBe('submitted');
    expect(posts('late-1')).toBe(1);
    expect(alpaca.submittedOrders.filter((o) => o.client_order_id === 'late-1').length).toBe(1);
  });
});
