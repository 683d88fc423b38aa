/**
 * The account's options level must allow what the order does: 1 to sell a covered call or a
 * cash-secured put and to close, 2 to buy calls and puts, 3 for multi-leg spreads. A broker that
 * does not report the level fails closed: no options order passes on an unknown level.
 */
import type { RiskContext } from '../context.js';
import { defineCheck, fail, na, pass } from './result.js';

const WHAT: Record<number, string> = { 1: 'covered calls, cash-secured puts and closes', 2: 'long calls and puts', 3: 'spreads (multi-leg)' };

export const optionsLevelCheck = defineCheck({
  name: 'options_level',
  code: 'RISK_OPTIONS_LEVEL',
  evaluate: (ctx) => {
    const need = requiredLevel(ctx);
    if (need === null) return na('not an options order');
    const level = ctx.account.optionsLevel;
    if (typeof level !== 'number' || !Number.isFinite(level))
      return fail(`the broker does not report the account's options level: refusing an options order (needs level ${need}, ${WHAT[need]})`, need, null);
    return level >= need
      ? pass(`options level ${level} allows ${WHAT[need]} (level ${need})`, need, level)
      : fail(`options level ${level} is below the ${need} that ${WHAT[need]} need`, need, level);
  },
});

/** The level the order needs (null when it trades no options). */
function requiredLevel({ isMleg, isOption, option, order }: RiskContext): number | null {
  if (isMleg) return 3;
  if (!isOption) return null;
  if (order.side === 'buy' && (option?.opening ?? true)) return 2;
  return 1;
}
