/**
 * The US equity market calendar (NYSE rules), computed rather than shipped as a table:
 * weekends, the ten NYSE holidays with their observed dates, Good Friday, the 13:00 ET
 * early closes, and US Eastern time (DST by the 2007 rule). No library on npm covered early
 * closes for Node 20, so the rules live here, tested against NYSE's published 2025–2027 dates.
 *
 * @example sessionOn('2025-11-28') // { open: 14:30Z, close: 18:00Z, early: true }
 */

/** One-off closures NYSE announced outside the rules (national days of mourning). */
const SPECIAL_CLOSURES: Record<string, string> = {
  '2018-12-05': 'National Day of Mourning (George H. W. Bush)',
  '2025-01-09': 'National Day of Mourning (Jimmy Carter)',
};

const DAY_MS = 86_400_000;

export function ymd(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Day of week (0 = Sunday) of a calendar date. */
export function weekday(date: string): number {
  return new Date(`${date}T12:00:00Z`).getUTCDay();
}

/**
 * The calendar's answers are pure functions of a date string: each is computed once and kept (a bounded map that
 * starts over when full). Every broker read and risk check walks sessions day by day (the day-trade window,
 * the previous close, the clock), which made the calendar ~40% of a check_risk before (issue 21).
 */
const MEMO_LIMIT = 4096;
function memo<T>(compute: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined && !cache.has(key)) {
      if (cache.size >= MEMO_LIMIT) cache.clear();
      v = compute(key);
      cache.set(key, v);
    }
    return v as T;
  };
}

const nextDay = memo((date) => new Date(Date.parse(`${date}T12:00:00Z`) + DAY_MS).toISOString().slice(0, 10));
const previousDay = memo((date) => new Date(Date.parse(`${date}T12:00:00Z`) - DAY_MS).toISOString().slice(0, 10));

