/** The order's dollar value (an options order: its premium) must stay within the per-order limit. */
import { money, r } from '../numbers.js';
import { CONTRACT_MULTIPLIER } from '../payoff.js';
import { defineCheck, fail, pass } from './result.js';

export const maxOrderNotionalCheck = defineCheck({
  name: 'max_order_notional',
  code: 'RISK_MAX_NOTIONAL',
  evaluate: ({ isMleg, netPremium, spreads, notional }, limits) => {
    const limit = limits.maxOrderNotionalUsd;
    if (isMleg) {
      if (netPremium === null) return fail('cannot price the options order (no limit_price and no quote for every leg)', limit, null);
      const premium = Math.abs(netPremium) * CONTRACT_MULTIPLIER * spreads;
      return premium <= limit
        ? pass(`premium ${money(premium)} within ${money(limit)}`, limit, r(premium))
        : fail(`premium ${money(premium)} exceeds ${money(limit)}`, limit, r(premium));
    }
    if (notional === null) return fail('cannot price a market order without a quote', limit, null);
    return notional <= limit
      ? pass(`order value ${money(notional)} within ${money(limit)}`, limit, r(notional))
      : fail(`order value ${money(notional)} exceeds ${money(limit)}`, limit, r(notional));
  },
});
