/**
 * place_order end to end: the BUILT server over stdio with a real MCP client, the executor
 * profile, the loopback gateway and the loopback Alpaca (and the sim). Includes kill -9 between
 * INTENT and the broker call and right after it, two server processes sharing one data dir, and
 * the trading://audit resource.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTool, callToolWithProgress, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { alwaysApprove } from '../support/execution-harness.js';

let alpaca: FakeAlpaca;
let gw: FakeGateway;
const servers: RunningServer[] = [];

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
  alwaysApprove(gw);
});
afterAll(async () => {
  await alpaca?.close();
  await gw?.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  alpaca.clearFailures();
});

const alpacaEnv = () => ({
  APCA_API_BASE_URL: alpaca.tradingUrl,
  APCA_API_DATA_URL: alpaca.dataUrl,
  APCA_API_KEY_ID: alpaca.keyId,
  APCA_API_SECRET_KEY: alpaca.secret,
  LLM_GATEWAY_BASE_URL: gw.url,
  LLM_GATEWAY_API_KEY: 'test-key',
  TRADING_MCP_ALPACA_TIMEOUT_MS: '3000',
});

async function start(env: Record<string, string>, dataDir?: string): Promise<RunningServer> {
  const s = await startServer({ profile: 'executor', env, ...(dataDir ? { dataDir } : {}) });
  servers.push(s);
  return s;
}

const posts = (cid: string) =>
  alpaca.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders' && (r.body as { client_order_id?: string })?.client_order_id === cid).length;
const accepted = (cid: string) => alpaca.submittedOrders.filter((o) => o.client_order_id === cid).length;
const order = (cid: string, qty = 1) => ({ symbol: 'AAPL', side: 'buy', qty, type: 'market', time_in_force: 'day', client_order_id: cid, rationale: 'e2e' });

describe('place_order over stdio (executor, fake gateway + fake Alpaca)', () => {
  it('submits once; a retry is a duplicate; a refusal is isError with every stage; the audit resource shows both', async () => {
    const s = await start(alpacaEnv());
    const { tools } = await s.client.listTools();
    const tool = tools.find((t) => t.name === 'place_order')!;
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    const { result: r, progress } = await callToolWithProgress(s.client, 'place_order', order('e2e-1'));
    expect(r.isError).toBeFalsy();
    expect(progress.map((p) => p.message)).toEqual(
      ['validate', 'idempotency', 'risk', 'council', 'confirmation', 'human', 'broker'].map((x) => `place_order: ${x}`),
    );
    const sc = r.structuredContent as { status: string; audit_id: string; broker_order: { client_order_id: string } };
    expect(sc.status).toBe('submitted');
    expect(sc.broker_order.client_order_id).toBe('e2e-1');
    const dup = await callTool(s.client, 'place_order', order('e2e-1'));
    expect((dup.structuredContent as { status: string }).status).toBe('duplicate');
    expect(posts('e2e-1')).toBe(1);
    // a risk refusal: symbol not on the allow list
    const refused = await callTool(s.client, 'place_order', { ...order('e2e-2'), symbol: 'ZZZZ' });
    expect(errorCode(refused)).toBe('RISK_REJECTED');
    const details = (
      refused.structuredContent as { details: { status: string; stopped_at: string; stages: Array<{ stage: string; outcome: string }>; audit_id: string } }
    ).details;
    expect(details.status).toBe('refused');
    expect(details.stopped_at).toBe('risk');
    expect(details.stages.map((x) => x.outcome)).toEqual(['passed', 'passed', 'refused', 'not_reached', 'not_reached', 'not_reached', 'not_reached']);
    expect(posts('e2e-2')).toBe(0);
    const audit = await s.client.readResource({ uri: 'trading://audit' });
    const body = JSON.parse((audit.contents[0] as { text: string }).text) as { recent: Array<{ audit_id: string; status: string }> };
    expect(body.recent.map((a) => a.status)).toEqual(['refused', 'duplicate', 'submitted']);
    expect(body.recent[0]!.audit_id).toBe(details.audit_id);
    expect(body.recent[2]!.audit_id).toBe(sc.audit_id);
    expect(await s.client.ping()).toBeDefined();
  });

  it('a qty of 5e-324 (or 1.5e-9, or a $0.50 notional) is INVALID_INPUT naming the rule; nothing reaches the broker, Opus included', async () => {
    const s = await start(alpacaEnv());
    const opusCalls = gw.requests.length;
    const orderPosts = () => alpaca.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders').length;
    const postsBefore = orderPosts();
    for (const [cid, patch, rule] of [
      ['qty-denormal', { qty: 5e-324 }, /multiple of 0\.000000001/],
      ['qty-ten-places', { qty: 1.5e-9 }, /multiple of 0\.000000001/],
      ['notional-half', { qty: undefined, notional: 0.5 }, /at least \$1/],
    ] as const) {
      const args = { ...order(cid), ...patch };
      for (const tool of ['check_risk', 'place_order']) {
        const r = await callTool(s.client, tool, args);
        expect(errorCode(r), `${tool} ${cid}`).toBe('INVALID_INPUT');
        expect(JSON.stringify(r.structuredContent)).toMatch(rule);
      }
      expect(posts(cid)).toBe(0);
    }
    expect(orderPosts()).toBe(postsBefore);
    expect(gw.requests.length).toBe(opusCalls);
    expect(await s.client.ping()).toBeDefined();
  });

  it('two server processes on one data dir: the same client_order_id reaches the broker once', async () => {
    const dir = tempDataDir();
    const [a, b] = [await start(alpacaEnv(), dir), await start(alpacaEnv(), dir)];
    const results = await Promise.all([callTool(a.client, 'place_order', order('e2e-shared')), callTool(b.client, 'place_order', order('e2e-shared'))]);
    const statuses = results.map((r) => (r.isError ? JSON.stringify(r.structuredContent) : (r.structuredContent as { status: string }).status)).sort();
    expect(statuses).toEqual(['duplicate', 'submitted']);
    expect(posts('e2e-shared')).toBe(1);
  });

  for (const point of ['after_intent', 'after_submit'] as const) {
    it(`kill -9 ${point === 'after_intent' ? 'between INTENT and the broker call' : 'right after the broker call'}: restart reconciles, no duplicate`, async () => {
      const dir = tempDataDir();
      const cid = `e2e-crash-${point}`;
      const doomed = await start({ ...alpacaEnv(), NODE_ENV: 'test', TRADING_MCP_TEST_CRASH_AT: point }, dir);
      await expect(callTool(doomed.client, 'place_order', order(cid))).rejects.toThrow();
      expect(posts(cid)).toBe(point === 'after_intent' ? 0 : 1);
      const journal1 = readFileSync(join(dir, 'order-journal.log'), 'utf8').trim().split('\n');
      expect(journal1.length).toBe(1);
      expect(journal1[0]).toContain('"type":"INTENT"');

      const again = await start(alpacaEnv(), dir);
      const r = await callTool(again.client, 'place_order', order(cid));
      const sc = (r.isError ? (r.structuredContent as { details: Record<string, unknown> }).details : r.structuredContent) as {
        status: string;
        duplicate_of: { status: string } | null;
        broker_order: { client_order_id: string } | null;
      };
      expect(sc.status).toBe('duplicate');
      if (point === 'after_submit') {
        expect(sc.duplicate_of!.status).toBe('submitted');
        expect(sc.broker_order!.client_order_id).toBe(cid);
      } else {
        expect(sc.duplicate_of!.status).toBe('unknown');
      }
      expect(posts(cid)).toBe(point === 'after_intent' ? 0 : 1);
      expect(accepted(cid)).toBe(point === 'after_intent' ? 0 : 1);
      const journal2 = readFileSync(join(dir, 'order-journal.log'), 'utf8').trim().split('\n');
      expect(journal2.length).toBe(2);
      expect(journal2[1]).toContain('"type":"OUTCOME"');
      expect(journal2[1]).toContain('"reconciled":true');
      expect(journal2[1]).toContain(point === 'after_intent' ? '"result":"not_found"' : '"result":"submitted"');
    });
  }

  it('the crash hook is ignored outside NODE_ENV=test', async () => {
    const s = await start({ ...alpacaEnv(), TRADING_MCP_TEST_CRASH_AT: 'after_intent' });
    const r = await callTool(s.client, 'place_order', order('e2e-nohook'));
    expect((r.structuredContent as { status: string }).status).toBe('submitted');
  });
});

describe('place_order over stdio on the sim', () => {
  it('refuses on embedded defaults (no gateway key): CONFIRMATION_UNAVAILABLE after risk passed, nothing sent', async () => {
    const s = await start({ TRADING_MCP_SIM_CLOCK: '2026-03-10T15:30:00Z' });
    const r = await callTool(s.client, 'place_order', order('sim-1'));
    expect(errorCode(r)).toBe('CONFIRMATION_UNAVAILABLE');
    const d = (r.structuredContent as { details: { stages: Array<{ stage: string; outcome: string }> } }).details;
    expect(d.stages.find((x) => x.stage === 'risk')!.outcome).toBe('passed');
    const orders = await callTool(s.client, 'get_orders', { status: 'all' }).catch(() => null);
    if (orders && !orders.isError) expect(JSON.stringify(orders.structuredContent)).not.toContain('sim-1');
  });

  it('submits on the sim with the fake gateway approving', async () => {
    const s = await start({ TRADING_MCP_SIM_CLOCK: '2026-03-10T15:30:00Z', LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'k' });
    const r = await callTool(s.client, 'place_order', order('sim-2'));
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { broker_order: { status: string } }).broker_order.status).toBeDefined();
  });
});
