/** A multi-leg (iron condor) order through the gate to the loopback Alpaca: order_class mleg on the wire, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
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
    alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 2_000 },
    risk: { minDaysToExpiry: 0, maxDaysToExpiry: 400, maxOptionsLossUsd: 1_000_000 },
  });
});
afterAll(async () => {
  await h?.close();
  await alpaca?.close();
  await gw?.close();
});

async function condor() {
  const contracts = await (await getBroker(h.deps)).getOptionContracts({ underlying: 'SPY' });
  const exp = contracts[0]!.expiration;
  const of = (type: 'call' | 'put') => contracts.filter((c) => c.expiration === exp && c.type === type).sort((a, b) => a.strike - b.strike);
  const [puts, calls] = [of('put'), of('call')];
  return [
    { symbol: puts[0]!.symbol, side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
    { symbol: puts[1]!.symbol, side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
    { symbol: calls[calls.length - 2]!.symbol, side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
    { symbol: calls[calls.length - 1]!.symbol, side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
  ];
}

describe('multi-leg through Alpaca', () => {
  it('sends an iron condor as order_class mleg with its four legs, once (also when the answer is lost after acceptance)', async () => {
    const legs = await condor();
    alpaca.fail({ method: 'POST', path: '/v2/orders', api: 'trading', mode: 'accept-then-status', status: 502 });
    const r = await h.gate.place({ order_class: 'mleg', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', legs, client_order_id: 'condor-1' });
    expect(r.status).toBe('submitted');
    expect(r.broker_order!.order_class).toBe('mleg');
    expect(alpaca.submittedOrders.length).toBe(1);
    const wire = alpaca.requests.find((q) => q.method === 'POST' && q.path === '/v2/orders')!.body as {
      order_class: string;
      legs: Array<{ symbol: string; position_intent: string }>;
    };
    expect(wire.order_class).toBe('mleg');
    expect(wire.legs.map((l) => [l.symbol, l.position_intent])).toEqual(legs.map((l) => [l.symbol, l.position_intent]));
    expect(alpaca.count('POST', '/v2/orders')).toBe(1);
  });
});
