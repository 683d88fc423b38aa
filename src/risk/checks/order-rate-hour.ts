/** Orders submitted in any rolling hour: a deliberate pace for an agent. */
import { HOUR } from '../ny-time.js';
import { rateWithin } from './rate-window.js';
import { defineCheck } from './result.js';

export const orderRateHourCheck = defineCheck({
  name: 'order_rate_hour',
  code: 'RISK_RATE_HOUR',
  evaluate: ({ state, nowMs }, limits) => rateWithin(state.recentOrders, nowMs, HOUR, limits.maxOrdersPerHour, 'hour'),
});
