/**
 * Attacks on replace_order and close_position through the whole gate on the sim broker (review of
 * issue 15, SPEC §12): sizes a close may reach, the replaced order's reservation, the Opus REJECT
 * cool-down and the halt on both new paths. Each test states the behaviour the gate must have; a
 * failing test is a finding, a passing one a defence that held.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../src/broker/index.js';
import type { Broker, BrokerOrder } from '../../src/broker/types.js';
import { ToolError } from '../../src/errors.js';
import type { PlaceOrderResult } from '../../src/execution/result.js';
import { normalizeOrder, OrderInputSchema } from '../../src/orders/order.js';
import { getRiskState } from '../../src/risk/state.js';
import { approve, CONFIRMATION_REQUESTS, reject, startHarness, type Harness } from '../support/execution-harness.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

let gw: FakeGateway;
let h: Harness;
let broker: Broker;
let opus: 'approve' | 'reject' = 'approve';
/** Set by a test: runs just before the commit point (after risk, Opus and the human). */
let beforeCommit: (() => Promise<void>) | null = null;
let seq = 0;

beforeAll(async () => {
  gw = await startFakeGateway();
  gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: opus === 'approve' ? approve(req) : reject(req) } : undefined));
  h = await startHarness({
    gatewayUrl: gw.url,
    services: (_deps, real) => ({
      ...real,
      orderSlot: async (order, at) => {
        if (beforeCommit) await beforeCommit();
        return real.orderSlot(order, at);
      },
    }),
  });
  broker = await getBroker(h.deps);
});
afterAll(async () => {
  await h?.close();
  await gw?.close();
});
beforeEach(async () => {
  opus = 'approve';
  beforeCommit = null;
  const state = await getRiskState(h.deps);
  if ((await state.isHalted()).halted) await state.resume('test');
});

/** An order straight at the sim broker (as if placed earlier), bypassing the gate. */
async function atBroker(input: Record<string, unknown>): Promise<BrokerOrder> {
  seq += 1;
  return broker.submitOrder({ ...normalizeOrder(OrderInputSchema.parse(input)), client_order_id: `seed-${seq}` });
}

async function run(f: () => Promise<PlaceOrderResult>): Promise<PlaceOrderResult & { code?: string }> {
  try {
    return await f();
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    return { ...(err.details as unknown as PlaceOrderResult), code: err.code };
  }
}

const held = async (symbol: string) => (await broker.getPositions()).find((p) => p.symbol === symbol)?.qty ?? 0;
const ask = async (symbol: string) => (await broker.getLatestQuote(symbol)).askPrice;

describe('replace_order releases the replaced order\'s reservation (RiskAction "replace")', () => {
  it('a limit buy holding most of the cash can have its limit moved by a cent', async () => {
    const a = await ask('MSFT');
    const limit = Math.round(a * 0.9 * 100) / 100; // rests below the market
    const account = await broker.getAccount();
    const qty = Math.floor((account.buyingPower * 0.8) / limit);
    const target = await atBroker({ symbol: 'MSFT', side: 'buy', qty, type: 'limit', limit_price: limit, time_in_force: 'gtc' });
    expect(target.status).not.toBe('filled');
    // the same order a cent higher needs 0.8 × buying power + qty cents: it fits once the old hold is released
    const r = await run(() => h.gate.replace({ order_id: target.id, limit_price: Math.round((limit + 0.01) * 100) / 100 }));
    const bp = r.risk?.checks.find((c) => c.name === 'buying_power');
    expect(bp?.passed, bp?.message).toBe(true);
    expect(r.status).toBe('submitted');
  });
});

describe('close_position never sells more than is held and free', () => {
  it('a qty above the position is refused by close_only and nothing is sent', async () => {
    await atBroker({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'market', time_in_force: 'day' });
    const before = await held('AAPL');
    expect(before).toBeGreaterThan(0);
    const r = await run(() => h.gate.close({ symbol: 'AAPL', qty: before + 5 }));
    expect(r.code).toBe('RISK_REJECTED');
    expect(r.risk?.checks.find((c) => c.name === 'close_only')?.passed).toBe(false);
    expect(await held('AAPL')).toBe(before);
  });

  it('shares promised to an open sell are not closed again (100% with a resting stop for part)', async () => {
    const before = await held('AAPL');
    const stop = await atBroker({ symbol: 'AAPL', side: 'sell', qty: 4, type: 'stop', stop_price: 1, time_in_force: 'gtc' });
    const r = await run(() => h.gate.close({ symbol: 'AAPL', percentage: 100 }));
    expect(r.code).toBe('RISK_REJECTED');
    expect(await held('AAPL')).toBe(before);
    await broker.cancelOrder(stop.id);
  });
});

describe('an Opus REJECT cool-down holds on the new paths', () => {
  it('a rejected close is not sent to Opus again under another client_order_id', async () => {
    opus = 'reject';
    const first = await run(() => h.gate.close({ symbol: 'AAPL', qty: 1, client_order_id: 'atk-cool-1' }));
    expect(first.code).toBe('CONFIRMATION_REJECTED');
    opus = 'approve';
    const calls = CONFIRMATION_REQUESTS(gw).length;
    const second = await run(() => h.gate.close({ symbol: 'AAPL', qty: 1 }));
    expect(second.code).toBe('CONFIRMATION_REJECTED');
    expect(CONFIRMATION_REQUESTS(gw).length).toBe(calls);
  });

  it('a rejected replace is not sent to Opus again with another new_client_order_id, nor as place_order', async () => {
    const target = await atBroker({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limit_price: 10, time_in_force: 'gtc' });
    opus = 'reject';
    expect((await run(() => h.gate.replace({ order_id: target.id, limit_price: 11, new_client_order_id: 'atk-cool-r1' }))).code).toBe('CONFIRMATION_REJECTED');
    opus = 'approve';
    const calls = CONFIRMATION_REQUESTS(gw).length;
    expect((await run(() => h.gate.replace({ order_id: target.id, limit_price: 11, new_client_order_id: 'atk-cool-r2' }))).code).toBe('CONFIRMATION_REJECTED');
    expect(
      (await run(() => h.gate.place({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limit_price: 11, time_in_force: 'gtc', extended_hours: false })))
        .code,
    ).toBe('CONFIRMATION_REJECTED');
    expect(CONFIRMATION_REQUESTS(gw).length).toBe(calls);
    expect((await broker.getOrder(target.id))?.limitPrice).toBe(10);
  });
});

describe('a halt that lands after resolution and confirmation stops both paths', () => {
  const haltNow = async () => {
    await (await getRiskState(h.deps)).halt('attack test', 'cli');
  };

  it('replace_order: TRADING_HALTED, the open order untouched', async () => {
    const target = await atBroker({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limit_price: 20, time_in_force: 'gtc' });
    beforeCommit = haltNow;
    const r = await run(() => h.gate.replace({ order_id: target.id, limit_price: 21 }));
    expect(r.code).toBe('TRADING_HALTED');
    const after = await broker.getOrder(target.id);
    expect(after?.status).not.toBe('replaced');
    expect(after?.limitPrice).toBe(20);
  });

  it('close_position: TRADING_HALTED, the position untouched', async () => {
    const before = await held('AAPL');
    beforeCommit = haltNow;
    // qty 2: the REJECT cool-down above binds "sell 1 AAPL at market"
    const r = await run(() => h.gate.close({ symbol: 'AAPL', qty: 2 }));
    expect(r.code).toBe('TRADING_HALTED');
    expect(await held('AAPL')).toBe(before);
  });
});
