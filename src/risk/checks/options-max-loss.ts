/** A multi-leg order's max loss at expiry, from its payoff at every strike, within the profile's dollar limit. */
import { money, r } from '../numbers.js';
import { defineCheck, fail, na, pass } from './result.js';

export const optionsMaxLossCheck = defineCheck({
  name: 'options_max_loss',
  code: 'RISK_OPTIONS_MAX_LOSS',
  evaluate: ({ isMleg, allLegsParse, maxLoss, spreads }, limits) => {
    if (!isMleg) return na('not a multi-leg order');
    const limit = limits.maxOptionsLossUsd;
    if (!allLegsParse) return fail('cannot analyse legs that are not OCC symbols', limit, null);
    if (!maxLoss) return fail('cannot price the order (no limit_price and no quote for every leg)', limit, null);
    if (!Number.isFinite(maxLoss.maxLossUsd)) return fail('the payoff falls without bound as the underlying rises (naked calls)', limit, 'unbounded');
    const kind = maxLoss.netPremium < 0 ? `credit ${r(-maxLoss.netPremium, 4)}` : `debit ${r(maxLoss.netPremium, 4)}`;
    const msg = `max loss at expiry ${money(maxLoss.maxLossUsd)} (${r(maxLoss.perSpread, 4)} per spread × 100 × ${spreads}, ${kind}, worst at ${maxLoss.worstAt})`;
    return maxLoss.maxLossUsd <= limit
      ? pass(`${msg}, within ${money(limit)}`, limit, r(maxLoss.maxLossUsd))
      : fail(`${msg}, above ${money(limit)}`, limit, r(maxLoss.maxLossUsd));
  },
});
