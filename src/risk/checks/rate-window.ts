/** The rolling-window order count both rate checks share (windows on the local `now`, end exclusive). */
import type { RecentOrder } from '../input.js';
import { fail, pass, type CheckResult } from './result.js';

/** Orders submitted within `windowMs` before `nowMs`, plus this one, against `limit`. */
export function rateWithin(recent: RecentOrder[], nowMs: number, windowMs: number, limit: number, unit: string): CheckResult {
  const inWindow = recent.filter((o) => {
    const at = Date.parse(o.at);
    return Number.isFinite(at) && nowMs - at < windowMs;
  }).length;
  const after = inWindow + 1;
  return after <= limit
    ? pass(`${after} orders in the last ${unit} with this one, within ${limit}`, limit, after)
    : fail(`${inWindow} orders already in the last ${unit}; this one would make ${after}, above ${limit}`, limit, after);
}
