/**
 * build_iron_condor through a real MCP client against the built server on the sim broker (clock
 * pinned to an open market): the condor's invariants, its order passed unchanged to check_risk
 * and place_order under the shipped executor profile, and its refusals. Nothing reaches the broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOcc } from '../../src/orders/order.js';
import { callOk, callTool, errorCode, startServer, type RunningServer } from '../support/client.js';

const OPEN_AT = '2026-03-10T15:00:00.000Z'; // Tuesday 11:00 New York

interface Condor {
  expiry: string;
  days_to_expiry: number;
  order: { side: string; qty: number; type: string; limit_price: number; time_in_force: string; order_class: string; legs: Array<Record<string, unknown>> };
  wing_width: number;
  strikes: { long_put: number; short_put: number; short_call: number; long_call: number };
  credit: { mid: number; natural: number };
  max_profit_usd: number;
  max_loss_usd: number;
  breakevens: { lower: number; upper: number };
  probability_of_profit: { value: number | null; method: string };
  rows: Array<{ symbol: string; role: string; quoted: boolean; delta: number | null }>;
}
interface Verdict {
  passed: boolean;
  checks: Array<{ code: string; passed: boolean; limit: unknown; actual: unknown }>;
}
const failedCodes = (v: Verdict) => v.checks.filter((c) => !c.passed).map((c) => c.code);

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ profile: 'executor', env: { TRADING_MCP_SIM_CLOCK: OPEN_AT } });
  await server.client.listTools(); // the client then checks every result against the tool's outputSchema
}, 30_000);
afterAll(async () => {
  await server.close();
});

/** The invariants every condor the tool returns must hold. */
function expectCondor(c: Condor, qty: number, width: number): void {
  const { order, strikes, credit } = c;
  expect(order).toMatchObject({ side: 'buy', qty, type: 'limit', time_in_force: 'day', order_class: 'mleg' });
  expect(order.legs).toHaveLength(4);
  const legs = order.legs.map((l) => ({ ...l, occ: parseOcc(String(l.symbol))! }));
  expect(new Set(legs.map((l) => l.occ.expiration))).toEqual(new Set([c.expiry]));
  expect(legs.map((l) => `${l.side} ${l.position_intent} ${l.ratio_qty} ${l.occ.type} ${l.occ.strike}`)).toEqual([
    `buy buy_to_open 1 put ${strikes.long_put}`,
    `sell sell_to_open 1 put ${strikes.short_put}`,
    `sell sell_to_open 1 call ${strikes.short_call}`,
    `buy buy_to_open 1 call ${strikes.long_call}`,
  ]);
  expect(strikes.short_put - strikes.long_put).toBe(width);
  expect(strikes.long_call - strikes.short_call).toBe(width);
  expect(strikes.short_put).toBeLessThan(strikes.short_call);
  expect(credit.mid).toBeGreaterThan(0);
  expect(credit.mid).toBeLessThan(width);
  expect(credit.natural).toBeLessThanOrEqual(credit.mid);
  expect(order.limit_price).toBe(-credit.mid);
  expect(c.max_loss_usd).toBeCloseTo(width * 100 * qty - credit.mid * 100 * qty, 6);
  expect(c.max_profit_usd).toBeCloseTo(credit.mid * 100 * qty, 6);
  expect(c.breakevens.lower).toBeCloseTo(strikes.short_put - credit.mid, 6);
  expect(c.breakevens.upper).toBeCloseTo(strikes.short_call + credit.mid, 6);
  // The sim's chain carries greeks: the probability comes from the shorts' deltas.
  const delta = (role: string) => c.rows.find((r) => r.role === role)!.delta!;
  expect(c.probability_of_profit.method).toBe('chain_delta');
  expect(c.probability_of_profit.value).toBeCloseTo(1 - Math.abs(delta('short_put')) - Math.abs(delta('short_call')), 4);
  expect(c.rows.map((r) => r.symbol)).toEqual(order.legs.map((l) => l.symbol));
  expect(c.rows.every((r) => r.quoted)).toBe(true);
}

