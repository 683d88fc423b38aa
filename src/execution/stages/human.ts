/**
 * Stage 6: a human confirms the order. With the profile's `humanApproval: "dashboard"`, every order waits for a
 * person to approve its exact order_hash on the dashboard (approval.ts); otherwise a live order is confirmed
 * through MCP elicitation and other modes skip the stage.
 */
import { performance } from 'node:perf_hooks';
import type { ToolContext } from '../../tool.js';
import { Refusal } from '../attempt.js';
import type { AttemptContext, GateStage } from '../context.js';
import { describeOrder } from '../describe.js';
import { dashboardApproval } from './approval.js';

export const humanStage: GateStage = {
  name: 'human',
  async run(ctx) {
    if (ctx.env.deps.profile.humanApproval === 'dashboard') return dashboardApproval(ctx);
    if (ctx.mode !== 'live') return { outcome: 'skipped', message: `mode ${ctx.mode}: no human confirmation needed` };
    const t = performance.now();
    try {
      const r = ctx.result;
      const answer = await askHuman(ctx);
      if (answer === null) {
        r.human = { action: 'unsupported', confirmed: false };
        throw new Refusal('HUMAN_DECLINED', 'live orders need a human confirmation, and this client cannot show one (MCP elicitation); refusing');
      }
      const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
      r.human = { action: answer.action, confirmed };
      if (!confirmed) throw new Refusal('HUMAN_DECLINED', `the human did not confirm the live order (${answer.action})`);
      return { outcome: 'passed', message: 'the human confirmed the live order' };
    } finally {
      ctx.attempt.externalMs += performance.now() - t;
    }
  },
};

/** The human's answer, or null when the client cannot elicit; a failed elicitation is a refusal. */
async function askHuman(ctx: AttemptContext): Promise<Awaited<ReturnType<ToolContext['elicit']>>> {
  if (!ctx.options.elicit) return null;
  const { order, hash } = ctx.order;
  try {
    return await ctx.options.elicit(
      `LIVE ORDER — real money. ${ctx.action.kind === 'place' ? '' : `${ctx.action.summary}. `}${describeOrder(order)}. Claude Opus approved it (order_hash ${hash.slice(0, 16)}…). Confirm to send it to the broker.`,
      {
        confirm: { type: 'boolean', title: 'Send this live order', description: describeOrder(order) },
      },
    );
  } catch (err) {
    ctx.result.human = { action: 'error', confirmed: false };
    throw new Refusal('HUMAN_DECLINED', `the human confirmation could not be obtained (${(err as Error).message}); refusing`);
  }
}
