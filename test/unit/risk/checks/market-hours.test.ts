import { describe, expect, it } from 'vitest';
import { marketHoursCheck } from '../../../../src/risk/checks/market-hours.js';
import { clock, creditSpreadInput, order } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

const extOrder = (extended_hours = true) => order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100, extended_hours });
/** The market closed at the broker-clock instant `at`, next opening at `nextOpen`. */
const closedAt = (at: string, nextOpen: string, over: { extended?: boolean; allow?: boolean } = {}) => ({
  input: { order: extOrder(over.extended ?? true), clock: clock(at, false, nextOpen, '2026-03-11T20:00:00.000Z') },
  limits: { allowExtendedHours: over.allow ?? true },
});

describe('market_hours', () => {
  it("passes when the broker's clock says open", () => {
    expect(runCheck(marketHoursCheck)).toEqual({ passed: true, limit: 'open', actual: 'open', message: 'the market is open (broker clock)' });
  });

  it('refuses on a Saturday', () => {
    expect(runCheck(marketHoursCheck, closedAt('2026-03-14T15:00:00.000Z', '2026-03-16T13:30:00.000Z'))).toEqual({
      passed: false,
      limit: 'open',
      actual: 'closed',
      message: 'the market is closed (broker clock 2026-03-14T15:00:00.000Z; next open 2026-03-16T13:30:00.000Z)',
    });
  });

  it('passes an extended-hours limit order pre-market from 04:00 ET and after hours until 20:00 ET', () => {
    expect(runCheck(marketHoursCheck, closedAt('2026-03-10T08:00:00.000Z', '2026-03-10T13:30:00.000Z'))).toEqual({
      passed: true,
      limit: 'extended',
      actual: 'pre-market',
      message: 'pre-market session; extended-hours limit order allowed',
    });
    expect(runCheck(marketHoursCheck, closedAt('2026-03-10T23:59:00.000Z', '2026-03-11T13:30:00.000Z'))).toMatchObject({ passed: true, actual: 'after-hours' });
  });

  it('is closed at 03:59 ET and at 20:00 ET', () => {
    expect(runCheck(marketHoursCheck, closedAt('2026-03-10T07:59:00.000Z', '2026-03-10T13:30:00.000Z'))).toMatchObject({ passed: false, actual: 'closed' });
    expect(runCheck(marketHoursCheck, closedAt('2026-03-11T00:00:00.000Z', '2026-03-11T13:30:00.000Z'))).toMatchObject({ passed: false, actual: 'closed' });
  });

  it('refuses outside regular hours without extended_hours on the order or in the profile', () => {
    expect(runCheck(marketHoursCheck, closedAt('2026-03-10T08:00:00.000Z', '2026-03-10T13:30:00.000Z', { extended: false }))).toEqual({
      passed: false,
      limit: 'open',
      actual: 'pre-market',
      message: 'the market is in pre-market; set extended_hours (limit, day) to trade now',
    });
    expect(runCheck(marketHoursCheck, closedAt('2026-03-10T08:00:00.000Z', '2026-03-10T13:30:00.000Z', { allow: false })).message).toBe(
      'extended-hours trading is disabled by the profile (now pre-market)',
    );
  });

  it('refuses options outside regular hours', () => {
    const pre = closedAt('2026-03-10T12:00:00.000Z', '2026-03-10T13:30:00.000Z');
    expect(runCheck(marketHoursCheck, { ...pre, input: { ...creditSpreadInput(), clock: pre.input.clock } })).toEqual({
      passed: false,
      limit: 'open',
      actual: 'pre-market',
      message: 'options trade only in regular hours (now pre-market)',
    });
    expect(runCheck(marketHoursCheck, { ...pre, input: { ...optionInput(), clock: pre.input.clock } })).toMatchObject({
      passed: false,
      message: 'options trade only in regular hours (now pre-market)',
    });
  });
});
