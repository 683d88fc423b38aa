/**
 * Properties (fast-check): any single-field change changes the order hash; and over random
 * sequences of calls, Opus replies and broker faults, the orders the broker accepted are a subset
 * of the hashes Opus approved, each client_order_id at most once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeOrder, orderHash, OrderInputSchema, type NormalizedOrder } from '../../../src/orders/order.js';
import { orderHashIn, startFakeGateway, type Behaviour, type FakeGateway, type GatewayRequest } from '../../support/fake-gateway.js';
import { startFakeAlpaca, type FailRule, type FakeAlpaca } from '../../support/fake-alpaca.js';
import { approve, startHarness } from '../../support/execution-harness.js';

const base: NormalizedOrder = {
  symbol: 'AAPL',
  side: 'buy',
  qty: 10,
  notional: null,
  type: 'limit',
  time_in_force: 'day',
  limit_price: 150.25,
  stop_price: null,
  extended_hours: false,
  client_order_id: 'cid-1',
  order_class: 'simple',
  legs: [
    { symbol: 'SPY260417P00500000', side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
    { symbol: 'SPY260417P00510000', side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
  ],
};

/** A different value of the same kind for every field (and leg field) of a normalized order. */
const mutations: Record<string, fc.Arbitrary<(o: NormalizedOrder) => NormalizedOrder>> = {
  symbol: fc
    .stringMatching(/^[A-Z]{1,5}$/)
    .filter((s) => s !== base.symbol)
    .map((v) => (o) => ({ ...o, symbol: v })),
  side: fc.constant((o: NormalizedOrder) => ({ ...o, side: o.side === 'buy' ? 'sell' : 'buy' })),
  qty: fc
    .double({ min: 0.0001, max: 1e6, noNaN: true })
    .filter((v) => v !== base.qty)
    .map((v) => (o) => ({ ...o, qty: v })),
  notional: fc.double({ min: 1, max: 1e6, noNaN: true }).map((v) => (o) => ({ ...o, notional: v })),
  type: fc.constantFrom('market', 'stop', 'stop_limit').map((v) => (o) => ({ ...o, type: v as NormalizedOrder['type'] })),
  time_in_force: fc.constantFrom('gtc', 'ioc', 'fok', 'opg', 'cls').map((v) => (o) => ({ ...o, time_in_force: v as NormalizedOrder['time_in_force'] })),
  limit_price: fc
    .double({ min: -1e6, max: 1e6, noNaN: true })
    .filter((v) => v !== base.limit_price && v !== 0)
    .map((v) => (o) => ({ ...o, limit_price: v })),
  stop_price: fc.double({ min: 0.01, max: 1e6, noNaN: true }).map((v) => (o) => ({ ...o, stop_price: v })),
  extended_hours: fc.constant((o: NormalizedOrder) => ({ ...o, extended_hours: !o.extended_hours })),
  client_order_id: fc
    .oneof(
      fc.constant(null),
      fc.stringMatching(/^[A-Za-z0-9._:-]{1,48}$/).filter((s) => s !== base.client_order_id),
    )
    .map((v) => (o) => ({ ...o, client_order_id: v })),
  order_class: fc.constant((o: NormalizedOrder) => ({ ...o, order_class: o.order_class === 'simple' ? 'mleg' : 'simple' })),
  legs: fc.constant((o: NormalizedOrder) => ({ ...o, legs: null })),
  leg_symbol: fc.constant((o: NormalizedOrder) => ({ ...o, legs: o.legs!.map((l, i) => (i === 0 ? { ...l, symbol: 'SPY260417P00495000' } : l)) })),
  leg_side: fc.constant((o: NormalizedOrder) => ({ ...o, legs: o.legs!.map((l, i) => (i === 1 ? { ...l, side: 'buy' as const } : l)) })),
  leg_ratio: fc
    .integer({ min: 2, max: 100 })
    .map((v) => (o: NormalizedOrder) => ({ ...o, legs: o.legs!.map((l, i) => (i === 0 ? { ...l, ratio_qty: v } : l)) })),
  leg_intent: fc.constant((o: NormalizedOrder) => ({ ...o, legs: o.legs!.map((l, i) => (i === 0 ? { ...l, position_intent: 'buy_to_close' as const } : l)) })),
  leg_order: fc.constant((o: NormalizedOrder) => ({ ...o, legs: [...o.legs!].reverse() })),
};

