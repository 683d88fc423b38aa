/**
 * Fault injection for the two new paths to the broker (SPEC §12): replace_order (Alpaca PATCH) and
 * close_position (an ordinary POST under our client_order_id), through the whole gate against the
 * loopback Alpaca and the loopback gateway. Counts the broker's PATCHes and POSTs: only an Opus
 * APPROVE of the order as it will stand sends anything, at most once whatever the fault, a broker
 * answer in doubt is settled by looking the replacement up by its client_order_id, and a retry
 * with the same id never reaches the broker again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.js';
import { approve, startHarness, type Harness } from '../../support/execution-harness.js';
import { startFakeAlpaca, type FailRule, type FakeAlpaca } from '../../support/fake-alpaca.js';
import { orderHashIn, startFakeGateway, type FakeGateway, type GatewayRequest } from '../../support/fake-gateway.js';

type Opus = { name: string; reply: (req: GatewayRequest) => string; approves: boolean; code: string | null };
const OPUS: Opus[] = [
  { name: 'approve', reply: approve, approves: true, code: null },
  {
    name: 'reject',
    reply: (req) => JSON.stringify({ decision: 'REJECT', order_hash: orderHashIn(req), reasons: ['no'] }),
    approves: false,
    code: 'CONFIRMATION_REJECTED',
  },
  {
    name: 'wrong-hash',
    reply: () => JSON.stringify({ decision: 'APPROVE', order_hash: 'e'.repeat(64), reasons: [] }),
    approves: false,
    code: 'CONFIRMATION_INVALID',
  },
];

type Fault = {
  name: string;
  rule: Omit<FailRule, 'method' | 'path'> | null;
  applied: boolean;
  status: 'submitted' | 'refused' | 'unknown';
  code: string | null;
};
const FAULTS: Fault[] = [
  { name: 'none', rule: null, applied: true, status: 'submitted', code: null },
  {
    name: '422',
    rule: { status: 422, body: { code: 42210000, message: 'order is not replaceable' } },
    applied: false,
    status: 'refused',
    code: 'BROKER_REJECTED',
  },
  {
    name: '403',
    rule: { status: 403, body: { code: 40310000, message: 'insufficient buying power' } },
    applied: false,
    status: 'refused',
    code: 'BROKER_REJECTED',
  },
  { name: '5xx-before', rule: { status: 500 }, applied: false, status: 'unknown', code: 'BROKER_UNAVAILABLE' },
  { name: '5xx-after', rule: { mode: 'accept-then-status', status: 504 }, applied: true, status: 'submitted', code: null },
  { name: 'timeout-before', rule: { mode: 'hang' }, applied: false, status: 'unknown', code: 'BROKER_UNAVAILABLE' },
  { name: 'timeout-after', rule: { mode: 'accept-then-hang' }, applied: true, status: 'submitted', code: null },
  { name: 'reset-after', rule: { mode: 'accept-then-reset' }, applied: true, status: 'submitted', code: null },
];

let alpaca: FakeAlpaca;
let gw: FakeGateway;
let h: Harness;
let opus: Opus = OPUS[0]!;

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
  gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: opus.reply(req) } : undefined));
  alpaca.setQuote('AAPL', { ap: 100.01, bp: 99.99 });
  h = await startHarness({
    gatewayUrl: gw.url,
    alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 1_000, rateLimitPerMin: 1_000_000 },
    gate: { confirmationTimeoutMs: 800, brokerTimeoutMs: 3_000 },
    llm: { breaker: { consecutiveFailures: 1_000_000 }, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
  });
});
afterAll(async () => {
  await h?.close();
  await alpaca?.close();
  await gw?.close();
});

/** The gate's answer: status and code, from a result or a refusal. */
async function attempt(run: () => Promise<{ status: string }>): Promise<{ status: string; code: string | null }> {
  try {
    return { status: (await run()).status, code: null };
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    if (process.env.DEBUG_FAULTS) console.error(err.code, err.message);
    return { status: (err.details as { status: string }).status, code: err.code };
  }
}

