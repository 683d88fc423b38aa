/**
 * The order-rate limit across processes: two BUILT servers on one data dir, each placing a
 * different Opus-approved order at the same time under maxOrdersPerMinute = 1. The rate check at
 * the risk stage passes for both (neither has sent yet); the atomic slot claim just before the
 * INTENT lets exactly one reach the (loopback) broker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { orderHashIn, startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

let alpaca: FakeAlpaca;
let gw: FakeGateway;
const servers: RunningServer[] = [];

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
  // a slow Opus: both processes are past their risk stage before either sends
  gw.script((req) =>
    req.path.endsWith('/chat/completions')
      ? { content: JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['fine'] }), latencyMs: 1_000 }
      : undefined,
  );
});
afterAll(async () => {
  for (const s of servers.splice(0)) await s.close();
  await alpaca?.close();
  await gw?.close();
});

describe('order-rate limit across server processes', () => {
  it('two processes, two different approved orders, maxOrdersPerMinute=1: exactly one reaches the broker', async () => {
    const dir = tempDataDir();
    const profilePath = join(tempDataDir('tars-profile-'), 'executor-rate1.json');
    writeFileSync(
      profilePath,
      JSON.stringify({
        name: 'executor-rate1',
        description: 'executor with one order a minute',
        readOnly: false,
        tools: ['place_order', 'check_risk'],
        risk: { maxOrdersPerMinute: 1 },
      }),
    );
    const env = {
      APCA_API_BASE_URL: alpaca.tradingUrl,
      APCA_API_DATA_URL: alpaca.dataUrl,
      APCA_API_KEY_ID: alpaca.keyId,
      APCA_API_SECRET_KEY: alpaca.secret,
      LLM_GATEWAY_BASE_URL: gw.url,
      LLM_GATEWAY_API_KEY: 'test-key',
      TRADING_MCP_ALPACA_TIMEOUT_MS: '3000',
    };
    for (let i = 0; i < 2; i++) servers.push(await startServer({ profile: profilePath, env, dataDir: dir }));
    const [a, b] = servers as [RunningServer, RunningServer];
    const order = (cid: string, qty: number) => ({ symbol: 'AAPL', side: 'buy', qty, type: 'market', time_in_force: 'day', client_order_id: cid });
    const results = await Promise.all([callTool(a.client, 'place_order', order('rate-p1', 1)), callTool(b.client, 'place_order', order('rate-p2', 2))]);
    const ok = results.filter((r) => !r.isError);
    const refused = results.filter((r) => r.isError);
    expect(ok.length).toBe(1);
    expect(refused.length).toBe(1);
    expect(errorCode(refused[0]!)).toBe('RISK_REJECTED');
    const details = (refused[0]!.structuredContent as { details: { stopped_at: string; confirmation: { decision: string } } }).details;
    expect(details.confirmation.decision).toBe('APPROVE');
    expect(details.stopped_at).toBe('broker');
    expect(alpaca.submittedOrders.filter((o) => o.client_order_id === 'rate-p1' || o.client_order_id === 'rate-p2').length).toBe(1);
  }, 60_000);
});
