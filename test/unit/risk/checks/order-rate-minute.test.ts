import { describe, expect, it } from 'vitest';
import { orderRateMinuteCheck } from '../../../../src/risk/checks/order-rate-minute.js';
import { clock, isoBefore, OPEN_AT, openOrder } from '../fixtures.js';
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

describe('order_rate_minute', () => {
  it('passes the second order in a minute', () => {
    expect(runCheck(orderRateMinuteCheck, submitted(30))).toEqual({
      passed: true,
      limit: 2,
      actual: 2,
      message: '2 orders in the last minute with this one, within 2',
    });
  });

  it('refuses the third order in a minute', () => {
    expect(runCheck(orderRateMinuteCheck, submitted(30, 59))).toEqual({
      passed: false,
      limit: 2,
      actual: 3,
      message: '2 orders already in the last minute; this one would make 3, above 2',
    });
  });

  it('leaves an order exactly 60 s old, or with an unreadable time, out of the window', () => {
    expect(runCheck(orderRateMinuteCheck, submitted(30, 60))).toMatchObject({ passed: true, actual: 2 });
    const unreadable = submitted(30);
    unreadable.input.state.recentOrders.push({ at: 'not a time', fingerprint: 'x' });
    expect(runCheck(orderRateMinuteCheck, unreadable)).toMatchObject({ passed: true, actual: 2 });
  });

  it("counts on the local now (when orders were recorded), not the broker's clock", () => {
    const c = submitted(30, 59);
    const later = { input: { ...c.input, clock: clock(new Date(Date.parse(OPEN_AT) + 3_600_000).toISOString()) } };
    expect(runCheck(orderRateMinuteCheck, later).passed).toBe(false);
  });

  it('counts a replace as an order (each is a request to the broker an agent loop could repeat)', () => {
    const replace = { kind: 'replace' as const, replaces: openOrder({ symbol: 'AAPL', side: 'buy' }) };
    expect(runCheck(orderRateMinuteCheck, { input: { ...submitted(30, 59).input, action: replace } }).passed).toBe(false);
    expect(runCheck(orderRateMinuteCheck, { input: { ...submitted(30).input, action: replace } })).toMatchObject({ passed: true, actual: 2 });
  });
});
