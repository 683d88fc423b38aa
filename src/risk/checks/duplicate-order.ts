/** An identical order (all fields but client_order_id, same mode) inside the window is a double submission. */
import { fingerprintOf, orderFingerprint } from '../fingerprint.js';
import { r } from '../numbers.js';
import { defineCheck, fail, pass } from './result.js';

export const duplicateOrderCheck = defineCheck({
  name: 'duplicate_order',
  code: 'RISK_DUPLICATE_ORDER',
  evaluate: ({ order, mode, state, nowMs }, limits) => {
    const windowSec = limits.duplicateWindowSec;
    if (windowSec === 0) return pass('duplicate window disabled', 0, null);
    const mine = orderFingerprint(order, mode);
    const hit = state.recentOrders.filter((o) => {
      const at = Date.parse(o.at);
      return Number.isFinite(at) && nowMs - at < windowSec * 1000 && fingerprintOf(o) === mine;
    });
    if (!hit.length) return pass(`no identical order in the last ${windowSec} s`, windowSec, null);
    const ageSec = (nowMs - Math.max(...hit.map((o) => Date.parse(o.at)))) / 1000;
    return fail(`an identical order was submitted ${r(ageSec, 1)} s ago (window ${windowSec} s)`, windowSec, r(ageSec, 1));
  },
});
