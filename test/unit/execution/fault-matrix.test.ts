/**
 * Fault-injection matrix: every confirmation failure × every broker failure, against the loopback
 * Alpaca (the real adapter over HTTP) and the loopback gateway (the real router). Counts the orders
 * the broker ACCEPTED (fake Alpaca's log): only approved hashes arrive, each at most once, and a
 * retry with the same client_order_id never sends a second order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { orderHashIn, startFakeGateway, type Behaviour, type FakeGateway, type GatewayRequest } from '../../support/fake-gateway.js';
import { startFakeAlpaca, type FailRule, type FakeAlpaca } from '../../support/fake-alpaca.js';
import { approve, startHarness, type Harness } from '../../support/execution-harness.js';

type Confirmation = { name: string; reply: (req: GatewayRequest) => Behaviour; approves: boolean; code: string | null };
const CONFIRMATIONS: Confirmation[] = [
  { name: 'approve', reply: (req) => ({ content: approve(req) }), approves: true, code: null },
  {
    name: 'reject',
    reply: (req) => ({ content: JSON.stringify({ decision: 'REJECT', order_hash: orderHashIn(req), reasons: ['no'] }) }),
    approves: false,
    code: 'CONFIRMATION_REJECTED',
  },
  { name: 'prose', reply: () => ({ content: 'APPROVE' }), approves: false, code: 'CONFIRMATION_INVALID' },
  {
    name: 'extra-keys',
    reply: (req) => ({ content: JSON.stringify({ ...JSON.parse(approve(req)), ok: true }) }),
    approves: false,
    code: 'CONFIRMATION_INVALID',
  },
  {
    name: 'wrong-hash',
    reply: () => ({ content: JSON.stringify({ decision: 'APPROVE', order_hash: 'e'.repeat(64), reasons: [] }) }),
    approves: false,
    code: 'CONFIRMATION_INVALID',
  },
  { name: 'substituted-model', reply: (req) => ({ content: approve(req), model: 'deepseek-v3.2' }), approves: false, code: 'CONFIRMATION_INVALID' },
  { name: 'timeout', reply: () => ({ hang: true }), approves: false, code: 'CONFIRMATION_UNAVAILABLE' },
  { name: '5xx', reply: () => ({ status: 500 }), approves: false, code: 'CONFIRMATION_UNAVAILABLE' },
  { name: '429', reply: () => ({ status: 429, retryAfter: 0 }), approves: false, code: 'CONFIRMATION_UNAVAILABLE' },
];

type BrokerFault = { name: string; rule: FailRule | null; accepted: boolean; status: 'submitted' | 'refused' | 'unknown'; code: string | null };
const POST = { method: 'POST', path: '/v2/orders', api: 'trading' as const };
const BROKER_FAULTS: BrokerFault[] = [
  { name: 'none', rule: null, accepted: true, status: 'submitted', code: null },
  { name: '403', rule: { ...POST, status: 403 }, accepted: false, status: 'refused', code: 'BROKER_REJECTED' },
  {
    name: '422',
    rule: { ...POST, status: 422, body: { code: 42210000, message: 'qty must be a multiple of the lot size' } },
    accepted: false,
    status: 'refused',
    code: 'BROKER_REJECTED',
  },
  { name: '5xx-before', rule: { ...POST, status: 500 }, accepted: false, status: 'unknown', code: 'BROKER_UNAVAILABLE' },
  { name: '5xx-after', rule: { ...POST, mode: 'accept-then-status', status: 504 }, accepted: true, status: 'submitted', code: null },
  { name: 'timeout-before', rule: { ...POST, mode: 'hang' }, accepted: false, status: 'unknown', code: 'BROKER_UNAVAILABLE' },
  { name: 'timeout-after', rule: { ...POST, mode: 'accept-then-hang' }, accepted: true, status: 'submitted', code: null },
  { name: 'reset-after', rule: { ...POST, mode: 'accept-then-reset' }, accepted: true, status: 'submitted', code: null },
];

let alpaca: FakeAlpaca;
let gw: FakeGateway;
let h: Harness;
let current: Confirmation = CONFIRMATIONS[0]!;
/** client_order_id → the order_hash an APPROVE was given for (only hashes Opus approved). */
const approvedHashes = new Set<string>();
const hashByClientId = new Map<string, string>();

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
  gw.script((req) => {
    const behaviour = current.reply(req);
    if (current.approves) approvedHashes.add(orderHashIn(req)!);
    return behaviour;
  });
  h = await startHarness({
    gatewayUrl: gw.url,
    alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 1_000, rateLimitPerMin: 1_000_000 },
    gate: { confirmationTimeoutMs: 800, brokerTimeoutMs: 8_000 },
    // cells stay independent: an injected gateway fault must not leave the critical circuit open for the next cell
    llm: { breaker: { consecutiveFailures: 1_000_000 }, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
  });
});
afterAll(async () => {
  await h?.close();
  await alpaca?.close();
  await gw?.close();
});

