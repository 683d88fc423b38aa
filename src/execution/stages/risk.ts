/**
 * Stage 3: the deterministic risk check, before any paid call. Its verdict check is also the
 * re-check of an aged verdict just before sending (submit.ts): one rule, two wordings.
 */
import { performance } from 'node:perf_hooks';
import { RiskVerdictSchema, type RiskVerdict } from '../../risk/verdict.js';
import { riskActionOf } from '../actions/types.js';
import { Refusal } from '../attempt.js';
import type { AttemptContext, GateStage } from '../context.js';
import type { PlaceOrderResult } from '../result.js';

interface Wording {
  malformed: string;
  otherHash: string;
  refused: (failedList: string) => string;
  /** The verdict for another hash still shows in the result (the stage's own check) or not (the re-check). */
  showsOtherHash: boolean;
}

const WORDING: Record<'stage' | 'recheck', Wording> = {
  stage: {
    malformed: 'the risk check returned a malformed verdict; refusing',
    otherHash: 'the risk verdict is for a different order hash; refusing',
    refused: (list) => `risk check refused the order: ${list || 'verdict not passed'}`,
    showsOtherHash: true,
  },
  recheck: {
    malformed: 'the risk re-check before sending returned a malformed verdict; refusing',
    otherHash: 'the risk re-check before sending returned a malformed verdict; refusing',
    refused: (list) => `the risk re-check just before sending refused the order: ${list}`,
    showsOtherHash: false,
  },
};

/**
 * Accept a risk verdict only when it is well-formed, for this order hash and passed with no failed
 * check: otherwise refuse with TRADING_HALTED (the halt check failed), RISK_LESSON_BLOCK (a lesson's
 * block rule matched) or RISK_REJECTED. The verdict is put on the result.
 */
export function judgeRiskVerdict(raw: unknown, hash: string, phase: 'stage' | 'recheck', result: PlaceOrderResult): RiskVerdict {
  const w = WORDING[phase];
  const checked = RiskVerdictSchema.safeParse(raw);
  if (!checked.success) throw new Refusal('RISK_REJECTED', w.malformed);
  const verdict = checked.data;
  if (verdict.order_hash !== hash) {
    if (w.showsOtherHash) result.risk = verdict;
    throw new Refusal('RISK_REJECTED', w.otherHash);
  }
  result.risk = verdict;
  const failed = verdict.checks.filter((c) => !c.passed);
  if (!verdict.passed || failed.length) {
    const halted = failed.some((c) => c.name === 'trading_halted');
    // a lesson's block rule names itself: another size or price will not get past it
    const blocked = failed.some((c) => c.name === 'lesson_block');
    const code = halted ? 'TRADING_HALTED' : blocked ? 'RISK_LESSON_BLOCK' : 'RISK_REJECTED';
    throw new Refusal(code, w.refused(failed.map((c) => `${c.code} (${c.message})`).join('; ')));
  }
  return verdict;
}

/** An order that only closes a position: close_position, an OCO, or an option's *_to_close. */
function closingSymbol(ctx: AttemptContext): string | null {
  const { order } = ctx.order;
  const closes = ctx.action.kind === 'close' || order.order_class === 'oco' || (order.position_intent?.endsWith('_to_close') ?? false);
  return closes ? order.symbol : null;
}

/**
 * One closing order per symbol in flight (this data dir, every process): its risk check sees what
 * is held and what open orders already sell; a second close checked before the first reaches the
 * broker would see the same free position and together they could sell more than is held.
 */
async function lockClose(ctx: AttemptContext): Promise<void> {
  const symbol = closingSymbol(ctx);
  if (symbol === null) return;
  const holder = await ctx.env.store.lockClose(symbol, ctx.attempt.auditId, ctx.env.now(), (h) => ctx.env.ownerGone(h));
  if (holder)
    throw new Refusal(
      'RISK_REJECTED',
      `another order closing ${symbol} is in flight (audit ${holder.audit_id}, since ${holder.at}); retry once it has been answered, when its effect on the position is visible`,
    );
}

export const riskStage: GateStage = {
  name: 'risk',
  async run(ctx) {
    await lockClose(ctx);
    ctx.riskAt = performance.now();
    const { parsed, hash } = ctx.order;
    const verdict = judgeRiskVerdict(await ctx.env.services.assessOrder(parsed, riskActionOf(ctx.action)), hash, 'stage', ctx.result);
    return { outcome: 'passed', message: `all ${verdict.checks.length} risk checks passed` };
  },
};
