/**
 * Strategy selection by Thompson sampling (SPEC §13 select_strategy). Each arm (a strategy id of
 * the profile) has a Beta(α, β) prior; its posterior is Beta(α + wins, β + losses) over its round
 * trips in the asked regime (a win: realized P&L > 0; anything else, break-even included, counts as
 * a loss). One draw per arm from its posterior; the highest draw is the pick. So an arm is picked
 * with the probability that it is the best given what memory holds: proven arms are exploited,
 * uncertain ones still explored. Equal priors and no history pick every arm equally often.
 *
 * The seed makes the draw reproducible; without one a random seed is drawn and returned.
 *
 * @example selectStrategy({ arms: [{ id: 'iron_condor', prior: { alpha: 1, beta: 1 } }], trips, seed: 7 }).pick
 */
import { randomInt } from 'node:crypto';
import { ToolError } from '../errors.js';
import { filterRows, type RegimeFilter } from './aggregates.js';
import { betaQuantile } from './beta.js';
import { betaDraw, MAX_SEED, seededRng } from '../random.js';
import { rowsOf, type TripRows, type Tripish } from './trip-rows.js';

export interface StrategyArm {
  id: string;
  prior: { alpha: number; beta: number };
}

export interface SelectInput {
  arms: readonly StrategyArm[];
  /** Round trips (decisions: single and position); each counts for the arm its strategy names. */
  trips: readonly Tripish[] | TripRows<unknown>;
  /** The current regime; only trips entered in it count. null/absent: every trip counts. */
  regime?: RegimeFilter | null;
  /** A whole number in [0, 4294967295]; absent → a random one, returned in the result. */
  seed?: number;
}

export interface ArmDraw {
  id: string;
  trades: number;
  wins: number;
  /** Trips that were not wins (losses and break-evens). */
  losses: number;
  /** The posterior Beta(alpha, beta). */
  alpha: number;
  beta: number;
  /** alpha / (alpha + beta): the expected win probability. */
  posterior_mean: number;
  /** Equal-tailed 90% credible interval of the win probability: the 5% and 95% quantiles. */
  interval_90: [number, number];
  /** This call's draw from the posterior; the highest one is the pick. */
  sample: number;
}

export interface Selection {
  pick: string;
  seed: number;
  arms: ArmDraw[];
  /** One line an agent can act on. */
  meaning: string;
}

function checkInput(input: SelectInput): void {
  const bad = (message: string, field: string) => new ToolError('INVALID_INPUT', message, { field });
  if (!input.arms.length) throw bad('select_strategy needs at least one strategy in the profile', 'arms');
  const ids = new Set<string>();
  for (const arm of input.arms) {
    if (typeof arm.id !== 'string' || !arm.id) throw bad('every strategy needs a non-empty id', 'arms.id');
    if (ids.has(arm.id)) throw bad(`strategy ${arm.id} is listed twice`, 'arms.id');
    ids.add(arm.id);
    const { alpha, beta } = arm.prior ?? {};
    const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1e6;
    if (!ok(alpha) || !ok(beta)) throw bad(`strategy ${arm.id}: prior alpha and beta must be numbers in (0, 1e6]`, 'arms.prior');
  }
  const s = input.seed;
  if (s !== undefined && !(Number.isInteger(s) && s >= 0 && s <= MAX_SEED)) throw bad(`seed must be a whole number from 0 to ${MAX_SEED}`, 'seed');
}

/** Win and loss counts per strategy id over the trips in the regime. */
function tally(input: SelectInput): Map<string, { wins: number; losses: number }> {
  const counts = new Map(input.arms.map((a) => [a.id, { wins: 0, losses: 0 }]));
  const rows = rowsOf(input.trips);
  for (const k of filterRows(rows, { regime: input.regime ?? null })) {
    const strategy = rows.strategy(k);
    const c = strategy === null ? undefined : counts.get(strategy);
    if (!c) continue;
    if (rows.pnlMicros(k) > 0) c.wins++;
    else c.losses++;
  }
  return counts;
}

function meaningOf(pick: ArmDraw, arms: readonly ArmDraw[]): string {
  const caveat = 'a draw is a random belief, not a forecast; Thompson sampling explores uncertain arms and exploits proven ones';
  if (arms.length === 1) return `${pick.id} is the only strategy (drew ${pick.sample.toFixed(2)}); ${caveat}`;
  const history = arms.some((a) => a.trades > 0)
    ? `posterior mean ${pick.posterior_mean.toFixed(2)} from ${pick.trades} trade(s) in this regime`
    : 'no trades yet in this regime, every arm is at its prior: this pick is exploration';
  return `${pick.id} drew ${pick.sample.toFixed(2)}, the highest of ${arms.length} arms (${history}); ${caveat}`;
}

export function selectStrategy(input: SelectInput): Selection {
  checkInput(input);
  const seed = input.seed ?? randomInt(0, MAX_SEED);
  const rng = seededRng(seed);
  const counts = tally(input);
  const arms = input.arms.map((arm): ArmDraw => {
    const { wins, losses } = counts.get(arm.id)!;
    const alpha = arm.prior.alpha + wins;
    const beta = arm.prior.beta + losses;
    return {
      id: arm.id,
      trades: wins + losses,
      wins,
      losses,
      alpha,
      beta,
      posterior_mean: alpha / (alpha + beta),
      interval_90: [betaQuantile(0.05, alpha, beta), betaQuantile(0.95, alpha, beta)],
      sample: betaDraw(rng, alpha, beta),
    };
  });
  let best = arms[0]!;
  for (const arm of arms) if (arm.sample > best.sample) best = arm;
  return { pick: best.id, seed, arms, meaning: meaningOf(best, arms) };
}
