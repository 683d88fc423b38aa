/**
 * Budget arithmetic shared by the ledger, the router, the usage tool and the bench (no I/O).
 *
 * Downgrade steps for non-critical calls, by the fraction of budget left (the smaller of daily and
 * monthly, after open reservations):
 *   step 0  > 50% left    the tier's primary (or weighted split / preferred member), then its fallback order
 *   step 1  25–50% left   the tier's models, cheapest worst-case first
 *   step 2  < 25% left    the cheapest model overall among the non-critical chat tiers
 * At every step a model is taken only if its worst-case cost fits what is left; nothing fits →
 * BUDGET_EXHAUSTED before anything is sent. `critical` is never downgraded nor blocked by this shared budget
 * (its cost still counts in it); it has its own envelope instead: a daily cap and confirmations per hour.
 */
import type { TierTable } from './tiers.js';
import type { ChatTier } from './types.js';

export const DOWNGRADE_STEPS = [
  { step: 0, minFractionLeft: 0.5, meaning: 'primary model of the tier (then its fallback order)' },
  { step: 1, minFractionLeft: 0.25, meaning: 'cheapest model of the tier' },
  { step: 2, minFractionLeft: 0, meaning: 'cheapest model overall among the non-critical chat tiers' },
] as const;

/** The chat tiers a step-2 call may borrow a model from (never critical). */
export const CHAT_TIERS_BELOW_CRITICAL: readonly ChatTier[] = ['parse', 'analysis', 'options', 'reasoning'];

/**
 * The models a non-critical call may use at a downgrade step, before price, circuit and budget
 * filters: step 0 the tier's own order (a preferred model first), step 1 the tier's models, step 2
 * every model of the non-critical chat tiers. route.ts orders and filters it.
 */
export function downgradePool(table: TierTable, tier: ChatTier, step: number, preferModel?: string): string[] {
  const spec = table.tiers[tier];
  if (step === 0) return [...new Set([preferModel ?? spec.models[0]!, ...spec.models])];
  if (step === 1) return [...spec.models];
  return [...new Set(CHAT_TIERS_BELOW_CRITICAL.flatMap((t) => table.tiers[t].models))];
}

export function downgradeStep(fractionLeft: number): 0 | 1 | 2 {
  if (fractionLeft > 0.5) return 0;
  if (fractionLeft >= 0.25) return 1;
  return 2;
}

const nyDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' });

const HOUR_MS = 3_600_000;
/** New York's offset from UTC is a whole number of hours, so its date can only change on a UTC hour: one format per hour. */
let periodCache: { hour: number; keys: { day: string; month: string } } | null = null;

/** The US trading day (America/New_York calendar date) and its month: "2026-11-21", "2026-11". */
export function periodKeys(now: Date): { day: string; month: string } {
  const hour = Math.floor(now.getTime() / HOUR_MS);
  if (periodCache?.hour === hour) return { ...periodCache.keys };
  const day = nyDate.format(now);
  const keys = { day, month: day.slice(0, 7) };
  periodCache = { hour, keys };
  return { ...keys };
}

export interface BudgetView {
  day: string;
  month: string;
  dailyBudgetNano: number;
  monthlyBudgetNano: number;
  /** Settled spend + open reservations (+ reservations abandoned by a killed process, counted in full). */
  dayCommittedNano: number;
  monthCommittedNano: number;
  dayLeftNano: number;
  monthLeftNano: number;
  fractionLeft: number;
  step: 0 | 1 | 2;
}

export function budgetView(
  day: string,
  month: string,
  dailyBudgetNano: number,
  monthlyBudgetNano: number,
  dayCommittedNano: number,
  monthCommittedNano: number,
): BudgetView {
  const dayLeftNano = dailyBudgetNano - dayCommittedNano;
  const monthLeftNano = monthlyBudgetNano - monthCommittedNano;
  const frac = (left: number, budget: number) => (budget > 0 ? Math.max(0, left) / budget : 0);
  const fractionLeft = Math.min(frac(dayLeftNano, dailyBudgetNano), frac(monthLeftNano, monthlyBudgetNano));
  return {
    day,
    month,
    dailyBudgetNano,
    monthlyBudgetNano,
    dayCommittedNano,
    monthCommittedNano,
    dayLeftNano,
    monthLeftNano,
    fractionLeft,
    step: downgradeStep(fractionLeft),
  };
}

/**
 * Worst-case input tokens: byte-level BPE tokens are at least one UTF-8 byte each, so bytes + a per-message
 * overhead is an upper bound for any tokenizer a gateway uses. Reserving on it keeps the budget hard.
 */
export function worstCaseInputTokens(texts: string[], extraBytes = 0): number {
  let bytes = extraBytes;
  for (const t of texts) bytes += Buffer.byteLength(t, 'utf8');
  return bytes + 8 * texts.length + 16;
}

/** The critical tier's own envelope (SPEC §11): its daily cap and its confirmations in the last hour. */
export interface CriticalView {
  day: string;
  dailyBudgetNano: number;
  /** Settled critical spend + open critical reservations today. */
  committedNano: number;
  leftNano: number;
  /** Distinct critical calls that reserved (were or may have been sent) in the last hour, approved or not. */
  confirmationsLastHour: number;
}

export type LedgerView = BudgetView & { critical: CriticalView };

/**
 * A reply whose prompt tokens exceed this many times the reserved worst-case estimate is a usage anomaly.
 * The estimate already counts one token per UTF-8 byte (about 4× a real tokenizer on English), so a
 * gateway reporting more than twice that is not counting our request.
 */
export const PROMPT_ANOMALY_FACTOR = 2;

/** What the reply reported against what the request allowed; null when plausible, else a one-line description. */
export function usageAnomaly(reported: { input: number; output: number }, allowed: { maxOutputTokens: number; worstInputTokens: number }): string | null {
  const problems: string[] = [];
  if (reported.output > allowed.maxOutputTokens) problems.push(`completion_tokens ${reported.output} > max_tokens ${allowed.maxOutputTokens}`);
  if (reported.input > PROMPT_ANOMALY_FACTOR * allowed.worstInputTokens) {
    problems.push(`prompt_tokens ${reported.input} > ${PROMPT_ANOMALY_FACTOR} × the worst-case estimate ${allowed.worstInputTokens}`);
  }
  return problems.length ? problems.join('; ') : null;
}
