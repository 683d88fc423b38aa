import { describe, expect, it } from 'vitest';
import { accountStatusCheck } from '../../../../src/risk/checks/account-status.js';
import { account } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const withAccount = (over: Parameters<typeof account>[0]) => runCheck(accountStatusCheck, { input: { account: account(over) } });

describe('account_status', () => {
  it('passes an active account (any case) and one whose status the broker leaves empty', () => {
    expect(withAccount({})).toEqual({ passed: true, limit: 'ACTIVE', actual: 'ACTIVE', message: 'the account is active' });
    expect(withAccount({ status: 'active' }).passed).toBe(true);
    expect(withAccount({ status: '' })).toEqual({ passed: true, limit: 'ACTIVE', actual: '', message: 'the account is active' });
  });

  it('refuses an account that is not active', () => {
    expect(withAccount({ status: 'ACCOUNT_CLOSED' })).toEqual({
      passed: false,
      limit: 'ACTIVE',
      actual: 'ACCOUNT_CLOSED',
      message: 'the broker account cannot trade (status ACCOUNT_CLOSED)',
    });
  });

  it('refuses an active account blocked from trading', () => {
    expect(withAccount({ tradingBlocked: true })).toEqual({
      passed: false,
      limit: 'ACTIVE',
      actual: 'ACTIVE',
      message: 'the broker account cannot trade (status ACTIVE, trading blocked)',
    });
  });
});
