import { describe, expect, it } from 'vitest';
import { orderRateHourCheck } from '../../../../src/risk/checks/order-rate-hour.js';
import { isoBefore, OPEN_AT } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const submitted = (...secondsAgo: number[]) => ({
  input: {
    state: {
      halted: false,
      haltReason: null,
      startOfDayEquity: 100_000,
      recentOrders: secondsAgo.map((s) => ({ at: isoBefore(OPEN_AT, s), fingerprint: 'x' })),
    },
  },
});

describe('order_rate_hour', () => {
  it('passes the fifth order in an hour', () => {
    expect(runCheck(orderRateHourCheck, submitted(100, 200, 300, 3599))).toEqual({
      passed: true,
      limit: 5,
      actual: 5,
      message: '5 orders in the last hour with this one, within 5',
    });
  });

  it('refuses the sixth order in an hour', () => {
    expect(runCheck(orderRateHourCheck, submitted(100, 200, 300, 400, 3599))).toEqual({
      passed: false,
      limit: 5,
      actual: 6,
      message: '5 orders already in the last hour; this one would make 6, above 5',
    });
  });

  it('leaves an order exactly an hour old out of the window', () => {
    expect(runCheck(orderRateHourCheck, submitted(100, 200, 300, 400, 3600))).toMatchObject({ passed: true, actual: 5 });
  });

  it("follows the profile's limit", () => {
    expect(runCheck(orderRateHourCheck, { ...submitted(100), limits: { maxOrdersPerHour: 1 } })).toMatchObject({ passed: false, limit: 1, actual: 2 });
  });
});
