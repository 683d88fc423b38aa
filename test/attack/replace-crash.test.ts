/**
 * kill -9 of the built server in the middle of a replace_order (review of issue 15): between the
 * INTENT and the PATCH, and right after the PATCH. The restarted server must reconcile the INTENT
 * by the replacement's client_order_id, answer a retry as a duplicate, and never PATCH again;
 * after the PATCH landed the original stays `replaced` and the recorded order is the replacement.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTool, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { alwaysApprove } from '../support/execution-harness.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

let alpaca: FakeAlpaca;
let gw: FakeGateway;
const servers: RunningServer[] = [];

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
  alwaysApprove(gw);
  alpaca.setQuote('AAPL', { ap: 100.01, bp: 99.99 });
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
  LLM_GATEWAY_BASE_URL: gw.url,
  LLM_GATEWAY_API_KEY: 'test-key',
  TRADING_MCP_ALPACA_TIMEOUT_MS: '3000',
});

async function start(extra: Record<string, string>, dataDir: string): Promise<RunningServer> {
  const s = await startServer({ profile: 'executor', dataDir, env: { ...env(), ...extra } });
  servers.push(s);
  return s;
}

describe('replace_order under kill -9', () => {
  for (const point of ['after_intent', 'after_submit'] as const) {
    it(`${point}: the restart reconciles by the replacement's client_order_id; a retry is a duplicate; one PATCH at most`, async () => {
      const dir = tempDataDir('tars-atk-crash-');
      const target = alpaca.addOrder({ symbol: 'AAPL', side: 'buy', type: 'limit', qty: '1', limit_price: '98', time_in_force: 'gtc', status: 'new' });
      const cid = `atk-crash-${point}`;
      const args = { order_id: target.id, limit_price: 98.5, new_client_order_id: cid };
      const patches = () => alpaca.count('PATCH', `/v2/orders/${target.id}`);
      const doomed = await start({ NODE_ENV: 'test', TRADING_MCP_TEST_CRASH_AT: point }, dir);
      await expect(callTool(doomed.client, 'replace_order', args)).rejects.toThrow();
      expect(patches()).toBe(point === 'after_intent' ? 0 : 1);
      const first = readFileSync(join(dir, 'order-journal.log'), 'utf8').trim().split('\n')[0]!;
      // a journal line is `<sha256> <payload JSON>`
      const intent = JSON.parse(first.slice(first.indexOf(' ') + 1)) as Record<string, unknown>;
      expect(intent).toMatchObject({ type: 'INTENT', client_order_id: cid, replaces: target.id });

      const again = await start({}, dir);
      const r = await callTool(again.client, 'replace_order', args);
      const sc = (r.isError ? (r.structuredContent as { details: Record<string, unknown> }).details : r.structuredContent) as {
        status: string;
        duplicate_of: { status: string } | null;
        broker_order: { id: string; client_order_id: string } | null;
      };
      expect(sc.status).toBe('duplicate');
      expect(patches()).toBe(point === 'after_intent' ? 0 : 1);
      const journal = readFileSync(join(dir, 'order-journal.log'), 'utf8').trim().split('\n');
      expect(journal).toHaveLength(2);
      expect(journal[1]).toContain('"reconciled":true');
      if (point === 'after_submit') {
        expect(sc.duplicate_of!.status).toBe('submitted');
        expect(sc.broker_order!.client_order_id).toBe(cid);
        expect(sc.broker_order!.id).toBe(alpaca.orders.get(target.id)!.replaced_by);
        expect(alpaca.orders.get(target.id)!.status).toBe('replaced');
      } else {
        expect(sc.duplicate_of!.status).toBe('unknown');
        expect(alpaca.orders.get(target.id)!.status).toBe('new');
      }
      // a retry under another id: after the PATCH landed the original is no longer replaceable
      const other = await callTool(again.client, 'replace_order', { ...args, new_client_order_id: `${cid}-b` });
      if (point === 'after_submit') {
        expect(other.isError).toBe(true);
        expect(patches()).toBe(1);
      }
    }, 60_000);
  }
});
