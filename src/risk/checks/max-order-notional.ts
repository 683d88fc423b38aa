/** The order's dollar value (an options order: its premium, price × 100 × contracts) must stay within the per-order limit. */
import { money, r } from '../numbers.js';
import { CONTRACT_MULTIPLIER } from '../payoff.js';
import { defineCheck, fail, pass } from './result.js';

export const maxOrderNotionalCheck = defineCheck({
  name: 'max_order_notional',
  code: 'RISK_MAX_NOTIONAL',
  evaluate: ({ isMleg, isOption, netPremium, spreads, notional }, limits) => {
    const limit = limits.maxOrderNotionalUsd;
    if (isMleg) {
      if (netPremium === null) return fail('cannot price the options order (no limit_price and no quote for every leg)', limit, null);
      const premium = Math.abs(netPremium) * CONTRACT_MULTIPLIER * spreads;
      return premium <= limit
        ? pass(`premium ${money(premium)} within ${money(limit)}`, limit, r(premium))
        : fail(`premium ${money(premium)} exceeds ${money(limit)}`, limit, r(premium));
    }
    if (notional === null) return fail(`cannot price ${isOption ? 'an option' : 'a market'} order without a quote`, limit, null);
    const what = isOption ? 'premium' : 'order value';
    return notional <= limit
      ? pass(`${what} ${money(notional)} within ${money(limit)}`, limit, r(notional))
      : fail(`${what} ${money(notional)} exceeds ${money(limit)}`, limit, r(notional));
  },
});