const cells = OPUS.flatMap((o) => FAULTS.map((f) => [o.name, f.name, o, f] as const));

describe('replace_order under faults (Opus × PATCH)', () => {
  let n = 0;
  it.each(cells)(
    '%s × %s',
    async (_o, _f, o, fault) => {
      n += 1;
      opus = o;
      // an open limit buy of its own per cell (distinct qty: a distinct order and hash per cell)
      const target = alpaca.addOrder({ symbol: 'AAPL', side: 'buy', type: 'limit', qty: String(n), limit_price: '99', time_in_force: 'gtc', status: 'new' });
      const path = `/v2/orders/${target.id}`;
      const cid = `rp-${n}-${o.name}-${fault.name}`.slice(0, 48);
      alpaca.clearFailures();
      if (fault.rule) alpaca.fail({ ...fault.rule, method: 'PATCH', path });
      const patches = () => alpaca.count('PATCH', path);
      const r = await attempt(() => h.gate.replace({ order_id: target.id, limit_price: 99.5, new_client_order_id: cid }));
      alpaca.clearFailures();
      const replacement = [...alpaca.orders.values()].filter((x) => x.client_order_id === cid);
      if (!o.approves) {
        expect(r).toEqual({ status: 'refused', code: o.code });
        expect(patches()).toBe(0);
        expect(replacement).toEqual([]);
        expect(alpaca.orders.get(target.id)!.status).toBe('new');
        return;
      }
      expect(patches()).toBe(1); // never re-sent, whatever the fault
      expect(r).toEqual({ status: fault.status, code: fault.code });
      expect(replacement.length).toBe(fault.applied ? 1 : 0);
      expect(alpaca.orders.get(target.id)!.status).toBe(fault.applied ? 'replaced' : 'new');
      // a retry with the same new_client_order_id is a duplicate and sends nothing
      const retry = await attempt(() => h.gate.replace({ order_id: target.id, limit_price: 99.5, new_client_order_id: cid }));
      expect(retry.status).toBe('duplicate');
      expect(patches()).toBe(1);
    },
    20_000,
  );
});

describe('close_position under faults (the closing order is an ordinary POST)', () => {
  it.each(FAULTS.filter((f) => f.name !== '422').map((f) => [f.name, f] as const))(
    'approve × %s',
    async (_name, fault) => {
      opus = OPUS[0]!;
      const cid = `cl-${fault.name}`;
      alpaca.setPositions([
        {
          asset_id: 'a',
          symbol: 'AAPL',
          exchange: 'NASDAQ',
          asset_class: 'us_equity',
          avg_entry_price: '95',
          qty: '40',
          side: 'long',
          market_value: '4000',
          cost_basis: '3800',
          unrealized_pl: '200',
          current_price: '100',
        },
      ]);
      alpaca.clearFailures();
      if (fault.rule) alpaca.fail({ ...fault.rule, method: 'POST', path: '/v2/orders' });
      const posts = () =>
        alpaca.requests.filter((q) => q.method === 'POST' && q.path === '/v2/orders' && (q.body as { client_order_id?: string })?.client_order_id === cid)
          .length;
      // distinct sizes per cell: a distinct closing order each time
      const qty = FAULTS.indexOf(fault) + 1;
      const r = await attempt(() => h.gate.close({ symbol: 'AAPL', qty, client_order_id: cid }));
      alpaca.clearFailures();
      expect(posts()).toBe(1);
      expect(r).toEqual({ status: fault.status, code: fault.code });
      const sent = alpaca.requests.find((q) => q.method === 'POST' && (q.body as { client_order_id?: string })?.client_order_id === cid)!.body as Record<
        string,
        unknown
      >;
      expect(sent).toMatchObject({ symbol: 'AAPL', side: 'sell', qty: String(qty), type: 'market' });
      expect((await attempt(() => h.gate.close({ symbol: 'AAPL', qty, client_order_id: cid }))).status).toBe('duplicate');
      expect(posts()).toBe(1);
    },
    20_000,
  );
});
