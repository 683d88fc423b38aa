/**
 * SPEC §11 at the gate (in-process: real sim broker, real router against the loopback gateway): a
 * confirmation is read strictly (one choice, finish_reason stop, an Opus model after at most one
 * `anthropic/` prefix), and Opus has its own envelope (confirmations per hour, daily cap) that refuses
 * with BUDGET_EXHAUSTED at stage `confirmation` without calling the gateway. Each test counts the
 * gateway's confirmation requests and the broker's orders.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
import { ToolError } from '../../../src/errors.js';
import type { PlaceOrderResult } from '../../../src/execution/result.js';
import { startFakeGateway, type Behaviour, type FakeGateway } from '../../support/fake-gateway.js';
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

async function refusal(p: Promise<unknown>): Promise<{ code: string; details: PlaceOrderResult }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ToolError) return { code: err.code, details: err.details as unknown as PlaceOrderResult };
    throw err;
  }
  throw new Error('expected a refusal');
}

/** Opus answers every confirmation with an APPROVE for the request's own hash, shaped by `extra`. */
function approveWith(g: FakeGateway, extra: Behaviour): void {
  g.script((req) => (req.path.endsWith('/chat/completions') ? { content: approve(req), ...extra } : undefined));
}

describe('a confirmation is read strictly', () => {
  it.each<[string, Behaviour, RegExp]>([
    ['two choices', { choices: 2 }, /exactly one choice; it has 2/],
    ['no choice', { choices: 0 }, /exactly one choice; it has 0/],
    ['an APPROVE cut by length', { finishReason: 'length' }, /finish_reason "stop"; it ended with "length"/],
    ['an APPROVE cut by the content filter', { finishReason: 'content_filter' }, /finish_reason "stop"; it ended with "content_filter"/],
  ])('%s is CONFIRMATION_INVALID and never reaches the broker', async (_name, behaviour, problem) => {
    gw = await startFakeGateway();
    approveWith(gw, behaviour);
    h = await startHarness({ gatewayUrl: gw.url });
    const r = await refusal(h.gate.place({ ...BUY_AAPL, client_order_id: 'strict-1' }));
    expect(r.code).toBe('CONFIRMATION_INVALID');
    expect(r.details.stopped_at).toBe('confirmation');
    expect(r.details.confirmation!.problem).toMatch(problem);
    expect(CONFIRMATION_REQUESTS(gw)).toHaveLength(1);
    expect(await brokerOrders(h)).toHaveLength(0);
  });

  it.each(['openai/claude-opus-4-6', 'anthropic/anthropic/claude-opus-4-6', 'anthropic.claude-opus-4-6'])(
    'an APPROVE served as %s is CONFIRMATION_INVALID',
    async (served) => {
      gw = await startFakeGateway();
      approveWith(gw, { model: served });
      h = await startHarness({ gatewayUrl: gw.url });
      const r = await refusal(h.gate.place({ ...BUY_AAPL, client_order_id: 'strict-2' }));
      expect(r.code).toBe('CONFIRMATION_INVALID');
      expect(await brokerOrders(h)).toHaveLength(0);
    },
  );

  it('an APPROVE served as anthropic/claude-opus-4-6 (one allowed prefix), one choice, stop: submitted', async () => {
    gw = await startFakeGateway();
    approveWith(gw, { model: 'anthropic/claude-opus-4-6' });
    h = await startHarness({ gatewayUrl: gw.url });
    const r = await h.gate.place({ ...BUY_AAPL, client_order_id: 'strict-3' });
    expect(r.status).toBe('submitted');
    expect(r.confirmation!.model).toBe('anthropic/claude-opus-4-6');
    expect(await brokerOrders(h)).toHaveLength(1);
  });
});

describe('Opus has its own envelope', () => {
  const distinct = (i: number) => ({ ...BUY_AAPL, qty: i + 1, client_order_id: `env-${i}` });

  it('past maxConfirmationsPerHour, place_order refuses with BUDGET_EXHAUSTED at confirmation without calling the gateway', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: reject(req) } : undefined));
    h = await startHarness({ gatewayUrl: gw.url, maxConfirmationsPerHour: 3 });
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await refusal(h.gate.place(distinct(i)))).code);
    expect(codes).toEqual(['CONFIRMATION_REJECTED', 'CONFIRMATION_REJECTED', 'CONFIRMATION_REJECTED', 'BUDGET_EXHAUSTED', 'BUDGET_EXHAUSTED']);
    expect(CONFIRMATION_REQUESTS(gw)).toHaveLength(3);
    const last = await refusal(h.gate.place(distinct(9)));
    expect(last.code).toBe('BUDGET_EXHAUSTED');
    expect(last.details.stopped_at).toBe('confirmation');
    expect(last.details.stages.find((s) => s.stage === 'confirmation')).toMatchObject({ outcome: 'refused', code: 'BUDGET_EXHAUSTED' });
    expect(last.details.message).toMatch(/maxConfirmationsPerHour = 3.*nothing was sent/);
    // the client_order_id was released (refused before the INTENT): usable again later
    expect(last.details.status).toBe('refused');
    expect(CONFIRMATION_REQUESTS(gw)).toHaveLength(3);
    expect(await brokerOrders(h)).toHaveLength(0);
  });

  it('approved confirmations count too, and the limit holds for concurrent attempts', async () => {
    gw = await startFakeGateway();
    approveWith(gw, { latencyMs: 200 });
    h = await startHarness({ gatewayUrl: gw.url, maxConfirmationsPerHour: 2 });
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => h!.gate.place(distinct(i))));
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => (s.reason as ToolError).code);
    expect(ok).toHaveLength(2);
    expect(refused).toEqual(['BUDGET_EXHAUSTED', 'BUDGET_EXHAUSTED', 'BUDGET_EXHAUSTED']);
    expect(CONFIRMATION_REQUESTS(gw)).toHaveLength(2);
    expect(await brokerOrders(h)).toHaveLength(2);
  });

  it('past the critical daily cap, BUDGET_EXHAUSTED at confirmation and nothing sent', async () => {
    gw = await startFakeGateway();
    approveWith(gw, {});
    h = await startHarness({ gatewayUrl: gw.url, budget: { criticalDailyUsd: 0.01 } });
    const r = await refusal(h.gate.place(distinct(0)));
    expect(r.code).toBe('BUDGET_EXHAUSTED');
    expect(r.details.stopped_at).toBe('confirmation');
    expect(r.details.message).toMatch(/TRADING_MCP_CRITICAL_DAILY_BUDGET_USD/);
    expect(gw.requests).toHaveLength(0);
    expect(await brokerOrders(h)).toHaveLength(0);
  });

  it('a shared budget spent to nothing never stops the next confirmation reaching Opus', async () => {
    gw = await startFakeGateway();
    approveWith(gw, {});
    h = await startHarness({ gatewayUrl: gw.url, budget: { dailyUsd: 0 } });
    const r = await h.gate.place(distinct(0));
    expect(r.status).toBe('submitted');
    expect(CONFIRMATION_REQUESTS(gw)).toHaveLength(1);
  });
});
