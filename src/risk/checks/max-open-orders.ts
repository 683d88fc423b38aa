/** Open orders at the broker, this one included: resting orders are risk not yet in positions. */
import { defineCheck, fail, pass } from './result.js';

export const maxOpenOrdersCheck = defineCheck({
  name: 'max_open_orders',
  code: 'RISK_MAX_OPEN_ORDERS',
  evaluate: ({ openOrders }, limits) => {
    const after = openOrders.length + 1;
    const limit = limits.maxOpenOrders;
    return after <= limit
      ? pass(`${after} open orders with this one, within ${limit}`, limit, after)
      : fail(`${openOrders.length} orders already open; this one would make ${after}, above ${limit}`, limit, after);
  },
});
