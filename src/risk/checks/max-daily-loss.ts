/** Loss from the day's starting equity: reaching the limit fails, and the caller trips the durable halt (tripsHalt). */
import { finite, money, pct, r } from '../numbers.js';
import { defineCheck, fail, pass } from './result.js';

export const maxDailyLossCheck = defineCheck({
  name: 'max_daily_loss',
  code: 'RISK_DAILY_LOSS',
  evaluate: ({ state, account, equity }, limits) => {
    const limit = limits.maxDailyLossPct;
    const base =
      finite(state.startOfDayEquity) && state.startOfDayEquity > 0
        ? state.startOfDayEquity
        : finite(account.lastEquity) && account.lastEquity > 0
          ? account.lastEquity
          : null;
    if (base === null) return pass('no starting equity known for today; daily loss not measurable', limit, null);
    const loss = (base - equity) / base;
    const msg = `equity ${money(equity)} vs ${money(base)} at the start of the day: ${loss > 0 ? `loss ${pct(loss)}` : `gain ${pct(-loss)}`}`;
    return loss < limit
      ? pass(`${msg}, limit ${pct(limit)}`, limit, r(loss, 6))
      : fail(`${msg} reaches the ${pct(limit)} limit: trading halts`, limit, r(loss, 6));
  },
});
