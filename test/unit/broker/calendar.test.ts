import { describe, expect, it } from 'vitest';
import { easternInstant, isMarketOpen, isTradingDay, marketClock, nyseEarlyCloses, nyseHolidays, sessionOn } from '../../../src/broker/calendar.js';

// NYSE's published holiday and early-close calendars (nyse.com/markets/hours-calendars).
const PUBLISHED: Record<number, { holidays: string[]; early: string[] }> = {
  2025: {
    holidays: [
      '2025-01-01',
      '2025-01-09',
      '2025-01-20',
      '2025-02-17',
      '2025-04-18',
      '2025-05-26',
      '2025-06-19',
      '2025-07-04',
      '2025-09-01',
      '2025-11-27',
      '2025-12-25',
    ],
    early: ['2025-07-03', '2025-11-28', '2025-12-24'],
  },
  2026: {
    holidays: ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25'],
    early: ['2026-11-27', '2026-12-24'],
  },
  2027: {
    holidays: ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24'],
    early: ['2027-11-26'],
  },
};

describe('NYSE calendar', () => {
  for (const [year, want] of Object.entries(PUBLISHED)) {
    it(`matches the published ${year} holidays and early closes`, () => {
      expect([...nyseHolidays(Number(year)).keys()].sort()).toEqual(want.holidays);
      expect([...nyseEarlyCloses(Number(year)).keys()].sort()).toEqual(want.early);
    });
  }

  it('does not observe a Saturday New Year on the Friday before (2022)', () => {
    expect(isTradingDay('2021-12-31')).toBe(true);
    expect(nyseHolidays(2022).has('2021-12-31')).toBe(false);
  });

  it('closes at 13:00 ET on early-close days and 16:00 otherwise, across DST', () => {
    expect(sessionOn('2025-11-28')!.close.toISOString()).toBe('2025-11-28T18:00:00.000Z');
    expect(sessionOn('2025-07-03')!.close.toISOString()).toBe('2025-07-03T17:00:00.000Z');
    expect(sessionOn('2025-03-07')!.open.toISOString()).toBe('2025-03-07T14:30:00.000Z'); // EST
    expect(sessionOn('2025-03-10')!.open.toISOString()).toBe('2025-03-10T13:30:00.000Z'); // EDT from Mar 9
    expect(sessionOn('2025-11-03')!.open.toISOString()).toBe('2025-11-03T14:30:00.000Z'); // EST from Nov 2
    expect(sessionOn('2025-04-18')).toBeNull(); // Good Friday
    expect(sessionOn('2025-06-21')).toBeNull(); // Saturday
  });

  it('answers like Alpaca /v2/clock around a holiday weekend', () => {
    // Thursday before Good Friday 2025, after the close: next open is Monday April 21.
    const c = marketClock(new Date('2025-04-17T21:00:00Z'));
    expect(c).toMatchObject({ isOpen: false, nextOpen: '2025-04-21T13:30:00.000Z', nextClose: '2025-04-21T20:00:00.000Z' });
    const open = marketClock(new Date('2025-04-17T15:00:00Z'));
    expect(open).toMatchObject({ isOpen: true, nextOpen: '2025-04-21T13:30:00.000Z', nextClose: '2025-04-17T20:00:00.000Z' });
    expect(isMarketOpen(easternInstant('2025-11-28', 13, 30))).toBe(false); // after the early close
    expect(isMarketOpen(easternInstant('2025-11-28', 12, 59))).toBe(true);
  });
});