describe('order hash', () => {
  it('changes when any single field changes (and with the mode)', () => {
    const h0 = orderHash(base, 'paper');
    fc.assert(
      fc.property(fc.oneof(...Object.values(mutations)), (mutate) => {
        expect(orderHash(mutate(base), 'paper')).not.toBe(h0);
      }),
      { numRuns: 500 },
    );
    expect(orderHash(base, 'live')).not.toBe(h0);
    expect(orderHash(base, 'sim')).not.toBe(h0);
    expect(orderHash({ ...base }, 'paper')).toBe(h0);
  });
});

const CONFIRM: Record<string, (req: GatewayRequest) => Behaviour> = {
  approve: (req) => ({ content: approve(req) }),
  reject: (req) => ({ content: JSON.stringify({ decision: 'REJECT', order_hash: orderHashIn(req), reasons: ['no'] }) }),
  prose: () => ({ content: 'sure' }),
  wrongHash: () => ({ content: JSON.stringify({ decision: 'APPROVE', order_hash: '0'.repeat(64), reasons: [] }) }),
  substituted: (req) => ({ content: approve(req), model: 'claude-sonnet-4-5' }),
  error: () => ({ status: 500 }),
};
const POST = { method: 'POST', path: '/v2/orders', api: 'trading' as const };
const FAULTS: Record<string, FailRule | null> = {
  none: null,
  r403: { ...POST, status: 403 },
  r422: { ...POST, status: 422, body: { code: 42210000, message: 'invalid qty' } },
  r500: { ...POST, status: 500 },
  acceptThen500: { ...POST, mode: 'accept-then-status', status: 500 },
  acceptThenReset: { ...POST, mode: 'accept-then-reset' },
  reset: { ...POST, mode: 'reset' },
};

describe('broker orders ⊆ approved hashes (random calls and faults)', () => {
  let alpaca: FakeAlpaca;
  let gw: FakeGateway;
  let next: (req: GatewayRequest) => Behaviour = CONFIRM.approve!;
  const approved = new Set<string>();
  beforeAll(async () => {
    alpaca = await startFakeAlpaca();
    gw = await startFakeGateway();
    gw.script((req) => {
      const b = next(req);
      if (next === CONFIRM.approve) approved.add(orderHashIn(req)!);
      return b;
    });
  });
  afterAll(async () => {
    await alpaca?.close();
    await gw?.close();
  });

  it('holds over random sequences', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            qty: fc.integer({ min: 1, max: 3 }),
            cid: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
            confirm: fc.constantFrom(...Object.keys(CONFIRM)),
            fault: fc.constantFrom(...Object.keys(FAULTS)),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (calls) => {
          run += 1;
          const h = await startHarness({
            gatewayUrl: gw.url,
            alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 1_000, rateLimitPerMin: 1_000_000 },
            rejectCooldownSec: 0,
            llm: { breaker: { consecutiveFailures: 1_000_000 }, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
          });
          const hashOf = new Map<string, string>();
          try {
            for (const call of calls) {
              next = CONFIRM[call.confirm]!;
              alpaca.clearFailures();
              const rule = FAULTS[call.fault];
              if (rule) alpaca.fail(rule);
              const input = {
                symbol: 'MSFT',
                side: 'buy',
                qty: call.qty,
                type: 'market',
                time_in_force: 'day',
                ...(call.cid ? { client_order_id: `p${run}-${call.cid}` } : {}),
              } as const;
              let cid: string | null = input.client_order_id ?? null;
              try {
                const r = await h.gate.place(input);
                cid = r.client_order_id;
              } catch (err) {
                cid = ((err as { details?: { client_order_id?: string } }).details?.client_order_id ?? cid) as string | null;
              }
              if (cid) hashOf.set(cid, call.confirm);
            }
          } finally {
            alpaca.clearFailures();
            await h.close();
          }
          const mine = alpaca.submittedOrders.filter((o) => hashOf.has(o.client_order_id));
          const ids = mine.map((o) => o.client_order_id);
          expect(new Set(ids).size).toBe(ids.length); // each client_order_id at most once
          for (const o of mine) {
            // the hash of what the broker actually received, recomputed from its wire order
            const given = o.client_order_id.startsWith('tmcp-') ? {} : { client_order_id: o.client_order_id };
            const received = { symbol: o.symbol, side: o.side, qty: Number(o.qty), type: o.type, time_in_force: o.time_in_force, ...given };
            expect(approved.has(orderHash(normalizeOrder(OrderInputSchema.parse(received)), 'paper'))).toBe(true);
          }
          for (const id of hashOf.keys())
            expect(
              alpaca.requests.filter((q) => q.method === 'POST' && q.path === '/v2/orders' && (q.body as { client_order_id?: string })?.client_order_id === id)
                .length,
            ).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 25 },
    );
  }, 240_000);
});
