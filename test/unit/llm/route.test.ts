/**
 * route() as a pure function (no HTTP, no ledger): the candidates a chat call may try, in order, with the
 * worst case each one reserves, for each downgrade step, price, circuit and envelope rule of SPEC §9/§11.
 * Requests are 1,000 worst-case input tokens and 1,000 output tokens, so a model's worst case is
 * (inputPerM + outputPerM) × 1,000 nano-USD in the shipped table:
 *   mistral-small-3.2 400k · deepseek-v3.2 700k · mistral-medium-3 2.4M · deepseek-r1 2.74M · kimi-k2 3.1M · Opus 30M
 */
import { describe, expect, it } from 'vitest';
import type { CriticalView } from '../../../src/llm/budget.js';
import { callShape, fullPriceQuote, preferredRefusal, quoteRoute, route, type RouteBudget, type RouteRequest } from '../../../src/llm/route.js';
import { loadTierTable, type TierTable } from '../../../src/llm/tiers.js';
import type { ChatTier } from '../../../src/llm/types.js';

const shipped = loadTierTable();
const M = 1_000_000;

function tableWith(edit: (t: TierTable) => void): TierTable {
  const t = structuredClone(shipped);
  edit(t);
  return t;
}

const roomyCritical: CriticalView = { day: '2026-12-01', dailyBudgetNano: 5e9, committedNano: 0, leftNano: 5e9, confirmationsLastHour: 0 };
function budget(over: Partial<RouteBudget> = {}): RouteBudget {
  return { step: 0, dayLeftNano: 1e9, monthLeftNano: 1e9, critical: roomyCritical, maxConfirmationsPerHour: 12, ...over };
}
const closed = { isOpen: () => false };
const openFor = (...models: string[]) => ({ isOpen: (m: string) => models.includes(m) });
const req = (tier: ChatTier, over: Partial<RouteRequest> = {}): RouteRequest => ({ tier, inputTokens: 1000, maxTokens: 1000, attempt: 1, ...over });
const order = (r: ReturnType<typeof route>) => r.candidates.map((c) => [c.model, c.worstNano, c.route]);

describe('route: the downgrade steps', () => {
  it.each([
    [
      'step 0: the primary, then the fallback order',
      'analysis',
      {},
      0,
      [
        ['mistral-medium-3', 2.4 * M, 'primary'],
        ['deepseek-v3.2', 0.7 * M, 'fallback'],
      ],
    ],
    [
      'step 0: a pinned council member first',
      'options',
      { preferModel: 'deepseek-v3.2' },
      0,
      [
        ['deepseek-v3.2', 0.7 * M, 'prefer'],
        ['kimi-k2', 3.1 * M, 'fallback'],
      ],
    ],
    [
      'step 1: the tier, cheapest worst case first',
      'analysis',
      {},
      1,
      [
        ['deepseek-v3.2', 0.7 * M, 'tier-cheapest'],
        ['mistral-medium-3', 2.4 * M, 'tier-cheapest'],
      ],
    ],
    [
      'step 1: a pinned model is not kept',
      'options',
      { preferModel: 'kimi-k2' },
      1,
      [
        ['deepseek-v3.2', 0.7 * M, 'tier-cheapest'],
        ['kimi-k2', 3.1 * M, 'tier-cheapest'],
      ],
    ],
    [
      'step 2: every non-critical chat model, cheapest first, never Opus',
      'reasoning',
      {},
      2,
      [
        ['mistral-small-3.2', 0.4 * M, 'overall-cheapest'],
        ['deepseek-v3.2', 0.7 * M, 'overall-cheapest'],
        ['mistral-medium-3', 2.4 * M, 'overall-cheapest'],
        ['deepseek-r1', 2.74 * M, 'overall-cheapest'],
        ['kimi-k2', 3.1 * M, 'overall-cheapest'],
      ],
    ],
  ] as const)('%s', (_name, tier, over, step, expected) => {
    const r = route(shipped, req(tier, over), budget({ step }), closed);
    expect(r.refusal).toBeNull();
    expect(r.step).toBe(step);
    expect(order(r)).toEqual(expected);
  });

  it('the worst case follows the request: max output tokens at the output price, input at the uncached price', () => {
    const r = route(shipped, req('parse', { inputTokens: 2000, maxTokens: 10 }), budget(), closed);
    expect(r.candidates[0]).toEqual({
      model: 'deepseek-v3.2',
      provider: 'gateway',
      worstNano: Math.ceil((2000 * 0.28 + 10 * 0.42) * 1000 - 1e-6),
      route: 'primary',
    });
  });

  it('a weighted split draws the primary once per route at step 0, and never when a model is pinned or the budget has stepped down', () => {
    const split = tableWith((t) => {
      t.tiers.parse.split = { 'deepseek-v3.2': 90, 'mistral-small-3.2': 10 };
    });
    let draws = 0;
    const random = (x: number) => () => (draws++, x);
    expect(order(route(split, req('parse', { random: random(0.95) }), budget(), closed))[0]).toEqual([
      'mistral-small-3.2',
      0.4 * M,
      'split:deepseek-v3.2=90,mistral-small-3.2=10',
    ]);
    expect(order(route(split, req('parse', { random: random(0.5) }), budget(), closed)).map((c) => c[0])).toEqual(['deepseek-v3.2', 'mistral-small-3.2']);
    expect(draws).toBe(2);
    route(split, req('parse', { random: random(0.95), preferModel: 'deepseek-v3.2' }), budget(), closed);
    route(split, req('parse', { random: random(0.95) }), budget({ step: 1 }), closed);
    expect(draws).toBe(2);
  });
});

