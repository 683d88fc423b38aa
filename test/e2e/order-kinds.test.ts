/**
 * Every order kind of SPEC §12 end to end: the BUILT server over stdio, a real MCP client, the
 * executor profile (its rate limits widened for a test's pace), the loopback gateway as Opus, and
 * the sim broker and the loopback Alpaca in turn. Each kind is checked by check_risk, refused on a
 * doubtful Opus reply and on an Opus REJECT, and placed on an approval; after each, the broker is
 * asked which client_order_ids it holds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, startServer, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { contractBody } from '../support/fake-alpaca/market-data.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { MARKET_OPEN_INSTANT } from '../support/execution-harness.js';
import { cents, lastPrice, roomyExecutorProfile, switchableOpus, type OpusMode } from '../support/order-kinds.js';
import { kindCases, runKind } from '../support/order-kinds-cases.js';

let gw: FakeGateway;
let alpaca: FakeAlpaca;
let mode: OpusMode = 'approve';
const servers: RunningServer[] = [];

beforeAll(async () => {
  gw = await startFakeGateway();
  alpaca = await startFakeAlpaca();
  switchableOpus(gw, () => mode);
});
afterAll(async () => {
  await gw?.close();
  await alpaca?.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const gatewayEnv = () => ({ LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'test-key' });
const brokers = {
  sim: () => ({ ...gatewayEnv(), TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT }),
  alpaca: () => ({
    ...gatewayEnv(),
    APCA_API_BASE_URL: alpaca.tradingUrl,
    APCA_API_DATA_URL: alpaca.dataUrl,
    APCA_API_KEY_ID: alpaca.keyId,
    APCA_API_SECRET_KEY: alpaca.secret,
  }),
};

/** A Friday 31–44 days after `now` (inside the shipped 30–45 DTE window). */
function fridayInWindow(now: number): string {
  const d = new Date(now + 35 * 86_400_000);
  d.setUTCDate(d.getUTCDate() + ((5 - d.getUTCDay() + 7) % 7));
  return d.toISOString().slice(0, 10);
}

/**
 * The loopback Alpaca's fills move no positions: it holds the 10 AAPL the sim gets from the first
 * kind (the OCO and the close need them), and SPY calls inside the DTE window.
 */
async function prepareAlpaca(): Promise<void> {
  const aapl = 100;
  alpaca.setQuote('AAPL', { ap: aapl + 0.01, bp: aapl - 0.01 });
  alpaca.setPositions([
    {
      asset_id: 'a',
      symbol: 'AAPL',
      exchange: 'NASDAQ',
      asset_class: 'us_equity',
      avg_entry_price: '95',
      qty: '10',
      side: 'long',
      market_value: '1000',
      cost_basis: '950',
      unrealized_pl: '50',
      current_price: String(aapl),
    },
  ]);
  alpaca.setQuote('SPY', { ap: 500.01, bp: 499.99 });
  const exp = fridayInWindow(Date.now());
  alpaca.setOptionContracts(
    'SPY',
    [490, 495, 500, 505, 510].map((k) => contractBody('SPY', exp, 'call', k)),
  );
}
const prepare: Record<string, () => Promise<void>> = { sim: async () => undefined, alpaca: prepareAlpaca };

for (const [broker, env] of Object.entries(brokers)) {
  describe(`every order kind through the gate (${broker})`, () => {
    it('check_risk passes, a doubtful or rejecting Opus stops it, an approving one places it once', async () => {
      const s = await startServer({ profile: roomyExecutorProfile(), env: env() });
      servers.push(s);
      await prepare[broker]!();
      mode = 'approve';
      const prefix = `k-${broker}`;
      // an open limit buy far below the market, for the replace
      const aapl = await lastPrice(s.client, 'AAPL');
      const target = `${prefix}-replace-target`;
      const placed = await callTool(s.client, 'place_order', {
        symbol: 'AAPL',
        side: 'buy',
        qty: 1,
        type: 'limit',
        limit_price: cents(aapl * 0.99),
        time_in_force: 'gtc',
        client_order_id: target,
      });
      expect(placed.isError, JSON.stringify(placed.structuredContent)).toBeFalsy();
      for (const k of await kindCases(s.client, prefix, target)) await runKind(s.client, gw, (m) => (mode = m), prefix, k);
      // the replaced order ended `replaced`, the replacement is open at the new limit
      const old = await callOk<{ orders: Array<{ status: string; replacedBy: string | null }> }>(s.client, 'get_orders', { client_order_id: target });
      expect(old.orders[0]!.status).toBe('replaced');
      const fresh = await callOk<{ orders: Array<{ status: string; limitPrice: number; replaces: string | null }> }>(s.client, 'get_orders', {
        client_order_id: `${prefix}-replace-ok`,
      });
      expect(fresh.orders[0]!.limitPrice).toBe(cents(aapl * 0.98));
      expect(await s.client.ping()).toBeDefined();
    });
  });
}