const cells = CONFIRMATIONS.flatMap((c) => BROKER_FAULTS.map((b) => [c.name, b.name, c, b] as const));

describe('fault-injection matrix (confirmation × broker)', () => {
  let n = 0;
  it.each(cells)(
    '%s × %s',
    async (_c, _b, confirmation, fault) => {
      n += 1;
      current = confirmation;
      alpaca.clearFailures();
      if (fault.rule) alpaca.fail(fault.rule);
      const cid = `mx-${n}-${confirmation.name}-${fault.name}`.slice(0, 48);
      // distinct quantities keep each cell a distinct order (and hash)
      const order = { symbol: 'AAPL', side: 'buy', qty: n, type: 'market', time_in_force: 'day', client_order_id: cid };
      const postsBefore = alpaca.count('POST', '/v2/orders');
      let status: string;
      let code: string | null = null;
      let hash: string | null = null;
      try {
        const r = await h.gate.place(order);
        status = r.status;
        hash = r.order_hash;
      } catch (err) {
        if (!(err instanceof ToolError)) throw err;
        status = (err.details as { status: string }).status;
        hash = (err.details as { order_hash: string | null }).order_hash;
        code = err.code;
        if (process.env.DEBUG_MATRIX) console.error(cid, err.code, err.message);
      }
      if (hash) hashByClientId.set(cid, hash);
      const accepted = alpaca.submittedOrders.filter((o) => o.client_order_id === cid);
      const posts = alpaca.count('POST', '/v2/orders') - postsBefore;
      if (!confirmation.approves) {
        expect(code).toBe(confirmation.code);
        expect(status).toBe('refused');
        expect(posts).toBe(0);
        expect(accepted.length).toBe(0);
      } else {
        expect(posts).toBe(1); // never re-posted, whatever the fault
        expect(accepted.length).toBe(fault.accepted ? 1 : 0);
        expect(status).toBe(fault.status);
        expect(code).toBe(fault.code);
        expect(approvedHashes.has(hash!)).toBe(true);
      }
      // a retry with the same client_order_id never reaches the broker again
      alpaca.clearFailures();
      const postsBeforeRetry = alpaca.count('POST', '/v2/orders');
      let retryStatus = 'refused';
      try {
        retryStatus = (await h.gate.place(order)).status;
      } catch {
        retryStatus = 'refused';
      }
      if (confirmation.approves) {
        expect(retryStatus).toBe('duplicate');
        expect(alpaca.count('POST', '/v2/orders')).toBe(postsBeforeRetry);
      } else if (confirmation.name === 'reject') {
        expect(alpaca.count('POST', '/v2/orders')).toBe(postsBeforeRetry); // cool-down: refused again, no call
      }
    },
    20_000,
  );

  it('overall: accepted orders ⊆ approved hashes, each client_order_id at most once', () => {
    const ids = alpaca.submittedOrders.map((o) => o.client_order_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(BROKER_FAULTS.filter((b) => b.accepted).length);
    for (const id of ids) expect(approvedHashes.has(hashByClientId.get(id)!)).toBe(true);
  });
});
