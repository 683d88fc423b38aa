/**
 * Routing as a pure function (SPEC §9, §11, §15): the endpoints (model × provider) a chat call may try now,
 * in order, each with its worst-case cost, from the tier table, the request, the budget as the ledger sees
 * it, which circuits are open, and what the router knows besides (RouteInputs: which providers have a key,
 * which models each provider's catalog lists, each model's recent observations, the arena's scores). No HTTP,
 * no ledger, no clock: the router calls it inside the ledger's reservation transaction, and quote() with the
 * current view.
 *
 * Rules:
 *   critical   Opus models only, a preferred one first, then the table's order; never a policy (always fixed),
 *              never downgraded nor blocked by the shared budget, only by its own envelope (envelope.ts),
 *              checked against the model about to be reserved.
 *   step 0     the preferred model, else the tier's policy's primary (policies/); then the fallback order.
 *   step 1, 2  downgradePool (budget.ts), cheapest worst case first: the budget's ceiling over any policy.
 *   endpoints  each model, in that order, through each of the tier's providers in turn (providers.ts: the
 *              primary provider, then its fallbacks); a provider without its key, or whose catalog does not
 *              list the model, is skipped for it (no_key, unlisted: never called).
 *   always     a model without a price is never a candidate (none priced: UNKNOWN_PRICE); an endpoint already
 *              tried in this call or whose circuit is open is skipped; a model is a candidate only if its
 *              worst case fits what is left of the shared budget (nothing left: not even a zero-priced one);
 *              usable models of which none fits: BUDGET_EXHAUSTED; nothing listed: GATEWAY_UNAVAILABLE
 *              (not_listed); no provider with a key: GATEWAY_NOT_CONFIGURED.
 * A refusal is returned, not thrown, beside what was considered. No refusal and no candidate means every
 * usable endpoint was skipped (the router answers GATEWAY_UNAVAILABLE).
 *
 * @example
 *   const r = route(table, { tier: 'parse', inputTokens: 120, maxTokens: 1024, attempt: 1 }, budget, { isOpen: () => false });
 *   // r.candidates[0] → { model: 'deepseek-v3.2', provider: 'gateway', worstNano: 1_234, route: 'primary' }
 */
import { ToolError } from '../errors.js';
import { downgradePool, worstCaseInputTokens, type CriticalView, type LedgerView } from './budget.js';
import { refuseOutsideCriticalEnvelope } from './envelope.js';
import { pickPrimary, type ExternalQuality, type Observation } from './policies/index.js';
import { endpointKey, tierProviderNames } from './providers.js';
import { costNano, isOpusModel, nanoToUsd, priceOf, type TierSpec, type TierTable } from './tiers.js';
import type { CallQuote, ChatTier, CompletionRequest, RouteCandidate } from './types.js';

export interface RouteRequest {
  tier: ChatTier;
  preferModel?: string | undefined;
  /** Worst-case input tokens and the max output tokens asked for (callShape): each model's worst case. */
  inputTokens: number;
  maxTokens: number;
  /** 1 for a call's first attempt; a later one is a failover (so labelled; the hourly count is not re-checked). */
  attempt: number;
  /** Models this call already tried. */
  tried?: ReadonlySet<string>;
  /** The draw of a weighted policy; absent: 0 (the first weighted entry). */
  random?: () => number;
}

/** What is left of the budgets now (a LedgerView carries all of it) and the profile's confirmation limit. */
export interface RouteBudget {
  step: number;
  dayLeftNano: number;
  monthLeftNano: number;
  critical: CriticalView;
  maxConfirmationsPerHour: number;
}

/** The budget a route sees, from the ledger's view (built field by field: spreading the view costs microseconds per call). */
export function routeBudget(view: Pick<LedgerView, 'step' | 'dayLeftNano' | 'monthLeftNano' | 'critical'>, maxConfirmationsPerHour: number): RouteBudget {
  return { step: view.step, dayLeftNano: view.dayLeftNano, monthLeftNano: view.monthLeftNano, critical: view.critical, maxConfirmationsPerHour };
}

/** Circuits by endpoint key (providers.ts endpointKey: the bare model id through the gateway). */
export interface CircuitView {
  isOpen(endpoint: string): boolean;
}

/** What the router knows beyond the table and the budget; every part optional (absent: no constraint, no history). */
export interface RouteInputs {
  /** Whether the provider can be called (its key is set). Default: yes. */
  reachable?: (provider: string) => boolean;
  /** false when the provider's catalog is known and does not list the model (it is never called there). Default: listed. */
  listed?: (provider: string, model: string) => boolean;
  /** The model's recent observations in the tier, oldest first (the adaptive policy's evidence). */
  history?: (tier: ChatTier, model: string) => readonly Observation[];
  /** The arena's per-model quality (wired at merge; absent here). */
  external?: ExternalQuality;
}