describe('route: the shared budget', () => {
  it.each([
    ['only what fits is a candidate, in order', { dayLeftNano: 1 * M }, ['deepseek-v3.2'], ['mistral-medium-3']],
    ['the monthly budget binds too', { monthLeftNano: 1 * M }, ['deepseek-v3.2'], ['mistral-medium-3']],
    ['an exact fit fits', { dayLeftNano: 2.4 * M }, ['mistral-medium-3', 'deepseek-v3.2'], []],
  ] as const)('%s', (_name, over, candidates, overBudget) => {
    const r = route(shipped, req('analysis'), budget(over), closed);
    expect(r.refusal).toBeNull();
    expect(r.candidates.map((c) => c.model)).toEqual(candidates);
    expect(r.skipped.filter((s) => s.reason === 'over_budget').map((s) => s.model)).toEqual(overBudget);
  });

  it('nothing fits: BUDGET_EXHAUSTED with the cheapest worst case and what is left; no candidate', () => {
    const r = route(shipped, req('analysis'), budget({ step: 2, dayLeftNano: 300_000, monthLeftNano: 9 * M }), closed);
    expect(r.candidates).toEqual([]);
    expect(r.refusal?.code).toBe('BUDGET_EXHAUSTED');
    expect(r.refusal?.details).toEqual({ tier: 'analysis', worstCaseUsd: 0.0004, remainingDailyUsd: 0.0003, remainingMonthlyUsd: 0.009, downgradeStep: 2 });
  });

  it('nothing left: not even a model priced at zero is a candidate', () => {
    const free = tableWith((t) => {
      t.models['mistral-small-3.2'] = { inputPerM: 0, outputPerM: 0 };
    });
    expect(route(free, req('parse'), budget({ step: 2, dayLeftNano: 1 }), closed).candidates.map((c) => c.model)).toEqual(['mistral-small-3.2']);
    const r = route(free, req('parse'), budget({ step: 2, dayLeftNano: 0 }), closed);
    expect([r.candidates, r.refusal?.code]).toEqual([[], 'BUDGET_EXHAUSTED']);
  });
});

