/** The position per symbol (an option: per contract, × 100) after the fill, counting same-side open orders, within a share of equity (reducing orders pass). */
import { projectedPosition } from '../exposure.js';
import { money, pct, r } from '../numbers.js';
import { defineCheck, fail, na, pass } from './result.js';

export const maxPositionCheck = defineCheck({
  name: 'max_position',
  code: 'RISK_MAX_POSITION',
  evaluate: ({ isMleg, isOption, multiplier, equity, price, mid, exposure, qty, order }, limits) => {
    if (isMleg) return na('options exposure is bounded by options_max_loss');
    const limitUsd = limits.maxPositionPctEquity * Math.max(0, equity);
    const px = price ?? mid;
    if (!exposure || qty === null || px === null) return fail('cannot value the position without a price', r(limitUsd), null);
    const { before, after } = projectedPosition(order.side, qty, exposure);
    const value = Math.abs(after) * px * multiplier;
    const reduces = Math.abs(after) < Math.abs(before) && after * before >= 0;
    const detail = `position ${r(exposure.position, 4)} + open ${order.side}s ${r(order.side === 'buy' ? exposure.openBuys : exposure.openSells, 4)} → ${r(after, 4)} ${isOption ? 'contracts' : 'shares'} ≈ ${money(value)}`;
    if (value <= limitUsd) return pass(`${detail}, within ${pct(limits.maxPositionPctEquity)} of equity (${money(limitUsd)})`, r(limitUsd), r(value));
    if (reduces) return pass(`${detail}: above the limit ${money(limitUsd)} but the order reduces the position`, r(limitUsd), r(value));
    return fail(`${detail}, above ${pct(limits.maxPositionPctEquity)} of equity (${money(limitUsd)})`, r(limitUsd), r(value));
  },
});
