/** Opening options (legs, or a single contract) must expire inside the profile's days-to-expiry window (New York calendar days); closing is exempt. */
import type { RiskContext } from '../context.js';
import { daysBetween, nyTime } from '../ny-time.js';
import { defineCheck, fail, na, pass } from './result.js';

export const optionsDaysToExpiryCheck = defineCheck({
  name: 'options_days_to_expiry',
  code: 'RISK_DAYS_TO_EXPIRY',
  evaluate: (ctx, limits) => {
    const { isMleg, isOption, allLegsParse, clockMs } = ctx;
    if (!isMleg && !isOption) return na('not an options order');
    const window = `${limits.minDaysToExpiry}-${limits.maxDaysToExpiry}`;
    const expiries = openingExpiries(ctx);
    if (expiries === null)
      return fail(
        isMleg && !allLegsParse ? 'cannot read expiries from legs that are not OCC symbols' : 'cannot read the expiry of the option contract',
        window,
        null,
      );
    if (!expiries.length) return pass(`closing ${isMleg ? 'legs' : 'an option'} only: any expiry may be closed`, window, null);
    const today = nyTime(clockMs).date;
    const dtes = expiries.map((e) => daysBetween(today, e));
    const lo = Math.min(...dtes);
    const hi = Math.max(...dtes);
    const shown = lo === hi ? `${lo}` : `${lo}-${hi}`;
    return lo >= limits.minDaysToExpiry && hi <= limits.maxDaysToExpiry
      ? pass(`${shown} days to expiry, within ${window}`, window, shown)
      : fail(`${shown} days to expiry, outside ${window}`, window, shown);
  },
});

/** Expiries of what the order opens (null when they cannot be read). */
function openingExpiries({ isMleg, allLegsParse, parsedLegs, option }: RiskContext): string[] | null {
  if (isMleg) return allLegsParse ? parsedLegs.filter((l) => l.position_intent.endsWith('_to_open')).map((l) => l.occ.expiration) : null;
  if (!option) return null;
  return option.opening ? [option.occ.expiration] : [];
}
