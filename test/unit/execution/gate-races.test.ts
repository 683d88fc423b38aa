/**
 * Races and late changes around the execution gate (review findings): concurrent attempts against
 * the order-rate limit, a halt or an Opus REJECT landing while another attempt is being confirmed,
 * and confirmation replies that repeat a key under an escape. Each test counts broker orders.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
import { ToolError } from '../../../src/errors.js';
import { isOpusModel, parseConfirmation, repeatedKey } from '../../../src/execution/confirmation.js';
import { readJournal } from '../../../src/execution/journal.js';
import type { PlaceOrderResult } from '../../../src/execution/result.js';
import { getGateStore } from '../../../src/execution/gate-store.js';
import { getRiskState } from '../../../src/risk/service.js';
import { issueTicket } from '../../../src/council/ticket.js';
import { normalizeOrder, orderHash, OrderInputSchema } from '../../../src/orders/order.js';
import { messageText, orderHashIn, startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { approve, BUY_AAPL, CONFIRMATION_REQUESTS, reject, startHarness, type Harness } from '../../support/execution-harness.js';

let h: Harness | undefined;
let gw: FakeGateway | undefined;
afterEach(async () => {
  await h?.close();
  await gw?.close();
  h = undefined;
  gw = undefined;
});

const brokerOrders = async (harness: Harness) => (await getBroker(harness.deps)).listOrders({ status: 'all', limit: 500 });

function settledCode(s: PromiseSettledResult<PlaceOrderResult>): { status: string; code: string | null; details: PlaceOrderResult } {
  if (s.status === 'fulfilled') return { status: s.value.status, code: s.value.code, details: s.value };
  if (!(s.reason instanceof ToolError)) throw s.reason;
  const details = s.reason.details as unknown as PlaceOrderResult;
  return { status: details.status, code: s.reason.code, details };
}

const isConfirmation = (path: string) => path.endsWith('/chat/completions');

describe('execution gate races', () => {
  it('two concurrent Opus-approved orders (different client_order_ids) under maxOrdersPerMinute=1: exactly one reaches the broker', async () => {
    gw = await startFakeGateway();
    // a slow Opus keeps both attempts past the risk stage before either is sent
    gw.script((req) => (isConfirmation(req.path) ? { content: approve(req), latencyMs: 300 } : undefined));
    h = await startHarness({ gatewayUrl: gw.url, risk: { maxOrdersPerMinute: 1 } });
    const settled = await Promise.allSettled([
      h.gate.place({ ...BUY_AAPL, client_order_id: 'rate-a' }),
      h.gate.place({ ...BUY_AAPL, qty: 2, client_order_id: 'rate-b' }),
    ]);
    const results = settled.map(settledCode);
    expect(results.map((r) => r.status).sort()).toEqual(['refused', 'submitted']);
    const loser = results.find((r) => r.status === 'refused')!;
    expect(loser.code).toBe('RISK_REJECTED');
    // both were approved: the loser was stopped by the atomic slot claim just before sending
    expect(loser.details.confirmation!.decision).toBe('APPROVE');
    expect(loser.details.stopped_at).toBe('broker');
    expect(loser.details.message).toContain('RISK_RATE_MINUTE');
    expect(CONFIRMATION_REQUESTS(gw).length).toBe(2);
    const orders = await brokerOrders(h);
    expect(orders.length).toBe(1);
    const winner = results.find((r) => r.status === 'submitted')!;
    expect(orders[0]!.clientOrderId).toBe(winner.details.client_order_id);
    // one slot recorded, one INTENT/OUTCOME pair, and the loser's client_order_id is free again (never seen by the broker)
    expect((await (await getRiskState(h.deps)).lastOrders(10)).length).toBe(1);
    expect(readJournal(join(h.dataDir, 'order-journal.log')).map((e) => e.type)).toEqual(['INTENT', 'OUTCOME']);
    expect((await (await getGateStore(h.deps)).getOrder(loser.details.client_order_id!))!.state).toBe('released');
  }, 20_000);

  it('a halt that lands while Opus is deciding stops the order, even though the risk verdict is still young', async () => {
    gw = await startFakeGateway();
    h = await startHarness({ gatewayUrl: gw.url });
    const state = await getRiskState(h.deps);
    gw.script((req) => {
      if (!isConfirmation(req.path)) return undefined;
      void state.halt('operator pressed the kill switch', 'test'); // synchronous write under the hood
      return { content: approve(req), latencyMs: 50 };
    });
    const settled = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'halt-mid' })]);
    const r = settledCode(settled[0]!);
    expect(r.code).toBe('TRADING_HALTED');
    expect(r.details.stopped_at).toBe('broker');
    expect(r.details.confirmation!.decision).toBe('APPROVE');
    expect(await brokerOrders(h)).toEqual([]);
    expect(readJournal(join(h.dataDir, 'order-journal.log'))).toEqual([]);
    // the refusal used no rate slot
    expect((await state.lastOrders(10)).length).toBe(0);
  });

  it('an Opus REJECT of the same order (another client_order_id) that lands first is final for a concurrent approved attempt', async () => {
    gw = await startFakeGateway();
    let aAsked: () => void = () => undefined;
    const aIsBeingConfirmed = new Promise<void>((res) => (aAsked = res));
    gw.script((req) => {
      if (!isConfirmation(req.path)) return undefined;
      // the attempt under "race-a" gets its APPROVE late; the one under "race-b" is rejected at once
      if (messageText(req).includes('"client_order_id":"race-a"')) {
        aAsked();
        return { content: approve(req), latencyMs: 500 };
      }
      return { content: reject(req) };
    });
    h = await startHarness({ gatewayUrl: gw.url, rejectCooldownSec: 600 });
    const first = h.gate.place({ ...BUY_AAPL, client_order_id: 'race-a' });
    await aIsBeingConfirmed;
    const second = h.gate.place({ ...BUY_AAPL, client_order_id: 'race-b' });
    const settled = await Promise.allSettled([first, second]);
    const [a, b] = settled.map(settledCode);
    expect(b!.code).toBe('CONFIRMATION_REJECTED');
    expect(b!.details.stopped_at).toBe('confirmation');
    expect(a!.code).toBe('CONFIRMATION_REJECTED');
    expect(a!.details.confirmation!.decision).toBe('APPROVE');
    expect(a!.details.stopped_at).toBe('broker');
    expect(await brokerOrders(h)).toEqual([]);
  }, 20_000);

  it('an order under an Opus REJECT cool-down is refused at the confirmation with no second Opus call; its ticket is checked, never spent', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (isConfirmation(req.path) ? { content: reject(req) } : undefined));
    const checked: string[] = [];
    h = await startHarness({
      gatewayUrl: gw.url,
      requireCouncilTicket: true,
      rejectCooldownSec: 600,
      services: (_deps, real) => ({ ...real, verifyTicket: async (ticket) => (checked.push(ticket), { ok: true, ticketId: ticket }) }),
    });
    const [first] = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'cool-1', council_ticket: 'ticket-1' })]);
    expect(settledCode(first!).code).toBe('CONFIRMATION_REJECTED');
    expect(checked).toEqual(['ticket-1']);
    const [second] = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'cool-2', council_ticket: 'ticket-2' })]);
    const r = settledCode(second!);
    expect(r.code).toBe('CONFIRMATION_REJECTED');
    expect(checked).toEqual(['ticket-1', 'ticket-2']); // checked (checking spends nothing), then refused by the cool-down
    expect(CONFIRMATION_REQUESTS(gw)).toHaveLength(1);
    expect(await brokerOrders(h)).toEqual([]);
  });

  it('an Opus outage does not spend the council ticket: the same ticket works once Opus is back, and only once', async () => {
    gw = await startFakeGateway();
    let opusDown = true;
    gw.script((req) => (isConfirmation(req.path) ? (opusDown ? { status: 500 } : { content: approve(req) }) : undefined));
    h = await startHarness({ gatewayUrl: gw.url, requireCouncilTicket: true, llm: { breaker: { halfOpenAfterMs: 1 } } });
    const hash = orderHash(normalizeOrder(OrderInputSchema.parse({ ...BUY_AAPL })), 'sim');
    const { ticket } = await issueTicket(h.deps, { orderHash: hash, decision: 'APPROVE', councilId: 'c-outage' });
    const [down] = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, council_ticket: ticket })]);
    expect(settledCode(down!).code).toBe('CONFIRMATION_UNAVAILABLE');
    expect(await brokerOrders(h)).toEqual([]);
    opusDown = false;
    const placed = await h.gate.place({ ...BUY_AAPL, council_ticket: ticket });
    expect(placed.status).toBe('submitted');
    expect(placed.council).toMatchObject({ ok: true });
    const [again] = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, council_ticket: ticket })]);
    expect(settledCode(again!).code).toBe('COUNCIL_REQUIRED');
    expect(await brokerOrders(h)).toHaveLength(1);
  }, 30_000);

  it('six concurrent attempts with one council ticket: exactly one reaches the broker', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (isConfirmation(req.path) ? { content: approve(req), latencyMs: 20 } : undefined));
    h = await startHarness({ gatewayUrl: gw.url, requireCouncilTicket: true });
    const hash = orderHash(normalizeOrder(OrderInputSchema.parse({ ...BUY_AAPL })), 'sim');
    const { ticket } = await issueTicket(h.deps, { orderHash: hash, decision: 'APPROVE', councilId: 'c-race' });
    const settled = await Promise.allSettled(Array.from({ length: 6 }, () => h!.gate.place({ ...BUY_AAPL, council_ticket: ticket })));
    const codes = settled.map((s) => settledCode(s).code);
    expect(codes.filter((c) => c === null)).toHaveLength(1);
    expect(codes.filter((c) => c === 'COUNCIL_REQUIRED')).toHaveLength(5);
    expect(await brokerOrders(h)).toHaveLength(1);
  }, 30_000);

  it('an id already taken at the broker by a different order is reported as not placed, never as ours', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (isConfirmation(req.path) ? { content: approve(req) } : undefined));
    h = await startHarness({ gatewayUrl: gw.url });
    const broker = await getBroker(h.deps);
    // someone else's order under the id the agent is about to use (e.g. placed by another tool at the broker)
    await broker.submitOrder({
      symbol: 'MSFT',
      side: 'buy',
      qty: 3,
      notional: null,
      type: 'market',
      time_in_force: 'day',
      limit_price: null,
      stop_price: null,
      extended_hours: false,
      client_order_id: 'taken-1',
      order_class: 'simple',
      legs: null,
    });
    const [outcome] = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'taken-1' })]);
    const r = settledCode(outcome!);
    expect(r.code).toBe('BROKER_REJECTED');
    expect(r.details.message).toContain('different order');
    const orders = await brokerOrders(h);
    expect(orders.map((o) => `${o.clientOrderId} ${o.side} ${o.symbol}`)).toEqual(['taken-1 buy MSFT']);
  });

  it('refuses a confirmation that repeats a key under a unicode escape (JSON.parse keeps the last one)', async () => {
    gw = await startFakeGateway();
    gw.script((req) =>
      isConfirmation(req.path)
        ? { content: `{"decision":"REJECT","order_hash":"${orderHashIn(req)}","reasons":["no"],"\\u0064ecision":"APPROVE"}` }
        : undefined,
    );
    h = await startHarness({ gatewayUrl: gw.url });
    const settled = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'dup-key' })]);
    const r = settledCode(settled[0]!);
    expect(r.code).toBe('CONFIRMATION_INVALID');
    expect(r.details.confirmation!.problem).toContain('more than once');
    expect(await brokerOrders(h)).toEqual([]);
  });
});

describe('confirmation parsing and the served model (review)', () => {
  const H = 'c'.repeat(64);
  it.each([
    ['escaped repeated decision', `{"decision":"REJECT","order_hash":"${H}","reasons":[],"\\u0064ecision":"APPROVE"}`],
    ['escaped repeated order_hash', `{"order_hash":"${'d'.repeat(64)}","decision":"APPROVE","reasons":[],"\\u006frder_hash":"${H}"}`],
    ['a Cyrillic look-alike in the hash', JSON.stringify({ decision: 'APPROVE', order_hash: `${'c'.repeat(63)}\u0441`, reasons: [] })],
    ['a full-width letter in the hash', JSON.stringify({ decision: 'APPROVE', order_hash: H.slice(0, 63) + '\uff43', reasons: [] })],
    ['a hash with surrounding whitespace', JSON.stringify({ decision: 'APPROVE', order_hash: ` ${H}`, reasons: [] })],
    ['an escaped hash with a zero-width space', JSON.stringify({ decision: 'APPROVE', order_hash: `${H}\u200b`, reasons: [] })],
    ['repeated key with spaces', `{ "decision" : "APPROVE" , "order_hash" : "${H}" , "reasons" : [ ] , "decision" : "APPROVE" }`],
  ])('refuses %s', (_name, content) => {
    expect(parseConfirmation(content, H).ok).toBe(false);
  });

  it('still accepts keys and escaped quotes inside the reasons', () => {
    const content = JSON.stringify({ decision: 'APPROVE', order_hash: H, reasons: ['"decision": "REJECT" would be wrong \\', '\\"order_hash\\":'] });
    expect(repeatedKey(content)).toBeNull();
    expect(parseConfirmation(content, H)).toMatchObject({ ok: true, decision: 'APPROVE' });
  });

  it.each([
    'claude-opus-fake',
    'claude-opus-4-fake',
    'claude-opus/anything',
    'claude-opus:free',
    'claude-opus-4-6-sonnet',
    'not-claude-opus',
    'claude-opus-4-6 ',
    'anthropic.claude-opus-4-1-20250805-v1:0',
  ])('%s is not Opus', (m) => expect(isOpusModel(m)).toBe(false));
  it.each([
    'claude-opus-4-6',
    'claude-opus-4-6-20260301',
    'anthropic/claude-opus-4-5-20251101',
    'claude-opus-4-1@20250805',
    'claude-opus-4-6:latest',
    'claude-3-opus-20240229',
  ])('%s is Opus', (m) => expect(isOpusModel(m)).toBe(true));
});

describe('a late broker answer after shutdown', () => {
  it('is logged, not an unhandled rejection that would end the server', async () => {
    const { startFakeAlpaca } = await import('../../support/fake-alpaca.js');
    const alpaca = await startFakeAlpaca();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      gw = await startFakeGateway();
      gw.script((req) => (isConfirmation(req.path) ? { content: approve(req) } : undefined));
      h = await startHarness({
        gatewayUrl: gw.url,
        alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 3_000, rateLimitPerMin: 1_000_000 },
        gate: { brokerTimeoutMs: 300 },
      });
      alpaca.fail({ method: 'POST', path: '/v2/orders', api: 'trading', latencyMs: 1_200 });
      const settled = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'late-close' })]);
      expect(settledCode(settled[0]!).status).toBe('unknown');
      await h.close(); // the server shuts down while the broker still owes its answer
      h = undefined;
      await new Promise((r) => setTimeout(r, 1_500));
      expect(alpaca.submittedOrders.filter((o) => o.client_order_id === 'late-close').length).toBe(1);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await alpaca.close();
    }
  }, 20_000);
});

describe('malformed numbers never reach a paid call or the broker', () => {
  const LIMIT = { ...BUY_AAPL, type: 'limit', limit_price: 100 };
  it.each([
    ['NaN qty', { ...BUY_AAPL, qty: Number.NaN }],
    ['Infinity qty', { ...BUY_AAPL, qty: Number.POSITIVE_INFINITY }],
    ['negative qty', { ...BUY_AAPL, qty: -1 }],
    ['zero qty', { ...BUY_AAPL, qty: 0 }],
    ['qty as a string', { ...BUY_AAPL, qty: '1' }],
    ['NaN limit_price', { ...LIMIT, limit_price: Number.NaN }],
    ['negative limit_price on a simple order', { ...LIMIT, limit_price: -100 }],
    ['-0 limit_price', { ...LIMIT, limit_price: -0 }],
    ['negative stop_price', { ...BUY_AAPL, type: 'stop', stop_price: -5 }],
    ['NaN notional', { symbol: 'AAPL', side: 'buy', notional: Number.NaN, type: 'market' }],
    ['negative notional', { symbol: 'AAPL', side: 'buy', notional: -500, type: 'market' }],
    ['qty and notional', { ...BUY_AAPL, notional: 100 }],
    ['a limit notional order', { symbol: 'AAPL', side: 'buy', notional: 100, type: 'limit', limit_price: 100 }],
    ['an unknown key', { ...BUY_AAPL, price: 1 }],
  ])('%s is INVALID_INPUT', async (_name, input) => {
    gw ??= await startFakeGateway();
    gw.script((req) => (isConfirmation(req.path) ? { content: approve(req) } : undefined));
    h ??= await startHarness({ gatewayUrl: gw.url });
    const settled = await Promise.allSettled([h.gate.place(input)]);
    const r = settledCode(settled[0]!);
    expect(r.code).toBe('INVALID_INPUT');
    expect(r.details.stopped_at).toBe('validate');
    expect(CONFIRMATION_REQUESTS(gw)).toEqual([]);
    expect(await brokerOrders(h)).toEqual([]);
  });
});

describe('the broker client cannot be had just before sending', () => {
  it('refuses BROKER_UNAVAILABLE without an INTENT, a rate slot or burning the client_order_id', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (isConfirmation(req.path) ? { content: approve(req) } : undefined));
    let brokerCalls = 0;
    let failFrom = 2; // the confirmation's account snapshot gets the broker; the submission does not
    h = await startHarness({
      gatewayUrl: gw.url,
      services: (_deps, real) => ({
        ...real,
        broker: async () => {
          brokerCalls++;
          if (brokerCalls >= failFrom) throw new ToolError('BROKER_UNAVAILABLE', 'broker client failed to initialise');
          return real.broker();
        },
      }),
    });
    const settled = await Promise.allSettled([h.gate.place({ ...BUY_AAPL, client_order_id: 'no-broker' })]);
    const r = settledCode(settled[0]!);
    expect(r.code).toBe('BROKER_UNAVAILABLE');
    expect(r.details.stopped_at).toBe('broker');
    expect(readJournal(join(h.dataDir, 'order-journal.log'))).toEqual([]);
    expect((await (await getRiskState(h.deps)).lastOrders(10)).length).toBe(0);
    expect((await (await getGateStore(h.deps)).getOrder('no-broker'))!.state).toBe('released');
    // the id was never seen by the broker: it may be used again, and then it goes through once
    failFrom = Number.POSITIVE_INFINITY;
    expect((await h.gate.place({ ...BUY_AAPL, client_order_id: 'no-broker' })).status).toBe('submitted');
    expect((await brokerOrders(h)).map((o) => o.clientOrderId)).toEqual(['no-broker']);
  });
});