export type Candidate = RouteCandidate;

export type SkipReason = 'tried' | 'circuit_open' | 'over_budget' | 'unlisted' | 'no_key';

export interface RouteResult {
  step: number;
  /** In the order to try; the first is what a reservation takes now. */
  candidates: Candidate[];
  /** Priced models passed over now, and why (over_budget: the shared budget, or critical's own envelope). */
  skipped: Array<Candidate & { reason: SkipReason }>;
  /** What the call is refused with before anything is sent (then `candidates` is empty). */
  refusal: ToolError | null;
}

export interface CallShape {
  inputTokens: number;
  maxTokens: number;
}

/** The worst case a request can consume: its max output tokens (capped by the tier) and an upper bound on its input. */
export function callShape(spec: TierSpec, req: Pick<CompletionRequest, 'messages' | 'responseFormat' | 'maxTokens'>): CallShape {
  const maxTokens = Math.max(1, Math.min(req.maxTokens ?? spec.maxTokens, spec.maxTokens));
  const schemaBytes = req.responseFormat ? Buffer.byteLength(JSON.stringify(req.responseFormat.schema)) : 0;
  return {
    maxTokens,
    inputTokens: worstCaseInputTokens(
      req.messages.map((m) => m.content),
      schemaBytes,
    ),
  };
}

/** A preferred model the call may never use, whatever the budget: unpriced, or not Opus on the critical tier. */
export function preferredRefusal(table: TierTable, tier: ChatTier, preferModel: string | undefined): ToolError | null {
  if (preferModel === undefined) return null;
  if (!priceOf(table, preferModel)) {
    return new ToolError('UNKNOWN_PRICE', `model ${preferModel} has no known price in the tier table; it is never called`, { model: preferModel, tier });
  }
  if (tier === 'critical' && !isOpusModel(preferModel)) {
    return new ToolError('INVALID_INPUT', `the critical tier only calls Claude Opus models, not ${preferModel}`, { model: preferModel });
  }
  return null;
}

export function route(table: TierTable, req: RouteRequest, budget: RouteBudget, circuits: CircuitView, inputs: RouteInputs = {}): RouteResult {
  return req.tier === 'critical' ? routeCritical(table, req, budget, circuits, inputs) : routeShared(table, req, budget, circuits, inputs);
}

const worstOf = (table: TierTable, req: RouteRequest) => (model: string) =>
  costNano(priceOf(table, model)!, { inputTokens: req.inputTokens, cachedInputTokens: 0, outputTokens: req.maxTokens });

function routeCritical(table: TierTable, req: RouteRequest, budget: RouteBudget, circuits: CircuitView, inputs: RouteInputs): RouteResult {
  const spec = table.tiers.critical;
  const order = req.preferModel ? [req.preferModel, ...spec.models.filter((m) => m !== req.preferModel)] : spec.models;
  const priced = order.filter((m) => isOpusModel(m) && priceOf(table, m));
  if (!priced.length)
    return refused(
      0,
      new ToolError('UNKNOWN_PRICE', `no Claude Opus model of the critical tier has a known price; none is called`, { tier: 'critical', models: spec.models }),
    );
  const worst = worstOf(table, req);
  const label = (m: string) => (req.attempt > 1 ? 'failover' : req.preferModel === m ? 'prefer' : 'primary');
  const { usable, skipped } = partition(
    endpoints(
      table,
      req.tier,
      priced.map((model) => ({ model, worstNano: worst(model), route: label(model) })),
    ),
    req.tried,
    circuits,
    inputs,
  );
  if (!usable.length) return { step: 0, candidates: [], skipped, refusal: unreachable(req, skipped) };
  try {
    // never downgraded nor blocked by the shared budget (its reservation still counts there), only by its own envelope
    refuseOutsideCriticalEnvelope(budget, usable[0]!.worstNano, req.attempt === 1, budget.maxConfirmationsPerHour);
  } catch (err) {
    if (!(err instanceof ToolError)) throw err;
    return { step: 0, candidates: [], skipped: [...skipped, ...overBudget(usable)], refusal: err };
  }
  return { step: 0, candidates: usable, skipped, refusal: null };
}

