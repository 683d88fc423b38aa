/** The bounds a PostgreSQL reservation is checked against under the lock (src/llm/ledger/bounds.ts). */
import { describe, expect, it } from 'vitest';
import { budgetView } from '../../../src/llm/budget.js';
import { reservationBounds, stepRange } from '../../../src/llm/ledger/bounds.js';

const inRange = (c: number, r: { lo: number | null; hi: number | null }) => (r.lo === null || c >= r.lo) && (r.hi === null || c <= r.hi);

describe('stepRange', () => {
  it("holds exactly the totals whose step is the band's, at every edge, for odd and even budgets", () => {
    for (const budget of [1, 2, 3, 7, 1_000, 1_001, 999_999_937, 5e12 + 3]) {
      const edges = [0, 1, budget / 4, budget / 2, (3 * budget) / 4, budget - 1, budget, budget + 1].flatMap((x) => [
        Math.floor(x) - 1,
        Math.floor(x),
        Math.ceil(x),
        Math.ceil(x) + 1,
      ]);
      for (const c of edges.filter((x) => x >= 0)) {
        const step = budgetView('d', 'm', budget, budget, c, 0).step; // month untouched: day sets the fraction
        for (const s of [0, 1, 2]) expect(inRange(c, stepRange(budget, s)), `budget ${budget} committed ${c} step ${s}`).toBe(s === step);
      }
    }
  });

  it('a budget of zero is step 2 whatever is committed', () => {
    expect(stepRange(0, 2)).toEqual({ lo: null, hi: null });
  });
});

describe('reservationBounds', () => {
  const view = (day: number, month: number, critical = 0) => ({
    ...budgetView('2026-12-02', '2026-12', 1_000, 10_000, day, month),
    critical: { day: '2026-12-02', dailyBudgetNano: 500, committedNano: critical, leftNano: 500 - critical, confirmationsLastHour: 3 },
  });

  it('keeps the step of the binding period and the fit of the amount in each budget', () => {
    // day 40% left (step 1, binding), month 99% left
    expect(reservationBounds(view(600, 100), 100, false)).toEqual([
      { period: 'day:2026-12-02', lo: 500, hi: 750 },
      { period: 'month:2026-12', lo: null, hi: 7_500 },
    ]);
    // step 0: both periods under half, and the amount must still fit
    expect(reservationBounds(view(0, 0), 800, false)).toEqual([
      { period: 'day:2026-12-02', lo: null, hi: 200 },
      { period: 'month:2026-12', lo: null, hi: 4_999 },
    ]);
  });

  it('does not bound a budget the amount did not fit in (critical calls pass the shared budget), and bounds the critical cap', () => {
    const b = reservationBounds(view(990, 990, 100), 300, true);
    expect(b).toEqual([
      { period: 'day:2026-12-02', lo: 751, hi: null },
      { period: 'month:2026-12', lo: null, hi: 9_700 },
      { period: 'critical-day:2026-12-02', lo: null, hi: 200 },
    ]);
  });

  it('every view lies inside its own bounds when its amount fits (so an unmoved total never makes a retry)', () => {
    for (const day of [0, 1, 249, 250, 499, 500, 501, 749, 750, 751, 999]) {
      for (const month of [0, 4_999, 5_000, 7_500, 7_501, 9_999]) {
        const v = view(day, month);
        for (const b of reservationBounds(v, 1, false)) expect(inRange(b.period.startsWith('day') ? day : month, b), `${day} ${month} ${b.period}`).toBe(true);
      }
    }
  });
});
