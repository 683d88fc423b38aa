/** Orders submitted in any rolling minute: stops an agent's retry loop within seconds. */
import { MIN } from '../ny-time.js';
import { rateWithin } from './rate-window.js';
import { defineCheck } from './result.js';

export const orderRateMinuteCheck = defineCheck({
  name: 'order_rate_minute',
  code: 'RISK_RATE_MINUTE',
  evaluate: ({ state, nowMs }, limits) => rateWithin(state.recentOrders, nowMs, MIN, limits.maxOrdersPerMinute, 'minute'),
});
