/** The market must be open on the broker's clock; pre- and after-market only for an extended-hours equity limit the profile allows (options: regular hours only). */
import { HOUR, nyTime } from '../ny-time.js';
import { defineCheck, fail, pass } from './result.js';

export const marketHoursCheck = defineCheck({
  name: 'market_hours',
  code: 'RISK_MARKET_CLOSED',
  evaluate: ({ clock, clockMs, isMleg, isOption, order }, limits) => {
    if (clock.isOpen) return pass('the market is open (broker clock)', 'open', 'open');
    const ny = nyTime(clockMs);
    const nextOpen = Date.parse(clock.nextOpen);
    const preMarket = Number.isFinite(nextOpen) && nextOpen > clockMs && nextOpen - clockMs <= 5.5 * HOUR;
    const afterHours = ny.weekday >= 1 && ny.weekday <= 5 && ny.minutes >= 16 * 60 && ny.minutes < 20 * 60;
    const session = preMarket ? 'pre-market' : afterHours ? 'after-hours' : 'closed';
    if (session === 'closed') return fail(`the market is closed (broker clock ${clock.timestamp}; next open ${clock.nextOpen})`, 'open', 'closed');
    if (isMleg || isOption) return fail(`options trade only in regular hours (now ${session})`, 'open', session);
    if (!order.extended_hours) return fail(`the market is in ${session}; set extended_hours (limit, day) to trade now`, 'open', session);
    if (!limits.allowExtendedHours) return fail(`extended-hours trading is disabled by the profile (now ${session})`, 'open', session);
    return pass(`${session} session; extended-hours limit order allowed`, 'extended', session);
  },
});
