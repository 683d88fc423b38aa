/**
 * The human stage's dashboard path through the real gate (sim broker, loopback gateway approving, the approval
 * store a second handle opens as the dashboard would): a cancelled call never consumes an approval and leaves
 * none standing, a second attempt of the same order cannot use the first attempt's approval, and the wait ends
 * on elapsed time even when the wall clock steps back. The broker's orders are counted every time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { getBroker } from '../../../../src/broker/index.js';
import { openApprovalStore, type ApprovalStore } from '../../../../src/execution/approvals.js';
import { getRiskState } from '../../../../src/risk/state.js';
import { ToolError } from '../../../../src/errors.js';
import { dashboardApproval } from '../../../../src/execution/stages/approval.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { startFakeGateway, type FakeGateway } from '../../../support/fake-gateway.js';
import { alwaysApprove, BUY_AAPL, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
let gw: FakeGateway | undefined;
let page: ApprovalStore | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await page?.close();
  await h?.close();
  await gw?.close();
  [h, gw, page] = [undefined, undefined, undefined];
});

async function start(timeoutSec: number): Promise<{ h: Harness; page: ApprovalStore }> {
  gw = await startFakeGateway();
  alwaysApprove(gw);
  h = await startHarness({ gatewayUrl: gw.url, profile: { humanApproval: 'dashboard', approvalTimeoutSec: timeoutSec } });
  page = await openApprovalStore(h.dataDir);
  return { h, page };
}

const brokerOrders = async (harness: Harness) => (await getBroker(harness.deps)).listOrders({ status: 'all', limit: 500 });
const codeOf = (run: Promise<unknown>) =>
  run.then(
    () => 'submitted',
    (err: unknown) => (err instanceof ToolError ? err.code : String(err)),
  );

async function pendingRequest(store: ApprovalStore) {
  for (let i = 0; i < 200; i++) {
    const [p] = await store.pending(new Date());
    if (p) return p;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no approval request appeared');
}

describe('dashboard approval stage', () => {
  it('an approval landing with the cancel is not taken, is not left standing, and a second attempt cannot use it', async () => {
    const { h, page } = await start(1);
    const ac = new AbortController();
    const first = codeOf(h.gate.place({ ...BUY_AAPL, client_order_id: 'appr-1' }, { signal: ac.signal }));
    const req = await pendingRequest(page);
    // the person clicks approve in the same instant the caller cancels
    ac.abort();
    expect(await page.decide(req.id, req.order_hash, 'approve', new Date())).toEqual({ ok: true, status: 'approved' });
    expect(await first).toBe('HUMAN_DECLINED');
    expect((await page.get(req.id))?.status).toBe('expired');
    // the same order again: a fresh request; the first one's approval lets nothing through
    const second = codeOf(h.gate.place({ ...BUY_AAPL, client_order_id: 'appr-1' }));
    const again = await pendingRequest(page);
    expect(again.id).not.toBe(req.id);
    expect(again.order_hash).toBe(req.order_hash);
    expect(await second).toBe('HUMAN_DECLINED');
    expect(await brokerOrders(h)).toEqual([]);
  });

  it('a halt pressed while the order waits stops it even after a person approves it', async () => {
    const { h, page } = await start(5);
    const placing = codeOf(h.gate.place({ ...BUY_AAPL, client_order_id: 'appr-halt' }));
    const req = await pendingRequest(page);
    await (await getRiskState(h.deps)).halt('halted from the dashboard', 'dashboard');
    expect(await page.decide(req.id, req.order_hash, 'approve', new Date())).toEqual({ ok: true, status: 'approved' });
    expect(await placing).toBe('TRADING_HALTED');
    expect(await brokerOrders(h)).toEqual([]);
  });

  it('the wait ends after approvalTimeoutSec of elapsed time even when the wall clock steps back an hour', async () => {
    const { h } = await start(1);
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const waiting = refusalOf(dashboardApproval(ctx));
    vi.setSystemTime(Date.now() - 3_600_000); // NTP steps the clock back right after the request went up
    const t0 = performance.now();
    const outcome = await Promise.race([waiting, new Promise((r) => setTimeout(() => r('still waiting'), 4_000))]);
    expect(outcome).toMatchObject({ code: 'HUMAN_DECLINED', message: expect.stringMatching(/within 1 s/) });
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(ctx.result.human).toEqual({ action: 'timeout', confirmed: false });
  });
});
