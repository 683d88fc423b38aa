/**
 * Live mode end to end: a "live" Alpaca (the loopback fake on 127.0.0.2, which the config treats
 * as a non-paper host) with TRADING_MCP_ALLOW_LIVE=true. place_order must ask the human through
 * MCP elicitation after Opus approved; a client that cannot elicit, or a human who declines, means
 * nothing reaches the broker.
 */
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorCode, startServer, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { alwaysApprove } from '../support/execution-harness.js';

let alpaca: FakeAlpaca;
let gw: FakeGateway;
const servers: RunningServer[] = [];

beforeAll(async () => {
  alpaca = await startFakeAlpaca({ host: '127.0.0.2' });
  gw = await startFakeGateway();
  alwaysApprove(gw);
});
afterAll(async () => {
  await alpaca?.close();
  await gw?.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const env = () => ({
  APCA_API_BASE_URL: alpaca.tradingUrl,
  APCA_API_DATA_URL: alpaca.dataUrl,
  APCA_API_KEY_ID: alpaca.keyId,
  APCA_API_SECRET_KEY: alpaca.secret,
  TRADING_MCP_ALLOW_LIVE: 'true',
  LLM_GATEWAY_BASE_URL: gw.url,
  LLM_GATEWAY_API_KEY: 'test-key',
});
const order = (cid: string) => ({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', client_order_id: cid });
const posts = () => alpaca.count('POST', '/v2/orders');

describe('place_order in live mode', () => {
  it('refuses with HUMAN_DECLINED when the client cannot elicit', async () => {
    const s = await startServer({ profile: 'executor', env: env() });
    servers.push(s);
    const mode = JSON.parse(((await s.client.readResource({ uri: 'trading://mode' })).contents[0] as { text: string }).text) as { mode: string };
    expect(mode.mode).toBe('live');
    const r = await callTool(s.client, 'place_order', order('live-1'));
    expect(errorCode(r)).toBe('HUMAN_DECLINED');
    const d = (r.structuredContent as { details: { stopped_at: string; confirmation: { decision: string } } }).details;
    expect(d.stopped_at).toBe('human');
    expect(d.confirmation.decision).toBe('APPROVE');
    expect(posts()).toBe(0);
  });

  it('asks the human in plain words; decline refuses, accept submits once', async () => {
    const s = await startServer({ profile: 'executor', env: env(), capabilities: { elicitation: {} } });
    servers.push(s);
    const asked: string[] = [];
    let answer: 'decline' | 'accept' = 'decline';
    s.client.setRequestHandler(ElicitRequestSchema, async (req) => {
      asked.push(String((req.params as { message: string }).message));
      return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
    });
    const declined = await callTool(s.client, 'place_order', order('live-2'));
    expect(errorCode(declined)).toBe('HUMAN_DECLINED');
    expect(posts()).toBe(0);
    answer = 'accept';
    const ok = await callTool(s.client, 'place_order', order('live-3'));
    expect(ok.isError).toBeFalsy();
    expect((ok.structuredContent as { status: string; human: { confirmed: boolean } }).human.confirmed).toBe(true);
    expect(asked.length).toBe(2);
    expect(asked[1]).toContain('LIVE ORDER');
    expect(asked[1]).toContain('BUY 1 AAPL at market');
    expect(alpaca.submittedOrders.map((o) => o.client_order_id)).toEqual(['live-3']);
  });
});
