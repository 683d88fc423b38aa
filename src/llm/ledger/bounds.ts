/**
 * Where a reservation decided on one view of the totals stays the decision (no I/O). The PostgreSQL
 * ledger reads the totals without a lock, lets `decide` choose, then inserts the reservation in one
 * statement that locks the period rows and checks that their totals are still inside these bounds; when
 * they are not, `decide` runs again on the totals read under that lock. So the lock is held for
 * microseconds, and a reservation is only ever committed against totals at which it was decided.
 *
 * What a decision depends on (the router's and the embedding path's, src/llm/route.ts, embed.ts,
 * envelope.ts): the downgrade step, whether the amount fits what is left of each budget, and the
 * critical tier's confirmations of the last hour. The bounds keep each of them:
 * - the step: the period that set the fraction left stays in the step's band, the other one above its
 *   lower edge, so min(day, month) stays in the band;
 * - fitting: a period the amount fitted in at the view (committed + amount ≤ budget, and something
 *   left) must still fit it. A period it did not fit in was not what allowed the call (critical calls
 *   are not blocked by the shared budget), so it is not bounded;
 * - confirmations: no more than the view counted (an hour sliding by only lowers the count).
 * Totals below the view's (money given back since) stay in bounds: the decision then is the same or a
 * more frugal one than a fresh decide would make, never one past a budget.
 */
import { DOWNGRADE_STEPS, type LedgerView } from '../budget.js';

export interface PeriodBound {
  period: string;
  /** Committed nano at least / at most (null: unbounded). */
  lo: number | null;
  hi: number | null;
}

const [STEP0, STEP1] = [DOWNGRADE_STEPS[0].minFractionLeft, DOWNGRADE_STEPS[1].minFractionLeft];

/** The committed totals of one period (budget B) whose fraction left, as budgetView computes it, is in `step`'s band. */
export function stepRange(budget: number, step: number): { lo: number | null; hi: number | null } {
  if (budget <= 0) return { lo: null, hi: null }; // fraction 0 whatever is committed: always step 2
  const edge0 = Math.ceil(budget * (1 - STEP0)); // fraction > STEP0 ⇔ committed < B·(1 − STEP0)
  const edge1 = Math.floor(budget * (1 - STEP1)); // fraction ≥ STEP1 ⇔ committed ≤ B·(1 − STEP1)
  if (step === 0) return { lo: null, hi: edge0 - 1 };
  if (step === 1) return { lo: edge0, hi: edge1 };
  return { lo: edge1 + 1, hi: null };
}

const minOf = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/** The highest total at which `amount` still fits `budget` with something left, or null when it did not fit at `committed`. */
function fitHi(budget: number, committed: number, amount: number): number | null {
  const hi = budget - Math.max(amount, 1);
  return committed <= hi ? hi : null;
}

/** The bounds of the periods a reservation of `amount` at `view` locks (`day:`, `month:`, and `critical-day:` for critical calls). */
export function reservationBounds(view: LedgerView, amount: number, critical: boolean): PeriodBound[] {
  const dayFrac = view.dailyBudgetNano > 0 ? Math.max(0, view.dayLeftNano) / view.dailyBudgetNano : 0;
  const monthFrac = view.monthlyBudgetNano > 0 ? Math.max(0, view.monthLeftNano) / view.monthlyBudgetNano : 0;
  const dayBinds = dayFrac <= monthFrac;
  const shared = (period: string, budget: number, committed: number, binds: boolean): PeriodBound => {
    const band = stepRange(budget, view.step);
    return { period, lo: binds ? band.lo : null, hi: minOf(band.hi, fitHi(budget, committed, amount)) };
  };
  const bounds = [
    shared(`day:${view.day}`, view.dailyBudgetNano, view.dayCommittedNano, dayBinds),
    shared(`month:${view.month}`, view.monthlyBudgetNano, view.monthCommittedNano, !dayBinds),
  ];
  if (critical) {
    const c = view.critical;
    bounds.push({ period: `critical-day:${c.day}`, lo: null, hi: fitHi(c.dailyBudgetNano, c.committedNano, amount) });
  }
  return bounds;
}
