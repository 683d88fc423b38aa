/** The idempotency stage alone: a client_order_id claimed once; a used one stops the attempt with its recorded outcome. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../../src/broker/index.js';
import { getGateStore } from '../../../../src/execution/gate-store.js';
import { idempotencyStage } from '../../../../src/execution/stages/idempotency.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { startFakeGateway, type FakeGateway } from '../../../support/fake-gateway.js';
import { alwaysApprove, BUY_AAPL, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
let gw: FakeGateway | undefined;
afterEach(async () => {
  await h?.close();
  await gw?.close();
  h = undefined;
  gw = undefined;
});

describe('idempotency stage', () => {
  it('claims the given client_order_id for this attempt', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'i-1' }, [validateStage]);
    const verdict = await idempotencyStage.run(ctx);
    expect(verdict).toEqual({ outcome: 'passed', message: 'client_order_id i-1 claimed' });
    expect(ctx.holdsClaim).toBe(true);
    const row = (await (await getGateStore(h.deps)).getOrder('i-1'))!;
    expect([row.state, row.audit_id, row.order_hash]).toEqual(['claimed', ctx.attempt.auditId, ctx.order.hash]);
  });

  it('generates a client_order_id bound to the hash when none is given', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    await idempotencyStage.run(ctx);
    expect(ctx.clientOrderId).toMatch(new RegExp(`^tmcp-${ctx.order.hash.slice(0, 16)}-[0-9a-f]{16}$`));
    expect(ctx.result.client_order_id_generated).toBe(true);
    expect((await (await getGateStore(h.deps)).getOrder(ctx.clientOrderId))!.state).toBe('claimed');
  });

  it('stops a used client_order_id as DUPLICATE_ORDER and answers with the recorded outcome; nothing more reaches the broker', async () => {
    gw = await startFakeGateway();
    alwaysApprove(gw);
    h = await startHarness({ gatewayUrl: gw.url });
    await h.gate.place({ ...BUY_AAPL, client_order_id: 'i-dup' });
    const ctx = await contextAfter(h, { ...BUY_AAPL, qty: 2, client_order_id: 'i-dup' }, [validateStage]);
    const verdict = await idempotencyStage.run(ctx);
    expect(verdict).toMatchObject({ outcome: 'stop', code: 'DUPLICATE_ORDER', message: 'client_order_id i-dup was already used (submitted)' });
    expect(ctx.holdsClaim).toBe(false);
    if (verdict.outcome !== 'stop') throw new Error('expected a stop');
    await verdict.answer();
    expect(ctx.result.status).toBe('duplicate');
    expect(ctx.result.duplicate_of).toMatchObject({ status: 'submitted', same_order: false });
    expect(ctx.result.broker_order!.client_order_id).toBe('i-dup');
    expect((await (await getBroker(h.deps)).listOrders({ status: 'all', limit: 10 })).length).toBe(1);
  });

  it('takes over a claim whose attempt is gone before it wrote an INTENT', async () => {
    h = await startHarness();
    const gone = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'i-stale' }, [validateStage, idempotencyStage]);
    // `gone` never ran through place, so no live attempt in this process holds it
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'i-stale' }, [validateStage]);
    expect((await idempotencyStage.run(ctx)).outcome).toBe('passed');
    expect((await (await getGateStore(h.deps)).getOrder('i-stale'))!.audit_id).toBe(ctx.attempt.auditId);
    expect(ctx.attempt.auditId).not.toBe(gone.attempt.auditId);
  });

  it('refuses with JOURNAL_CORRUPT when the order journal is damaged, and claims nothing', async () => {
    h = await startHarness();
    writeFileSync(join(h.dataDir, 'order-journal.log'), 'not a record\nnor this\n');
    const ctx = await contextAfter(h, { ...BUY_AAPL, client_order_id: 'i-corrupt' }, [validateStage]);
    expect((await refusalOf(idempotencyStage.run(ctx))).code).toBe('JOURNAL_CORRUPT');
    expect(await (await getGateStore(h.deps)).getOrder('i-corrupt')).toBeNull();
  });
});