function routeShared(table: TierTable, req: RouteRequest, budget: RouteBudget, circuits: CircuitView, inputs: RouteInputs): RouteResult {
  const worst = worstOf(table, req);
  const ordered = budget.step === 0 ? primaryFirst(table, req, worst, circuits, inputs) : cheapestFirst(table, req, budget.step, worst);
  const priced = ordered.filter((c) => priceOf(table, c.model));
  if (!priced.length) {
    return refused(
      budget.step,
      new ToolError('UNKNOWN_PRICE', `no model of the ${req.tier} tier has a known price; none is called`, {
        tier: req.tier,
        models: ordered.map((c) => c.model),
      }),
    );
  }
  const label = req.attempt > 1 ? (r: string) => `failover(${r})` : (r: string) => r;
  const { usable, skipped } = partition(
    endpoints(
      table,
      req.tier,
      priced.map((c) => ({ model: c.model, worstNano: worst(c.model), route: label(c.route) })),
    ),
    req.tried,
    circuits,
    inputs,
  );
  if (!usable.length) return { step: budget.step, candidates: [], skipped, refusal: unreachable(req, skipped) };
  const left = Math.min(budget.dayLeftNano, budget.monthLeftNano);
  // once settled spend reaches the cap nothing is sent, not even a zero-priced model
  const fit = left > 0 ? usable.filter((c) => c.worstNano <= left) : [];
  if (fit.length < usable.length) skipped.push(...overBudget(usable.filter((c) => !fit.includes(c))));
  return { step: budget.step, candidates: fit, skipped, refusal: fit.length ? null : budgetExhausted(req.tier, usable, budget) };
}

/** Step 0: the preferred model, else the policy's primary among what can be called now; then the rest of the tier in its fallback order. */
function primaryFirst(
  table: TierTable,
  req: RouteRequest,
  worst: (m: string) => number,
  circuits: CircuitView,
  inputs: RouteInputs,
): Array<{ model: string; route: string }> {
  const spec = table.tiers[req.tier];
  const first = req.preferModel
    ? { model: req.preferModel, route: 'prefer' }
    : pickPrimary(spec, {
        tier: req.tier,
        random: req.random ?? (() => 0),
        eligible: spec.models.filter((m) => priceOf(table, m) && hasUsableEndpoint(table, req, m, circuits, inputs)),
        worstNano: worst,
        price: (m) => priceOf(table, m),
        history: inputs.history ? (m) => inputs.history!(req.tier, m) : undefined,
        external: inputs.external,
      });
  return [first, ...spec.models.filter((m) => m !== first.model).map((model) => ({ model, route: 'fallback' }))];
}

function hasUsableEndpoint(table: TierTable, req: RouteRequest, model: string, circuits: CircuitView, inputs: RouteInputs): boolean {
  return tierProviderNames(table, req.tier).some((provider) => skipReason({ model, provider }, req.tried, circuits, inputs) === null);
}

/** Each model through each of the tier's providers, in order: model-major, so a provider's outage fails over to the same model elsewhere first. */
function endpoints(table: TierTable, tier: ChatTier, models: Array<Omit<Candidate, 'provider'>>): Candidate[] {
  const providers = tierProviderNames(table, tier);
  return models.flatMap((c) => providers.map((provider) => ({ model: c.model, provider, worstNano: c.worstNano, route: c.route })));
}

/** Steps 1 and 2: the step's downgrade pool, priced models only, cheapest worst case first (ties by name). */
function cheapestFirst(table: TierTable, req: RouteRequest, step: number, worst: (m: string) => number): Array<{ model: string; route: string }> {
  const route = step === 1 ? 'tier-cheapest' : 'overall-cheapest';
  return downgradePool(table, req.tier, step)
    .filter((m) => priceOf(table, m))
    .sort((a, b) => worst(a) - worst(b) || a.localeCompare(b))
    .map((model) => ({ model, route }));
}

function skipReason(
  c: Pick<Candidate, 'model' | 'provider'>,
  tried: ReadonlySet<string> | undefined,
  circuits: CircuitView,
  inputs: RouteInputs,
): SkipReason | null {
  if (inputs.reachable && !inputs.reachable(c.provider)) return 'no_key';
  if (inputs.listed && !inputs.listed(c.provider, c.model)) return 'unlisted';
  const key = endpointKey(c.provider, c.model);
  if (tried?.has(key)) return 'tried';
  if (circuits.isOpen(key)) return 'circuit_open';
  return null;
}

function partition(
  all: Candidate[],
  tried: ReadonlySet<string> | undefined,
  circuits: CircuitView,
  inputs: RouteInputs,
): { usable: Candidate[]; skipped: RouteResult['skipped'] } {
  const usable: Candidate[] = [];
  const skipped: RouteResult['skipped'] = [];
  for (const c of all) {
    const reason = skipReason(c, tried, circuits, inputs);
    if (reason) skipped.push({ ...c, reason });
    else usable.push(c);
  }
  return { usable, skipped };
}