describe('route: prices', () => {
  it('a tier with no priced model is refused with UNKNOWN_PRICE and has no candidate, at every step', () => {
    const unpriced = tableWith((t) => {
      t.tiers.parse.models = ['nobody-knows-1', 'nobody-knows-2'];
    });
    const r0 = route(unpriced, req('parse'), budget(), closed);
    expect([r0.candidates, r0.refusal?.code, r0.refusal?.details]).toEqual([
      [],
      'UNKNOWN_PRICE',
      { tier: 'parse', models: ['nobody-knows-1', 'nobody-knows-2'] },
    ]);
    const critical = tableWith((t) => {
      delete (t.models as Record<string, unknown>)['claude-opus-4-6'];
      delete (t.models as Record<string, unknown>)['claude-opus-4-5'];
    });
    expect(route(critical, req('critical'), budget(), closed).refusal?.code).toBe('UNKNOWN_PRICE');
  });

  it('an unpriced model of a tier is never a candidate, nor listed as skipped', () => {
    const partly = tableWith((t) => {
      t.tiers.analysis.models = ['nobody-knows', 'mistral-medium-3', 'deepseek-v3.2'];
    });
    for (const step of [0, 1]) {
      const r = route(partly, req('analysis'), budget({ step }), closed);
      expect([...r.candidates, ...r.skipped].map((c) => c.model)).not.toContain('nobody-knows');
      expect(r.candidates).toHaveLength(2);
    }
  });

  it.each([
    ['an unpriced preferred model', 'options', 'nobody-knows', 'UNKNOWN_PRICE'],
    ['a preferred model on the critical tier that is not Opus', 'critical', 'deepseek-v3.2', 'INVALID_INPUT'],
    ['a priced preferred model', 'options', 'deepseek-v3.2', null],
  ] as const)('%s: %s', (_name, tier, model, code) => {
    expect(preferredRefusal(shipped, tier, model)?.code ?? null).toBe(code);
  });
});

describe('route: circuits and failover', () => {
  it.each([
    ['an open circuit skips its model', 'reasoning', 1, [], openFor('deepseek-r1'), [['kimi-k2', 3.1 * M, 'fallback']], [['deepseek-r1', 'circuit_open']]],
    [
      'a failover labels its route and skips what was tried',
      'reasoning',
      2,
      ['deepseek-r1'],
      closed,
      [['kimi-k2', 3.1 * M, 'failover(fallback)']],
      [['deepseek-r1', 'tried']],
    ],
    ['failover at step 1', 'analysis', 2, ['deepseek-v3.2'], closed, [['mistral-medium-3', 2.4 * M, 'failover(tier-cheapest)']], [['deepseek-v3.2', 'tried']]],
    [
      'critical: an open Opus circuit moves to the next Opus',
      'critical',
      1,
      [],
      openFor('claude-opus-4-6'),
      [['claude-opus-4-5', 30 * M, 'primary']],
      [['claude-opus-4-6', 'circuit_open']],
    ],
    ['critical: a failover', 'critical', 2, ['claude-opus-4-6'], closed, [['claude-opus-4-5', 30 * M, 'failover']], [['claude-opus-4-6', 'tried']]],
  ] as const)('%s', (_name, tier, attempt, tried, circuits, candidates, skipped) => {
    const r = route(shipped, req(tier, { attempt, tried: new Set(tried) }), budget({ step: tier === 'analysis' ? 1 : 0 }), circuits);
    expect(r.refusal).toBeNull();
    expect(order(r)).toEqual(candidates);
    expect(r.skipped.map((s) => [s.model, s.reason])).toEqual(skipped);
  });

  it('every circuit open: no candidate and no refusal (the router answers GATEWAY_UNAVAILABLE), even with no budget left', () => {
    for (const dayLeftNano of [1e9, 0]) {
      const r = route(shipped, req('parse'), budget({ dayLeftNano }), openFor('deepseek-v3.2', 'mistral-small-3.2'));
      expect([r.candidates, r.refusal]).toEqual([[], null]);
    }
  });
});

