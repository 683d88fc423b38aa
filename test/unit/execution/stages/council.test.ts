/** The council stage alone: skipped when not required; a ticket checked (never spent here), missing or forged refused. */
import { afterEach, describe, expect, it } from 'vitest';
import { issueTicket, verifyTicket } from '../../../../src/council/ticket.js';
import { councilStage } from '../../../../src/execution/stages/council.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { BUY_AAPL, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('council stage', () => {
  it('is skipped when the profile needs no council ticket', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    expect(await councilStage.run(ctx)).toEqual({ outcome: 'skipped', message: 'profile does not require a council ticket' });
    expect(ctx.ticketId).toBeNull();
  });

  it('refuses COUNCIL_REQUIRED without a ticket, or with one for another order', async () => {
    h = await startHarness({ requireCouncilTicket: true });
    const bare = await contextAfter(h, BUY_AAPL, [validateStage]);
    expect((await refusalOf(councilStage.run(bare))).code).toBe('COUNCIL_REQUIRED');
    expect(bare.result.council).toEqual({ ok: false, reason: 'missing', message: 'no council_ticket given' });
    const other = await issueTicket(h.deps, { orderHash: 'e'.repeat(64), decision: 'APPROVE', councilId: 'c1' });
    const wrong = await contextAfter(h, { ...BUY_AAPL, council_ticket: other.ticket }, [validateStage]);
    expect((await refusalOf(councilStage.run(wrong))).code).toBe('COUNCIL_REQUIRED');
    expect(wrong.result.council!.ok).toBe(false);
    expect(wrong.ticketId).toBeNull();
  });

  it('passes a ticket for this order and leaves it unspent (the INTENT transaction spends it)', async () => {
    h = await startHarness({ requireCouncilTicket: true });
    const probe = await contextAfter(h, BUY_AAPL, [validateStage]);
    const issued = await issueTicket(h.deps, { orderHash: probe.order.hash, decision: 'APPROVE', councilId: 'c1' });
    const ctx = await contextAfter(h, { ...BUY_AAPL, council_ticket: issued.ticket }, [validateStage]);
    expect((await councilStage.run(ctx)).outcome).toBe('passed');
    expect(ctx.ticketId).toEqual(expect.any(String));
    expect(ctx.result.council!.ok).toBe(true);
    expect((await verifyTicket(h.deps, issued.ticket, ctx.order.hash)).ok).toBe(true);
  });

  it('checks the ticket even under an Opus REJECT cool-down (a cool-down ending mid-attempt must not skip it)', async () => {
    h = await startHarness({ requireCouncilTicket: true });
    const ctx = await contextAfter(h, { ...BUY_AAPL, council_ticket: 'not-even-a-ticket' }, [validateStage]);
    await ctx.env.store.recordRejection(ctx.rejectionKeys(), Date.now() + 60_000, 'claude-opus-4-6', ['too risky']);
    expect((await refusalOf(councilStage.run(ctx))).code).toBe('COUNCIL_REQUIRED');
    expect(ctx.ticketId).toBeNull();
  });
});
