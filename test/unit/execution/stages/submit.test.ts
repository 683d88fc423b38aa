/**
 * The broker stage alone: commit (INTENT) then one submission. Counts orders at the broker and reads
 * the journal: a refusal before the commit point leaves both untouched; one after it is recorded.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../../src/broker/index.js';
import { readJournal } from '../../../../src/execution/journal.js';
import { idempotencyStage } from '../../../../src/execution/stages/idempotency.js';
import { riskStage } from '../../../../src/execution/stages/risk.js';
import { submitStage } from '../../../../src/execution/stages/submit.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { getRiskState } from '../../../../src/risk/service.js';
import { startFakeAlpaca, type FakeAlpaca } from '../../../support/fake-alpaca.js';
import { BUY_AAPL, startHarness, type Harness, type HarnessOptions } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
let alpaca: FakeAlpaca | undefined;
afterEach(async () => {
  await h?.close();
  await alpaca?.close();
  h = undefined;
  alpaca = undefined;
});

const BEFORE = [validateStage, idempotencyStage, riskStage];
const journal = () => readJournal(join(h!.dataDir, 'order-journal.log')).map((e) => (e.type === 'OUTCOME' ? `OUTCOME:${e.result}` : e.type));
const brokerOrders = async () => (await getBroker(h!.deps)).listOrders({ status: 'all', limit: 50 });
const row = (id: string) => h!.gate.attemptContext(null).env.store.getOrder(id);
const stateOf = async (id: string) => (await row(id))!.state;

async function onAlpaca(o: HarnessOptions = {}): Promise<FakeAlpaca> {
  alpaca = await startFakeAlpaca();
  h = await startHarness({
    alpaca: { baseUrl: alpaca.tradingUrl, dataUrl: alpaca.dataUrl, timeoutMs: 3_000, rateLimitPerMin: 1_000_000 },
    gate: { brokerTimeoutMs: 300 },
    ...o,
  });
  return alpaca;
}

describe('broker stage', () => {
  it('writes the INTENT, sends the order once and records it submitted', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 's-1' }, BEFORE);
    const verdict = await submitStage.run(ctx);
    expect(verdict.outcome).toBe('passed');
    expect(verdict.message).toMatch(/^broker order \S+ \(\w+\)$/);
    expect((await brokerOrders()).map((o) => o.clientOrderId)).toEqual(['s-1']);
    expect(journal()).toEqual(['INTENT', 'OUTCOME:submitted']);
    expect(await stateOf('s-1')).toBe('submitted');
    expect(ctx.committed).toBe(true);
    expect(ctx.result).toMatchObject({ status: 'submitted', broker_order: { client_order_id: 's-1' } });
  });

  it('a halt after the risk stage stops the order at the commit point: no INTENT, nothing sent', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 's-halt' }, BEFORE);
    await (await getRiskState(h.deps)).halt('stage test', 'test');
    const refusal = await refusalOf(submitStage.run(ctx));
    expect(refusal.code).toBe('TRADING_HALTED');
    expect(refusal.message).toMatch(/^trading was halted before the order could be sent/);
    expect([journal(), await brokerOrders(), ctx.committed, await stateOf('s-halt')]).toEqual([[], [], false, 'claimed']);
  });

  it('an aged risk verdict is checked again before the commit point', async () => {
    h = await startHarness({ gate: { riskRecheckAfterMs: 0 } });
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 's-aged' }, BEFORE);
    await (await getRiskState(h.deps)).halt('stage test', 'test');
    const refusal = await refusalOf(submitStage.run(ctx));
    expect(refusal.code).toBe('TRADING_HALTED');
    expect(refusal.message).toMatch(/^the risk re-check just before sending refused the order: RISK_HALTED/);
    expect([journal(), await brokerOrders()]).toEqual([[], []]);
  });

  it('refuses a cancelled request, and an unavailable broker, before writing anything', async () => {
    h = await startHarness({ services: (_deps, real) => ({ ...real, broker: async () => Promise.reject(new Error('no route to broker')) }) });
    const cancelled = await contextAfter(h, { ...BUY_AAPL, client_order_id: 's-cancel' }, BEFORE, { signal: AbortSignal.abort() });
    expect(await refusalOf(submitStage.run(cancelled))).toEqual({ code: 'INTERNAL', message: 'the request was cancelled before the order was sent' });
    const unreachable = await contextAfter(h, { ...BUY_AAPL, client_order_id: 's-down' }, BEFORE);
    expect(await refusalOf(submitStage.run(unreachable))).toEqual({
      code: 'BROKER_UNAVAILABLE',
      message: 'the broker is not available: no route to broker; nothing was sent',
    });
    expect(journal()).toEqual([]);
  });

  it('a broker rejection is recorded after the INTENT and refused BROKER_REJECTED', async () => {
    const fake = await onAlpaca();
    fake.fail({ method: 'POST', path: '/v2/orders', api: 'trading', status: 422, body: { code: 42210000, message: 'qty must be a multiple of the lot size' } });
    const ctx = await contextAfter(h!, { ...BUY_AAPL, client_order_id: 's-422' }, BEFORE);
    expect((await refusalOf(submitStage.run(ctx))).code).toBe('BROKER_REJECTED');
    expect([journal(), await stateOf('s-422'), ctx.committed]).toEqual([['INTENT', 'OUTCOME:rejected'], 'rejected', true]);
    expect(fake.submittedOrders.length).toBe(0);
  });

  it('no answer: the order is looked up, never posted again (found → submitted; not found → unknown)', async () => {
    const fake = await onAlpaca();
    fake.fail({ method: 'POST', path: '/v2/orders', api: 'trading', mode: 'accept-then-hang' });
    const found = await contextAfter(h!, { ...BUY_AAPL, client_order_id: 's-found' }, BEFORE);
    expect((await submitStage.run(found)).message).toContain('reconciled by client_order_id');
    expect(found.result.status).toBe('submitted');
    fake.fail({ method: 'POST', path: '/v2/orders', api: 'trading', status: 503 });
    const lost = await contextAfter(h!, { ...BUY_AAPL, client_order_id: 's-lost' }, BEFORE);
    expect((await refusalOf(submitStage.run(lost))).code).toBe('BROKER_UNAVAILABLE');
    expect([lost.result.status, await stateOf('s-lost')]).toEqual(['unknown', 'unknown']);
    expect(journal()).toEqual(['INTENT', 'OUTCOME:submitted', 'INTENT', 'OUTCOME:unknown']);
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v2/orders').length).toBe(2);
  });
});
