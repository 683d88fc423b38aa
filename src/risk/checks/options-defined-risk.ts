/**
 * No naked short options. Multi-leg: every short leg is covered by long legs of the same type and
 * expiry. Single-leg: a call sold to open is covered by 100 free shares of the underlying per
 * contract (a covered call); a put sold to open is cash-secured (buying_power holds its strike ×
 * 100); buying and closing add no undefined risk.
 */
import type { RiskContext } from '../context.js';
import { CONTRACT_MULTIPLIER } from '../payoff.js';
import { defineCheck, fail, na, pass, type CheckResult } from './result.js';

const RULE = 'every short covered';

export const optionsDefinedRiskCheck = defineCheck({
  name: 'options_defined_risk',
  code: 'RISK_UNDEFINED_RISK',
  evaluate: (ctx) => {
    if (ctx.isOption) return singleLeg(ctx);
    const { isMleg, allLegsParse, parsedLegs } = ctx;
    if (!isMleg) return na('not an options order');
    if (!allLegsParse) return fail('cannot analyse legs that are not OCC symbols', RULE, null);
    // A short leg is covered by long legs of the same type and expiry (any strike: a wing or a debit spread).
    const groups = new Map<string, { short: number; long: number }>();
    for (const l of parsedLegs) {
      const key = `${l.occ.type} ${l.occ.expiration}`;
      const g = groups.get(key) ?? { short: 0, long: 0 };
      if (l.side === 'sell') g.short += l.ratio_qty;
      else g.long += l.ratio_qty;
      groups.set(key, g);
    }
    const naked = [...groups.entries()].filter(([, g]) => g.short > g.long);
    if (naked.length)
      return fail(
        `naked short options: ${naked.map(([k, g]) => `${g.short} short vs ${g.long} long ${k}`).join('; ')}`,
        RULE,
        naked.map(([k]) => k).join(', '),
      );
    const shorts = [...groups.values()].reduce((s, g) => s + g.short, 0);
    return pass(shorts ? 'every short leg is covered by a long leg of the same type and expiry' : 'long options only', RULE, 'covered');
  },
});

function singleLeg({ option, qty, order }: RiskContext): CheckResult {
  if (!option) return fail(`cannot read the option contract ${order.symbol}`, RULE, null);
  const how = option.inferred ? ` (${option.intent}, inferred from the contracts held)` : '';
  if (!option.opening) return pass(`closes an option position${how}: no new short risk`, RULE, 'closing');
  if (order.side === 'buy') return pass(`a long ${option.occ.type}: the loss is at most the premium`, RULE, 'long');
  if (option.occ.type === 'put') return pass(`a cash-secured put${how}: buying_power holds strike ${option.occ.strike} × 100 × ${qty}`, RULE, 'cash-secured');
  const need = (qty ?? 0) * CONTRACT_MULTIPLIER;
  const { held, onOpenSells, committed, free } = option.cover;
  const shares = `${free} shares of ${option.occ.underlying} free (${held} held, ${onOpenSells} on open sells, ${committed} covering calls already short)`;
  return free >= need
    ? pass(`a covered call${how}: ${need} shares needed, ${shares}`, RULE, 'covered')
    : fail(`a naked short call${how}: ${need} shares of ${option.occ.underlying} needed to cover it, ${shares}`, RULE, 'naked call');
}
