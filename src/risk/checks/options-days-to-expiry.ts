/** Opening legs must expire inside the profile's days-to-expiry window (New York calendar days); closing legs are exempt. */
import { daysBetween, nyTime } from '../ny-time.js';
import { defineCheck, fail, na, pass } from './result.js';

export const optionsDaysToExpiryCheck = defineCheck({
  name: 'options_days_to_expiry',
  code: 'RISK_DAYS_TO_EXPIRY',
  evaluate: ({ isMleg, allLegsParse, parsedLegs, clockMs }, limits) => {
    if (!isMleg) return na('not a multi-leg order');
    const window = `${limits.minDaysToExpiry}-${limits.maxDaysToExpiry}`;
    if (!allLegsParse) return fail('cannot read expiries from legs that are not OCC symbols', window, null);
    const opening = parsedLegs.filter((l) => l.position_intent.endsWith('_to_open'));
    if (!opening.length) return pass('closing legs only: any expiry may be closed', window, null);
    const today = nyTime(clockMs).date;
    const dtes = opening.map((l) => daysBetween(today, l.occ.expiration));
    const lo = Math.min(...dtes);
    const hi = Math.max(...dtes);
    const shown = lo === hi ? `${lo}` : `${lo}-${hi}`;
    return lo >= limits.minDaysToExpiry && hi <= limits.maxDaysToExpiry
      ? pass(`${shown} days to expiry, within ${window}`, window, shown)
      : fail(`${shown} days to expiry, outside ${window}`, window, shown);
  },
});
