/** The broker account must be active and not blocked from trading. */
import { defineCheck, fail, pass } from './result.js';

export const accountStatusCheck = defineCheck({
  name: 'account_status',
  code: 'RISK_ACCOUNT_BLOCKED',
  evaluate: ({ account }) => {
    const blocked = account.tradingBlocked || (account.status !== '' && account.status.toUpperCase() !== 'ACTIVE');
    return blocked
      ? fail(`the broker account cannot trade (status ${account.status}${account.tradingBlocked ? ', trading blocked' : ''})`, 'ACTIVE', account.status)
      : pass('the account is active', 'ACTIVE', account.status);
  },
});
