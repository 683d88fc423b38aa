/**
 * An identical order (all fields but client_order_id, same mode) inside the window is a double
 * submission. A replace is not a duplicate of the order it replaces: that order's own record
 * (matched by its client_order_id) is left out; an identical replace sent twice still is one.
 */
import type { RecentOrder } from '../input.js';
import { fingerprintOf, orderFingerprint } from '../fingerprint.js';
import { r } from '../numbers.js';
import { defineCheck, fail, pass } from './result.js';

export const duplicateOrderCheck = defineCheck({
  name: 'duplicate_order',
  code: 'RISK_DUPLICATE_ORDER',
  evaluate: ({ order, mode, state, nowMs, action, orderHash }, limits) => {
    const windowSec = limits.duplicateWindowSec;
    if (windowSec === 0) return pass('duplicate window disabled', 0, null);
    // without a client_order_id the fingerprint's canonical text is the order_hash's: the same hash, computed once
    const mine = order.client_order_id === null ? orderHash() : orderFingerprint(order, mode);
    const replaced = action.kind === 'replace' ? action.replaces.clientOrderId : null;
    const hit = state.recentOrders.filter((o) => {
      const at = Date.parse(o.at);
      return Number.isFinite(at) && nowMs - at < windowSec * 1000 && fingerprintOf(o) === mine && !(replaced && clientIdOf(o) === replaced);
    });
    if (!hit.length) return pass(`no identical order in the last ${windowSec} s`, windowSec, null);
    const ageSec = (nowMs - Math.max(...hit.map((o) => Date.parse(o.at)))) / 1000;
    return fail(`an identical order was submitted ${r(ageSec, 1)} s ago (window ${windowSec} s)`, windowSec, r(ageSec, 1));
  },
});

/** The client_order_id a recent order was recorded with (from its canonical text; null when unreadable). */
function clientIdOf(o: RecentOrder): string | null {
  if (!o.canonical) return null;
  try {
    const id = (JSON.parse(o.canonical) as { client_order_id?: unknown }).client_order_id;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}
