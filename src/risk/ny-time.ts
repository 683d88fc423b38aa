/**
 * New York wall-clock time: the market's calendar. Keys the trading day (the day's starting
 * equity), the extended-hours sessions and the days to an option's expiry.
 * @example tradingDay('2026-03-11T03:00:00Z') === '2026-03-10' (still the 10th in New York)
 */

export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

const NY_FORMAT = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  weekday: 'short',
});
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

type NyParts = { date: string; minutes: number; weekday: number };
// The parts change only on a minute boundary (New York's offset is whole hours): keep the last minute's.
let lastMinute = Number.NaN;
let lastParts: NyParts = { date: '', minutes: 0, weekday: 0 };

/** Wall-clock parts of an instant in New York. */
export function nyTime(ms: number): NyParts {
  const minute = Math.floor(ms / MIN);
  if (minute === lastMinute) return { ...lastParts };
  const parts: Record<string, string> = {};
  for (const p of NY_FORMAT.formatToParts(new Date(ms))) parts[p.type] = p.value;
  lastParts = {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    weekday: WEEKDAYS[parts.weekday ?? ''] ?? 0,
  };
  lastMinute = minute;
  return { ...lastParts };
}

/** The US trading day (America/New_York calendar date) of an instant: keys the day's starting equity. */
export function tradingDay(at: Date | string): string {
  return nyTime(typeof at === 'string' ? Date.parse(at) : at.getTime()).date;
}

/** Whole calendar days from `fromDate` to `toDate` (both YYYY-MM-DD). */
export function daysBetween(fromDate: string, toDate: string): number {
  return Math.round((Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / DAY);
}