export function addDays(date: string, days: number): string {
  if (days === 1) return nextDay(date);
  if (days === -1) return previousDay(date);
  return new Date(Date.parse(`${date}T12:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The n-th (1-based) given weekday of a month; n = -1 for the last. */
function nthWeekday(year: number, month: number, dow: number, n: number): string {
  if (n > 0) {
    const first = weekday(ymd(year, month, 1));
    return ymd(year, month, 1 + ((dow - first + 7) % 7) + (n - 1) * 7);
  }
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = weekday(ymd(year, month, lastDay));
  return ymd(year, month, lastDay - ((last - dow + 7) % 7));
}

/** Western Easter Sunday (anonymous Gregorian algorithm). */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(year, month, day);
}

/** Saturday → Friday, Sunday → Monday (NYSE Rule 7.2). */
function observed(date: string): string {
  const dow = weekday(date);
  if (dow === 6) return addDays(date, -1);
  if (dow === 0) return addDays(date, 1);
  return date;
}

const holidayCache = new Map<number, Map<string, string>>();

/** Full-day closures of a year: date → name. */
export function nyseHolidays(year: number): Map<string, string> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const out = new Map<string, string>();
  // New Year's Day on a Saturday is not observed on the Friday before (that Friday closes a year's books).
  const newYear = ymd(year, 1, 1);
  if (weekday(newYear) !== 6) out.set(observed(newYear), "New Year's Day");
  out.set(nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day');
  out.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  out.set(addDays(easterSunday(year), -2), 'Good Friday');
  out.set(nthWeekday(year, 5, 1, -1), 'Memorial Day');
  if (year >= 2022) out.set(observed(ymd(year, 6, 19)), 'Juneteenth National Independence Day');
  out.set(observed(ymd(year, 7, 4)), 'Independence Day');
  out.set(nthWeekday(year, 9, 1, 1), 'Labor Day');
  out.set(nthWeekday(year, 11, 4, 4), 'Thanksgiving Day');
  out.set(observed(ymd(year, 12, 25)), 'Christmas Day');
  for (const [date, name] of Object.entries(SPECIAL_CLOSURES)) if (date.startsWith(`${year}-`)) out.set(date, name);
  holidayCache.set(year, out);
  return out;
}

/** 13:00 ET closes: July 3 and Dec 24 when they fall Monday–Thursday, and the day after Thanksgiving. */
const earlyCloseCache = new Map<number, Map<string, string>>();

export function nyseEarlyCloses(year: number): Map<string, string> {
  const cached = earlyCloseCache.get(year);
  if (cached) return cached;
  const out = new Map<string, string>();
  const july3 = ymd(year, 7, 3);
  if (weekday(july3) >= 1 && weekday(july3) <= 4) out.set(july3, 'Independence Day eve');
  out.set(addDays(nthWeekday(year, 11, 4, 4), 1), 'Day after Thanksgiving');
  const dec24 = ymd(year, 12, 24);
  if (weekday(dec24) >= 1 && weekday(dec24) <= 4) out.set(dec24, 'Christmas Eve');
  earlyCloseCache.set(year, out);
  return out;
}

export function holidayName(date: string): string | null {
  return nyseHolidays(Number(date.slice(0, 4))).get(date) ?? null;
}

export function isTradingDay(date: string): boolean {
  const dow = weekday(date);
  return dow !== 0 && dow !== 6 && holidayName(date) === null;
}

// ── US Eastern time ───────────────────────────────────────────────────────────

/** DST (since 2007): from the second Sunday of March 02:00 local to the first Sunday of November 02:00 local. */
const dstCache = new Map<number, readonly [number, number]>();

function dstBoundsUtc(year: number): readonly [number, number] {
  const cached = dstCache.get(year);
  if (cached) return cached;
  const start = Date.parse(`${nthWeekday(year, 3, 0, 2)}T07:00:00Z`); // 02:00 EST
  const end = Date.parse(`${nthWeekday(year, 11, 0, 1)}T06:00:00Z`); // 02:00 EDT
  const bounds = [start, end] as const;
  dstCache.set(year, bounds);
  return bounds;
}

/** UTC offset of New York in hours (-4 or -5) at an instant. */
export function easternOffsetHours(at: Date | number): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  const year = new Date(ms).getUTCFullYear();
  const [start, end] = dstBoundsUtc(year);
  return ms >= start && ms < end ? -4 : -5;
}

/**
 * New York dates by UTC hour: the offset changes and New York's midnight falls only on whole UTC hours, so every
 * instant of one UTC hour has the same New York date (a risk check asks a dozen times; bounded, cleared when full).
 */
const dateByHour = new Map<number, string>();
const DATE_CACHE_LIMIT = 4_096;

/** The New York calendar date of an instant. */
export function easternDate(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  const hour = Math.floor(ms / 3_600_000);
  const cached = dateByHour.get(hour);
  if (cached !== undefined) return cached;
  const date = new Date(ms + easternOffsetHours(ms) * 3_600_000).toISOString().slice(0, 10);
  if (dateByHour.size >= DATE_CACHE_LIMIT) dateByHour.clear();
  dateByHour.set(hour, date);
  return date;
}

/** The UTC instant of a New York wall-clock time on a date. */
export function easternInstant(date: string, hour: number, minute = 0): Date {
  const guess = Date.parse(`${date}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
  // Wall-clock times on session days are never inside the 02:00 DST gap, so one correction suffices.
  const offset = easternOffsetHours(guess + 5 * 3_600_000);
  return new Date(guess - offset * 3_600_000);
}

// ── sessions ─────────────────────────────────────────────────────────────────

export interface Session {
  date: string;
  open: Date;
  close: Date;
  early: boolean;
}

/** The session on a New York date, null when the market does not open (memoised: treat the result as read-only). */
export const sessionOn: (date: string) => Session | null = memo((date) => {
  if (!isTradingDay(date)) return null;
  const early = nyseEarlyCloses(Number(date.slice(0, 4))).has(date);
  return Object.freeze({ date, open: easternInstant(date, 9, 30), close: easternInstant(date, early ? 13 : 16, 0), early });
});

/** The first session whose close is after `at` (the current one when the market is open). */
export function currentOrNextSession(at: Date): Session {
  let date = easternDate(at);
  for (let i = 0; i < 30; i += 1) {
    const s = sessionOn(date);
    if (s && s.close.getTime() > at.getTime()) return s;
    date = addDays(date, 1);
  }
  throw new Error(`no session within 30 days of ${at.toISOString()}`);
}

/** The last session that closed at or before `at`. */
export function previousSession(at: Date): Session {
  let date = easternDate(at);
  for (let i = 0; i < 30; i += 1) {
    const s = sessionOn(date);
    if (s && s.close.getTime() <= at.getTime()) return s;
    date = addDays(date, -1);
  }
  throw new Error(`no session within 30 days before ${at.toISOString()}`);
}

export function sessionAfter(date: string): Session {
  let d = addDays(date, 1);
  for (let i = 0; i < 30; i += 1) {
    const s = sessionOn(d);
    if (s) return s;
    d = addDays(d, 1);
  }
  throw new Error(`no session within 30 days after ${date}`);
}

export function isMarketOpen(at: Date): boolean {
  const s = sessionOn(easternDate(at));
  return s !== null && at >= s.open && at < s.close;
}

/** Alpaca's /v2/clock semantics: next_open is the next open strictly after now; next_close closes the current or next session. */
export function marketClock(at: Date): { timestamp: string; isOpen: boolean; nextOpen: string; nextClose: string } {
  const current = currentOrNextSession(at);
  const open = at >= current.open && at < current.close;
  const nextOpen = at < current.open ? current.open : sessionAfter(current.date).open;
  return { timestamp: at.toISOString(), isOpen: open, nextOpen: nextOpen.toISOString(), nextClose: current.close.toISOString() };
}

/** Sessions overlapping [from, to], in order. */
export function sessionsBetween(from: Date, to: Date): Session[] {
  const out: Session[] = [];
  let date = easternDate(from);
  const last = easternDate(to);
  while (date <= last) {
    const s = sessionOn(date);
    if (s && s.close > from && s.open <= to) out.push(s);
    date = addDays(date, 1);
  }
  return out;
}
