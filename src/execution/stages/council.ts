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
    // an order under an Opus REJECT cool-down is refused at the next stage: do not spend its ticket for nothing
    if (ctx.activeRejection()) return { outcome: 'skipped', message: 'ticket not checked: this order is under an Opus REJECT cool-down' };
    const verdict = await ctx.env.services.verifyTicket(ticket, hash);
    const ok = verdict.ok === true && typeof verdict.ticketId === 'string' && verdict.ticketId.length > 0;
    const reason = ok ? null : verdict.ok === true ? 'no_ticket_id' : (verdict.reason ?? 'invalid');
    r.council = { ok, reason, message: verdict.message ?? (ok ? 'ticket verified; spent when the order is committed' : 'ticket refused') };
    if (!ok) throw new Refusal('COUNCIL_REQUIRED', `council ticket refused (${reason}): ${verdict.message ?? ''}`.trim());
    ctx.ticketId = verdict.ticketId!;
    return { outcome: 'passed', message: 'council ticket verified (spent only when the order is committed)' };
  },
};
