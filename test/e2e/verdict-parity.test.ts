/**
 * check_risk returns the verdict place_order computes (issue 7), with the same order_hash, for the
 * same order in the same process: over stdio, on the sim, with no gateway key (so place_order stops
 * at the Opus stage and reports the risk verdict it computed on the way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, startServer, type RunningServer } from '../support/client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ profile: 'executor', env: { TRADING_MCP_SIM_CLOCK: '2026-03-10T15:30:00Z' } });
});
afterAll(async () => {
  await server.close();
});

interface Verdict {
  passed: boolean;
  order_hash: string;
  checks: Array<{ name: string; code: string; passed: boolean }>;
}

const ORDERS = [
  { passes: true, order: { symbol: 'SPY', side: 'buy', qty: 2, type: 'market', time_in_force: 'day', client_order_id: 'parity-1' } },
  { passes: false, order: { symbol: 'AAPL', side: 'buy', qty: 400, type: 'market', time_in_force: 'day', client_order_id: 'parity-2' } },
  { passes: false, order: { symbol: 'GME', side: 'buy', qty: 1, type: 'market', client_order_id: 'parity-3' } },
];

describe('check_risk and place_order agree', () => {
  for (const { passes, order } of ORDERS) {
    it(`${order.side} ${order.qty} ${order.symbol}: same order_hash, same checks`, async () => {
      const check = await callTool(server.client, 'check_risk', order);
      expect(check.isError).toBeFalsy();
      const verdict = check.structuredContent as unknown as Verdict;
      expect(verdict.passed).toBe(passes);
      const placed = await callTool(server.client, 'place_order', order);
      expect(placed.isError).toBe(true);
      const details = (placed.structuredContent as { details: { order_hash: string; risk: Verdict | null; stopped_at: string } }).details;
      expect(details.order_hash).toBe(verdict.order_hash);
      expect(details.risk?.order_hash).toBe(verdict.order_hash);
      expect(details.risk?.passed).toBe(verdict.passed);
      expect(details.risk?.checks.map((c) => `${c.code}:${c.passed}`)).toEqual(verdict.checks.map((c) => `${c.code}:${c.passed}`));
      // a passing order stops at the Opus stage (no key); a failing one at risk, before any paid call
      expect(details.stopped_at).toBe(verdict.passed ? 'confirmation' : 'risk');
    });
  }
});
