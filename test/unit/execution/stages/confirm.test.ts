/** The confirmation stage alone, against the loopback gateway: approve, reject (and its cool-down), no key, a bad reply, an outage. */
import { afterEach, describe, expect, it } from 'vitest';
import { confirmStage } from '../../../../src/execution/stages/confirm.js';
import { riskStage } from '../../../../src/execution/stages/risk.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { messageText, startFakeGateway, type FakeGateway } from '../../../support/fake-gateway.js';
import { alwaysApprove, BUY_AAPL, CONFIRMATION_REQUESTS, reject, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
let gw: FakeGateway | undefined;
afterEach(async () => {
  await h?.close();
  await gw?.close();
  h = undefined;
  gw = undefined;
});

describe('confirmation stage', () => {
  it('passes an Opus APPROVE bound to the order hash, sending the risk verdict along', async () => {
    gw = await startFakeGateway();
    alwaysApprove(gw);
    h = await startHarness({ gatewayUrl: gw.url });
    const ctx = await contextAfter(h, { ...BUY_AAPL, rationale: 'a test' }, [validateStage, riskStage]);
    const verdict = await confirmStage.run(ctx);
    expect(verdict).toEqual({ outcome: 'passed', message: 'approved by claude-opus-4-6: sized sensibly' });
    expect(ctx.result.confirmation).toMatchObject({ decision: 'APPROVE', model: 'claude-opus-4-6', problem: null });
    const requests = CONFIRMATION_REQUESTS(gw);
    expect(requests.length).toBe(1);
    expect(messageText(requests[0]!)).toContain(`order_hash: ${ctx.order.hash}`);
    expect(messageText(requests[0]!)).toContain('"passed":true');
    expect(ctx.attempt.externalMs).toBeGreaterThan(0);
  });

  it('refuses an Opus REJECT and keeps refusing the same order during the cool-down without asking again', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: reject(req) } : undefined));
    h = await startHarness({ gatewayUrl: gw.url });
    const first = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'c-1' }, [validateStage]);
    expect(await refusalOf(confirmStage.run(first))).toEqual({ code: 'CONFIRMATION_REJECTED', message: 'Claude Opus rejected the order: too risky' });
    // the same order under another client_order_id is bound by the rejection too
    const again = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'c-2' }, [validateStage]);
    const refusal = await refusalOf(confirmStage.run(again));
    expect(refusal.code).toBe('CONFIRMATION_REJECTED');
    expect(refusal.message).toContain('rejected this order earlier');
    expect(CONFIRMATION_REQUESTS(gw).length).toBe(1);
  });

  it('refuses CONFIRMATION_UNAVAILABLE when no gateway key is configured', async () => {
    h = await startHarness({ gatewayUrl: null });
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    expect((await refusalOf(confirmStage.run(ctx))).code).toBe('CONFIRMATION_UNAVAILABLE');
    expect(ctx.result.confirmation!.problem).toBe('no gateway key');
  });

  it('refuses CONFIRMATION_INVALID for a reply bound to another hash', async () => {
    gw = await startFakeGateway();
    gw.script((req) =>
      req.path.endsWith('/chat/completions') ? { content: JSON.stringify({ decision: 'APPROVE', order_hash: 'e'.repeat(64), reasons: [] }) } : undefined,
    );
    h = await startHarness({ gatewayUrl: gw.url });
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    expect((await refusalOf(confirmStage.run(ctx))).code).toBe('CONFIRMATION_INVALID');
    expect(ctx.result.confirmation).toMatchObject({ decision: null, problem: 'order_hash in the reply does not match the order' });
  });

  it('refuses CONFIRMATION_UNAVAILABLE when the gateway keeps failing, recording the failure', async () => {
    gw = await startFakeGateway();
    gw.script((req) => (req.path.endsWith('/chat/completions') ? { status: 500 } : undefined));
    h = await startHarness({ gatewayUrl: gw.url });
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    const refusal = await refusalOf(confirmStage.run(ctx));
    expect(refusal.code).toBe('CONFIRMATION_UNAVAILABLE');
    expect(refusal.message).toContain('the order was not sent');
    expect(ctx.result.confirmation!.decision).toBeNull();
    expect(ctx.result.confirmation!.problem).toEqual(expect.any(String));
  });
});