describe('build_iron_condor over MCP (sim, executor profile)', () => {
  it("builds a SPY condor in the profile's 30–45 day window whose order check_risk passes unchanged", async () => {
    const c = await callOk<Condor>(server.client, 'build_iron_condor', { underlying: 'SPY' });
    expectCondor(c, 1, 5);
    expect(c.days_to_expiry).toBeGreaterThanOrEqual(30);
    expect(c.days_to_expiry).toBeLessThanOrEqual(45);
    const verdict = await callOk<Verdict>(server.client, 'check_risk', c.order);
    expect(failedCodes(verdict)).toEqual([]);
    expect(verdict.passed).toBe(true);
    // The risk engine's own max loss (payoff at every strike) agrees with the builder's.
    expect(verdict.checks.find((k) => k.code === 'RISK_OPTIONS_MAX_LOSS')!.actual).toBeCloseTo(c.max_loss_usd, 2);
    expect(verdict.checks.find((k) => k.code === 'RISK_DAYS_TO_EXPIRY')!.actual).toBe(String(c.days_to_expiry));
  });

  it("four condors exceed the shipped executor's $1,000 options max loss, and only that check refuses them", async () => {
    const c = await callOk<Condor>(server.client, 'build_iron_condor', { underlying: 'SPY', qty: 4, short_delta: 0.2, wing_width: 5 });
    expectCondor(c, 4, 5);
    expect(c.max_loss_usd).toBeGreaterThan(1000);
    const verdict = await callOk<Verdict>(server.client, 'check_risk', c.order);
    expect(failedCodes(verdict)).toEqual(['RISK_OPTIONS_MAX_LOSS']);
    expect(verdict.checks.find((k) => k.code === 'RISK_OPTIONS_MAX_LOSS')).toMatchObject({ limit: 1000 });
  });

  it('refuses bad input with INVALID_INPUT and what the chain cannot give with a stable code and reason', async () => {
    for (const bad of [
      { underlying: 'SPY', short_delta: 0.7 },
      { underlying: 'SPY', short_delta: 0 },
      { underlying: 'SPY', wing_width: 0 },
      { underlying: 'SPY', expiry: '2026-03-09' }, // the day before the sim's clock
      { underlying: 'SPY', expiry: '2026-04-17', dte_min: 30, dte_max: 45 },
      { underlying: 'SPY', dte_min: 45, dte_max: 30 },
      { underlying: 'SPY', qty: '1' },
    ])
      expect(errorCode(await callTool(server.client, 'build_iron_condor', bad)), JSON.stringify(bad)).toBe('INVALID_INPUT');
    // The sim lists SPY strikes 5 apart: a 3-wide wing is not listed.
    const wing = await callTool(server.client, 'build_iron_condor', { underlying: 'SPY', wing_width: 3 });
    expect(errorCode(wing)).toBe('NOT_FOUND');
    expect(wing.structuredContent).toMatchObject({ details: { reason: 'wing_missing' } });
    // The sim lists Fridays only: no expiry on a Wednesday.
    const wednesday = await callTool(server.client, 'build_iron_condor', { underlying: 'SPY', expiry: '2026-04-15' });
    expect(wednesday.structuredContent).toMatchObject({ code: 'NOT_FOUND', details: { reason: 'expiry_not_listed' } });
    await expect(server.client.ping()).resolves.toBeDefined();
  });

  it('place_order takes the order unchanged: validated, risk passed, stopped only at the Opus confirmation (no gateway key)', async () => {
    const c = await callOk<Condor>(server.client, 'build_iron_condor', { underlying: 'SPY', short_delta: 0.12 });
    expectCondor(c, 1, 5);
    const placed = await callTool(server.client, 'place_order', c.order);
    expect(errorCode(placed)).toBe('CONFIRMATION_UNAVAILABLE');
    const stages = (placed.structuredContent as { details: { stages: Array<{ stage: string; outcome: string }> } }).details.stages;
    expect(stages.slice(0, 3)).toEqual([
      expect.objectContaining({ stage: 'validate', outcome: 'passed' }),
      expect.objectContaining({ stage: 'idempotency', outcome: 'passed' }),
      expect.objectContaining({ stage: 'risk', outcome: 'passed' }),
    ]);
    const orders = await callOk<{ orders: unknown[] }>(server.client, 'get_orders', { status: 'all' });
    expect(orders.orders).toHaveLength(0);
  });
});
