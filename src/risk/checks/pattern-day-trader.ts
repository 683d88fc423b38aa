/** FINRA's pattern-day-trader rule: under $25k with 3 day trades in 5 days, a closing order could be the 4th. */
import { money } from '../numbers.js';
import { defineCheck, fail, pass } from './result.js';

/** FINRA's pattern-day-trader equity threshold. */
export const PDT_EQUITY_THRESHOLD = 25_000;

export const patternDayTraderCheck = defineCheck({
  name: 'pattern_day_trader',
  code: 'RISK_PDT',
  evaluate: ({ account, equity, reducing }, limits) => {
    if (!limits.enforcePdt) return pass('PDT rule not enforced by the profile', null, account.daytradeCount);
    if (equity >= PDT_EQUITY_THRESHOLD)
      return pass(`equity ${money(equity)} at or above ${money(PDT_EQUITY_THRESHOLD)}: PDT rule does not bind`, 3, account.daytradeCount);
    if (account.patternDayTrader)
      return fail(`the account is flagged pattern day trader with equity ${money(equity)} under ${money(PDT_EQUITY_THRESHOLD)}`, 3, account.daytradeCount);
    if (account.daytradeCount >= 3 && reducing)
      return fail(
        `${account.daytradeCount} day trades in 5 days under ${money(PDT_EQUITY_THRESHOLD)}: a closing order could be the 4th`,
        3,
        account.daytradeCount,
      );
    return pass(`${account.daytradeCount} day trades in 5 days${reducing ? '' : '; the order opens or adds'}`, 3, account.daytradeCount);
  },
});
