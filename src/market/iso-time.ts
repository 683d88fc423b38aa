/**
 * Epoch milliseconds of a broker timestamp, fast. Bars arrive as `YYYY-MM-DDTHH:MM:SSZ` or
 * `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC); those are read digit by digit (days from the civil date, Hinnant's
 * algorithm), which costs a fraction of `Date.parse`. Anything else — another length, an offset, an
 * out-of-range field (a 30th of February, hour 24) — goes to `Date.parse`, so the result is always
 * exactly what `Date.parse` gives (test/unit/market/iso-time.test.ts). Pure.
 *
 * @example isoMs('2024-01-02T14:30:00Z') === Date.parse('2024-01-02T14:30:00Z') // true
 */

/** The number written by `count` ASCII digits of s from `at`, or -1 if one is not a digit. */
function digitsAt(s: string, at: number, count: number): number {
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  if (month !== 2) return DAYS_IN_MONTH[month - 1]!;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The shape check of the fast path: separators where `YYYY-MM-DDTHH:MM:SS[.sss]Z` has them. */
function fastShape(t: string, len: number): boolean {
  if (len !== 20 && len !== 24) return false;
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84) return false; // - - T
  if (t.charCodeAt(13) !== 58 || t.charCodeAt(16) !== 58 || t.charCodeAt(len - 1) !== 90) return false; // : : Z
  return len === 20 || t.charCodeAt(19) === 46; // .
}

/**
 * The fast path alone: epoch ms of `YYYY-MM-DDTHH:MM:SS[.sss]Z` with every field in range, else NaN
 * (another shape, or a date that does not exist). Trade memory reads its canonical fill times with it.
 */
export function fastIsoMs(t: string): number {
  if (!fastShape(t, t.length)) return Number.NaN;
  const year = digitsAt(t, 0, 4);
  const month = digitsAt(t, 5, 2);
  const day = digitsAt(t, 8, 2);
  const hour = digitsAt(t, 11, 2);
  const minute = digitsAt(t, 14, 2);
  const second = digitsAt(t, 17, 2);
  const milli = t.length === 24 ? digitsAt(t, 20, 3) : 0;
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0) {
    return Number.NaN;
  }
  if (day > daysInMonth(year, month)) return Number.NaN;
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + milli;
}

/** Exactly `Date.parse(t)`, without its cost for the broker's two UTC shapes. */
export function isoMs(t: string): number {
  if (typeof t !== 'string') return Date.parse(t);
  const fast = fastIsoMs(t);
  return Number.isNaN(fast) ? Date.parse(t) : fast;
}