/**
 * Nothing usable and nothing tried or broken: the call can never go anywhere as things stand. Not listed by
 * any catalog → GATEWAY_UNAVAILABLE (not_listed); no provider with a key → GATEWAY_NOT_CONFIGURED. Else null
 * (the router reports the last failure).
 */
function unreachable(req: RouteRequest, skipped: RouteResult['skipped']): ToolError | null {
  if (!skipped.length || skipped.some((c) => c.reason !== 'unlisted' && c.reason !== 'no_key')) return null;
  const unlisted = [...new Set(skipped.filter((c) => c.reason === 'unlisted').map((c) => c.model))];
  if (unlisted.length) {
    return new ToolError(
      'GATEWAY_UNAVAILABLE',
      `no ${req.tier} model is offered now: ${unlisted.join(', ')} not listed by the provider's /models; none is called`,
      {
        tier: req.tier,
        reason: 'not_listed',
        models: unlisted,
      },
    );
  }
  const providers = [...new Set(skipped.map((c) => c.provider))];
  return new ToolError('GATEWAY_NOT_CONFIGURED', `no key is set for the ${req.tier} tier's providers (${providers.join(', ')}); nothing was sent`, {
    tier: req.tier,
    providers,
  });
}

const overBudget = (cs: Candidate[]) => cs.map((c) => ({ ...c, reason: 'over_budget' as const }));
const refused = (step: number, refusal: ToolError): RouteResult => ({ step, candidates: [], skipped: [], refusal });

function budgetExhausted(tier: ChatTier, usable: Candidate[], budget: RouteBudget): ToolError {
  const cheapest = Math.min(...usable.map((c) => c.worstNano));
  const left = Math.min(budget.dayLeftNano, budget.monthLeftNano);
  return new ToolError(
    'BUDGET_EXHAUSTED',
    `the LLM budget cannot cover a ${tier} call (worst case $${nanoToUsd(cheapest)}, $${nanoToUsd(Math.max(0, left))} left); nothing was sent`,
    {
      tier,
      worstCaseUsd: nanoToUsd(cheapest),
      remainingDailyUsd: nanoToUsd(Math.max(0, budget.dayLeftNano)),
      remainingMonthlyUsd: nanoToUsd(Math.max(0, budget.monthLeftNano)),
      downgradeStep: budget.step,
    },
  );
}

/**
 * What a call would cost and where it would go under this budget (nothing reserved, nothing sent). A split
 * tier is quoted at its first weighted entry, an adaptive one at the draw of a 0 (the call itself draws). `cheapestWorstCaseNano` is over every
 * priced model the call's tier may use at this step, whatever the circuits, the budget or a refused
 * preferred model: the least a call of this shape can reserve.
 */
export function quoteRoute(table: TierTable, req: CompletionRequest, budget: RouteBudget, circuits: CircuitView, inputs: RouteInputs = {}): CallQuote {
  const shape = callShape(table.tiers[req.tier], req);
  const r = route(table, { tier: req.tier, preferModel: req.preferModel, ...shape, attempt: 1 }, budget, circuits, inputs);
  const pool = [...r.candidates, ...r.skipped];
  const refusal =
    preferredRefusal(table, req.tier, req.preferModel) ??
    r.refusal ??
    (r.candidates.length
      ? null
      : new ToolError('GATEWAY_UNAVAILABLE', `no ${req.tier} model can be called now (every circuit is open)`, { tier: req.tier, reason: 'circuit_open' }));
  return {
    tier: req.tier,
    downgradeStep: r.step,
    ...shape,
    candidates: refusal ? [] : r.candidates,
    cheapestWorstCaseNano: pool.length ? Math.min(...pool.map((c) => c.worstNano)) : null,
    refusal: refusal ? refusal.toStructured() : null,
    remainingDailyNano: budget.dayLeftNano,
    remainingMonthlyNano: budget.monthLeftNano,
  };
}

/** Everything left and every circuit closed: what a call reserves at full price (doctor checks). */
export function fullPriceQuote(table: TierTable, req: CompletionRequest): CallQuote {
  const critical = { day: '', dailyBudgetNano: Infinity, committedNano: 0, leftNano: Infinity, confirmationsLastHour: 0 };
  const budget = { step: 0, dayLeftNano: Infinity, monthLeftNano: Infinity, critical, maxConfirmationsPerHour: Infinity };
  return quoteRoute(table, req, budget, { isOpen: () => false });
}
