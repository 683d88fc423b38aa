/** No naked short options: every short leg is covered by long legs of the same type and expiry. */
import { defineCheck, fail, na, pass } from './result.js';

export const optionsDefinedRiskCheck = defineCheck({
  name: 'options_defined_risk',
  code: 'RISK_UNDEFINED_RISK',
  evaluate: ({ isMleg, allLegsParse, parsedLegs }) => {
    if (!isMleg) return na('not a multi-leg order');
    if (!allLegsParse) return fail('cannot analyse legs that are not OCC symbols', 'every short covered', null);
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
        'every short covered',
        naked.map(([k]) => k).join(', '),
      );
    const shorts = [...groups.values()].reduce((s, g) => s + g.short, 0);
    return pass(shorts ? 'every short leg is covered by a long leg of the same type and expiry' : 'long options only', 'every short covered', 'covered');
  },
});