describe('route: the critical tier', () => {
  const exhausted = budget({ step: 2, dayLeftNano: -5 * M, monthLeftNano: -5 * M });

  it('stays on Opus, never downgraded, when the shared budget is spent past nothing; a pinned Opus goes first', () => {
    const r = route(shipped, req('critical'), exhausted, closed);
    expect([r.step, r.refusal, order(r)]).toEqual([
      0,
      null,
      [
        ['claude-opus-4-6', 30 * M, 'primary'],
        ['claude-opus-4-5', 30 * M, 'primary'],
      ],
    ]);
    const pinned = route(shipped, req('critical', { preferModel: 'claude-opus-4-5' }), exhausted, closed);
    expect(order(pinned)).toEqual([
      ['claude-opus-4-5', 30 * M, 'prefer'],
      ['claude-opus-4-6', 30 * M, 'primary'],
    ]);
  });

  it('a model that is not Opus is never a candidate, even listed in the critical tier of an unchecked table', () => {
    const mixed = tableWith((t) => {
      t.tiers.critical.models = ['deepseek-v3.2', 'claude-opus-4-5'];
    });
    expect(order(route(mixed, req('critical'), exhausted, closed))).toEqual([['claude-opus-4-5', 30 * M, 'primary']]);
  });

  it.each([
    ['its daily cap below one worst case', { leftNano: 29 * M }, 1, 'critical_daily_cap'],
    ['its daily cap already over-spent', { leftNano: -1 }, 2, 'critical_daily_cap'],
    ['the confirmations of the last hour at the limit, on a first attempt', { confirmationsLastHour: 12 }, 1, 'confirmations_per_hour'],
    ['the confirmations at the limit on a failover (the same confirmation)', { confirmationsLastHour: 12 }, 2, null],
  ] as const)('its own envelope refuses with BUDGET_EXHAUSTED: %s', (_name, critical, attempt, reason) => {
    const r = route(shipped, req('critical', { attempt }), budget({ critical: { ...roomyCritical, ...critical } }), closed);
    expect(r.refusal?.details.reason ?? null).toBe(reason);
    expect(r.refusal?.code ?? null).toBe(reason ? 'BUDGET_EXHAUSTED' : null);
    expect(r.candidates).toHaveLength(reason ? 0 : 2);
  });
});

describe('callShape and quotes', () => {
  const messages = [{ role: 'user' as const, content: 'x'.repeat(100) }];

  it('callShape: output capped by the tier (at least 1), input bounded by bytes of messages and schema', () => {
    const spec = shipped.tiers.parse;
    expect(callShape(spec, { messages })).toEqual({ maxTokens: 1024, inputTokens: 100 + 8 + 16 });
    expect(callShape(spec, { messages, maxTokens: 99_999 }).maxTokens).toBe(1024);
    expect(callShape(spec, { messages, maxTokens: 0 }).maxTokens).toBe(1);
    expect(callShape(spec, { messages, responseFormat: { name: 'v', schema: { a: 1 } } }).inputTokens).toBe(100 + 8 + 16 + '{"a":1}'.length);
  });

  it('a quote lists what the call would try and the least it can reserve, whatever the circuits and the budget', () => {
    const call = { tier: 'analysis' as const, tool: 't', messages, maxTokens: 1000 };
    const worst = (model: string) => Math.ceil((124 * shipped.models[model]!.inputPerM + 1000 * shipped.models[model]!.outputPerM) * 1000 - 1e-6);
    const q = quoteRoute(shipped, call, budget(), closed);
    expect([q.downgradeStep, q.refusal, q.candidates.map((c) => c.model), q.cheapestWorstCaseNano]).toEqual([
      0,
      null,
      ['mistral-medium-3', 'deepseek-v3.2'],
      worst('deepseek-v3.2'),
    ]);
    const blocked = quoteRoute(shipped, call, budget(), openFor('deepseek-v3.2', 'mistral-medium-3'));
    expect([blocked.candidates, blocked.refusal?.code, blocked.cheapestWorstCaseNano]).toEqual([[], 'GATEWAY_UNAVAILABLE', worst('deepseek-v3.2')]);
    const poor = quoteRoute(shipped, call, budget({ step: 2, dayLeftNano: 1 }), closed);
    expect([poor.candidates, poor.refusal?.code, poor.cheapestWorstCaseNano, poor.remainingDailyNano]).toEqual([
      [],
      'BUDGET_EXHAUSTED',
      worst('mistral-small-3.2'),
      1,
    ]);
    const unpriced = quoteRoute(shipped, { ...call, preferModel: 'nobody-knows' }, budget(), closed);
    expect([unpriced.candidates, unpriced.refusal?.code, unpriced.cheapestWorstCaseNano]).toEqual([[], 'UNKNOWN_PRICE', worst('deepseek-v3.2')]);
  });

  it('a split tier is quoted at its first weighted entry, at full price with everything left', () => {
    const split = tableWith((t) => {
      t.tiers.parse.split = { 'mistral-small-3.2': 10, 'deepseek-v3.2': 90 };
    });
    const q = fullPriceQuote(split, { tier: 'parse', tool: 't', messages });
    expect(q.candidates.map((c) => [c.model, c.route])).toEqual([
      ['mistral-small-3.2', 'split:mistral-small-3.2=10,deepseek-v3.2=90'],
      ['deepseek-v3.2', 'fallback'],
    ]);
  });
});
