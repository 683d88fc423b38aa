/**
 * A trailing stop's worst case while the market moves smoothly: a sell fills at the price less its
 * trail (refused when the trail reaches the price: the stop would sit at or below zero); a buy
 * pays up to the price plus its trail, and buying_power is charged on that. A gap can fill either
 * beyond the trail.
 */
import { money, r } from '../numbers.js';
import { defineCheck, fail, na, pass } from './result.js';

export const trailingStopCheck = defineCheck({
  name: 'trailing_stop',
  code: 'RISK_TRAILING_STOP',
  evaluate: ({ trail, order, qty }) => {
    if (!trail) return na('not a trailing stop');
    const unit = order.trail_percent !== null ? `${order.trail_percent}%` : `$${order.trail_price}`;
    if (trail.reference === null || trail.trail === null || trail.worstFill === null)
      return fail(`no usable quote to start the ${unit} trail from`, null, null);
    const n = r(qty ?? 0, 4);
    const start = `${order.side === 'sell' ? 'bid' : 'ask'} ${r(trail.reference, 4)}`;
    if (order.side === 'sell') {
      if (trail.worstFill <= 0)
        return fail(`the ${unit} trail (${money(trail.trail)}) reaches the price (${start}): the stop would sit at or below zero`, null, r(trail.worstFill, 4));
      return pass(
        `a sell trailing ${unit} from ${start}: worst case fills at ${r(trail.worstFill, 4)}, giving up ${money(trail.trail * n)} on ${n} shares from now (more in a gap)`,
        null,
        r(trail.worstFill, 4),
      );
    }
    return pass(
      `a buy trailing ${unit} from ${start}: worst case pays ${r(trail.worstFill, 4)} a share, ${money(trail.worstFill * n)} for ${n} (buying_power is charged on it)`,
      null,
      r(trail.worstFill, 4),
    );
  },
});
