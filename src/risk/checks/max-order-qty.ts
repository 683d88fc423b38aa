/** A fat-finger guard: shares per order, contracts of a single-leg option, or contracts on the largest leg of a multi-leg order. */
import { r } from '../numbers.js';
import { defineCheck, fail, pass } from './result.js';

export const maxOrderQtyCheck = defineCheck({
  name: 'max_order_qty',
  code: 'RISK_MAX_QTY',
  evaluate: ({ isMleg, isOption, legs, spreads, qty }, limits) => {
    if (isMleg) {
      const maxRatio = legs.reduce((m, l) => Math.max(m, l.ratio_qty), 1);
      const contracts = spreads * maxRatio;
      const limit = limits.maxOptionContracts;
      return contracts <= limit
        ? pass(`${contracts} contracts on the largest leg, within ${limit}`, limit, contracts)
        : fail(`${contracts} contracts on the largest leg exceed ${limit}`, limit, contracts);
    }
    if (isOption && qty !== null) {
      const limit = limits.maxOptionContracts;
      return qty <= limit ? pass(`${qty} contracts within ${limit}`, limit, qty) : fail(`${qty} contracts exceed ${limit}`, limit, qty);
    }
    const limit = limits.maxOrderQty;
    if (qty === null) return fail('cannot size a notional order without a quote', limit, null);
    return qty <= limit ? pass(`${r(qty, 4)} shares within ${limit}`, limit, r(qty, 4)) : fail(`${r(qty, 4)} shares exceed ${limit}`, limit, r(qty, 4));
  },
});
