/** Stage 4: the council ticket, where the profile requires one (checked here, spent with the INTENT). */
import { Refusal } from '../attempt.js';
import type { GateStage } from '../context.js';

export const councilStage: GateStage = {
  name: 'council',
  async run(ctx) {
    const r = ctx.result;
    const { hash, ticket } = ctx.order;
    if (!ctx.env.deps.profile.requireCouncilTicket) return { outcome: 'skipped', message: 'profile does not require a council ticket' };
    if (!ticket) {
      r.council = { ok: false, reason: 'missing', message: 'no council_ticket given' };
      throw new Refusal(
        'COUNCIL_REQUIRED',
        'this profile requires a council ticket: run council_vote on this exact order and pass its ticket as council_ticket',
      );
    }
    // checked even under an Opus REJECT cool-down (checking spends nothing): a cool-down that ends
    // before the confirmation stage must never let an unchecked ticket through
    const verdict = await ctx.env.services.verifyTicket(ticket, hash);
    const ok = verdict.ok === true && typeof verdict.ticketId === 'string' && verdict.ticketId.length > 0;
    const reason = ok ? null : verdict.ok === true ? 'no_ticket_id' : (verdict.reason ?? 'invalid');
    r.council = { ok, reason, message: verdict.message ?? (ok ? 'ticket verified; spent when the order is committed' : 'ticket refused') };
    if (!ok) throw new Refusal('COUNCIL_REQUIRED', `council ticket refused (${reason}): ${verdict.message ?? ''}`.trim());
    ctx.ticketId = verdict.ticketId!;
    return { outcome: 'passed', message: 'council ticket verified (spent only when the order is committed)' };
  },
};
