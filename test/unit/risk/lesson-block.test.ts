/**
 * The lesson_block check: the facts it derives from the risk context (broker clock, quotes, the
 * options rules), and whole verdicts — a matching rule refuses with RISK_LESSON_BLOCK naming the
 * lesson, a non-matching order passes, an unreadable block-bearing file refuses every order.
 */
import { describe, expect, it } from 'vitest';
import { parseBlockRule } from '../../../src/risk/block-rule.js';
import { buildContext } from '../../../src/risk/context.js';
import { evaluateRisk, type RiskInput } from '../../../src/risk/engine.js';
import type { LessonRules } from '../../../src/risk/input.js';
import { blockFacts } from '../../../src/risk/lesson-facts.js';
import { optionInput } from './check-context.js';
import { baseInput, clock, creditSpreadInput, isoBefore, limits, OPEN_AT, order, position, quote } from './fixtures.js';

/** 09:32 New York (EDT) on the fixtures' Tuesday; the session closes at 16:00 (20:00Z). */
const AT_0932 = '2026-03-10T13:32:00.000Z';

const rules = (blocks: Array<[string, unknown]>, over: Partial<LessonRules> = {}): LessonRules => ({
  blocks: blocks.map(([id, block]) => ({ id, title: `title of ${id}`, source: `corpus:${id}.md`, block: parseBlockRule(block) })),
  unreadable: [],
  strategy: null,
  tags: [],
  ...over,
});

const facts = (input: RiskInput, annotations: Pick<LessonRules, 'strategy' | 'tags'> = { strategy: null, tags: [] }) =>
  blockFacts(buildContext(input), input.limits, annotations);

const lessonCheck = (input: RiskInput) => evaluateRisk(input).checks.find((c) => c.name === 'lesson_block')!;
const failedCodes = (input: RiskInput) =>
  evaluateRisk(input)
    .checks.filter((c) => !c.passed)
    .map((c) => c.code);

const marketBuyAt = (at: string, over: Partial<RiskInput> = {}) =>
  baseInput({
    order: order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'market' }),
    clock: clock(at),
    now: new Date(at),
    quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(at, 1)) },
    ...over,
  });

describe('facts', () => {
  it("the order's own fields, its strategy and tags", () => {
    const f = facts(baseInput(), { strategy: 'momentum', tags: ['earnings'] });
    expect(f).toMatchObject({ symbol: 'AAPL', underlying: 'AAPL', side: 'buy', type: 'limit', order_class: 'simple', asset_class: 'us_equity' });
    expect(f).toMatchObject({ qty: 10, limit_price: 100, notional: null, extended_hours: false, strategy: 'momentum', tags: ['earnings'] });
    expect(f).toMatchObject({ dte: null, short_option: false, naked_short_option: false, opening: true });
  });

  it('minutes after the open and to the close, on the broker clock', () => {
    expect(facts(marketBuyAt(AT_0932))).toMatchObject({ minutes_after_open: 2, minutes_to_close: 388 });
    expect(facts(marketBuyAt(OPEN_AT))).toMatchObject({ minutes_after_open: 90, minutes_to_close: 300 });
    // closed: neither applies
    const closed = marketBuyAt(AT_0932, { clock: clock('2026-03-10T12:00:00.000Z', false, '2026-03-10T13:30:00.000Z', '2026-03-10T20:00:00.000Z') });
    expect(facts(closed)).toMatchObject({ minutes_after_open: null, minutes_to_close: null });
    // a broker whose session disagrees with the NYSE calendar (a test double pinned open, a special session): the open is unknown
    const odd = marketBuyAt(AT_0932, { clock: clock(AT_0932, true, '2026-03-11T13:30:00.000Z', '2026-03-10T14:32:00.000Z') });
    expect(facts(odd)).toMatchObject({ minutes_after_open: null, minutes_to_close: 60 });
  });

  it('the age of the oldest quote and the widest spread (percent of mid); no quote: unknown', () => {
    const ts = isoBefore(OPEN_AT, 61);
    expect(facts(baseInput({ quotes: { AAPL: quote('AAPL', 99, 101, ts) } }))).toMatchObject({ quote_age_sec: 61, spread_pct: 2 });
    expect(facts(baseInput({ quotes: {} }))).toMatchObject({ quote_age_sec: null, spread_pct: null });
    const spread = creditSpreadInput();
    expect(facts(spread).quote_age_sec).toBe(1);
    expect(facts(spread).spread_pct).toBeCloseTo(6.667, 2); // the long put: 0.10 wide on a 1.50 mid
  });

  it('options: days to the nearest expiry, a short option sold to open, and whether it is naked', () => {
    const spread = facts(creditSpreadInput());
    expect(spread).toMatchObject({ asset_class: 'us_option', underlying: 'SPY', side: null, dte: 30, short_option: true, naked_short_option: false });
    const nakedCall = facts(baseInput(optionInput({ side: 'sell', qty: 1 })));
    expect(nakedCall).toMatchObject({ short_option: true, naked_short_option: true, position_intent: 'sell_to_open', dte: 30 });
    const covered = facts(baseInput({ ...optionInput({ side: 'sell', qty: 1 }), positions: [position('SPY', 100)] }));
    expect(covered).toMatchObject({ short_option: true, naked_short_option: false });
    expect(facts(baseInput(optionInput()))).toMatchObject({ short_option: false, naked_short_option: false });
  });

  it('opening: false for an order that only reduces what is held', () => {
    const sell = baseInput({ order: order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 }), positions: [position('AAPL', 10)] });
    expect(facts(sell).opening).toBe(false);
    expect(facts(sell, { strategy: null, tags: [] }).side).toBe('sell');
    expect(facts({ ...sell, action: { kind: 'close' } }).opening).toBe(false);
  });
});

describe('lesson_block in a verdict', () => {
  const atOpen: Array<[string, unknown]> = [['no-market-at-open', { type: 'market', opening: true, minutes_after_open: { lt: 5 } }]];

  it('refuses a matching order with RISK_LESSON_BLOCK, naming the lesson, its title and why', () => {
    const input = marketBuyAt(AT_0932, { lessons: rules(atOpen) });
    expect(failedCodes(input)).toEqual(['RISK_LESSON_BLOCK']);
    const check = lessonCheck(input);
    expect(check).toMatchObject({ passed: false, actual: 'no-market-at-open', limit: 1 });
    expect(check.message).toBe('blocked by lesson no-market-at-open "title of no-market-at-open" (type = market, minutes_after_open 2 < 5, opening = true)');
  });

  it('a non-matching order passes: later in the day, a limit order, or an exit', () => {
    for (const input of [
      marketBuyAt(OPEN_AT, { lessons: rules(atOpen) }),
      marketBuyAt(AT_0932, { lessons: rules(atOpen), order: order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 }) }),
      marketBuyAt(AT_0932, {
        lessons: rules(atOpen),
        order: order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'market' }),
        positions: [position('AAPL', 10)],
      }),
    ]) {
      expect(failedCodes(input)).toEqual([]);
      expect(lessonCheck(input)).toMatchObject({ passed: true, message: 'no blocking lesson matches (1 block rule checked)', actual: null });
    }
  });

  it('names every matching lesson', () => {
    const input = baseInput({
      ...optionInput({ side: 'sell', qty: 1 }),
      lessons: rules([
        ['no-naked', { naked_short_option: true }],
        ['no-spy', { underlying: 'SPY' }],
        ['no-stocks', { asset_class: 'us_equity' }],
      ]),
    });
    const check = lessonCheck(input);
    expect(check.actual).toBe('no-naked, no-spy');
    expect(check.message).toContain('blocked by lesson no-naked');
    expect(check.message).toContain('; blocked by lesson no-spy "title of no-spy" (underlying = SPY)');
  });

  it('strategy and tags (not in order_hash) come with the rules', () => {
    const block: Array<[string, unknown]> = [['no-condor-earnings', { strategy: 'iron_condor', tags: 'earnings' }]];
    expect(lessonCheck(creditSpreadInput()).message).toBe('not applicable: no lessons were consulted');
    const tagged = { ...creditSpreadInput(), lessons: rules(block, { strategy: 'iron_condor', tags: ['earnings'] }) };
    expect(lessonCheck(tagged).passed).toBe(false);
    const untagged = { ...creditSpreadInput(), lessons: rules(block, { strategy: 'iron_condor', tags: [] }) };
    expect(lessonCheck(untagged).passed).toBe(true);
  });

  it('a block-bearing file that did not load refuses every order until it is fixed', () => {
    const input = baseInput({ lessons: rules([], { unreadable: [{ file: '/data/lessons/mine.md', error: 'mine.md: block.dte: Invalid input' }] }) });
    expect(failedCodes(input)).toEqual(['RISK_LESSON_BLOCK']);
    expect(lessonCheck(input).message).toMatch(
      /cannot be read, so every order is refused until they are fixed: \/data\/lessons\/mine\.md \(mine\.md: block\.dte/,
    );
  });

  it('without lessons the check does not apply (engine callers that consult none)', () => {
    expect(lessonCheck(baseInput())).toMatchObject({ passed: true, message: 'not applicable: no lessons were consulted' });
    expect(lessonCheck(baseInput({ lessons: rules([]) })).message).toBe('no blocking lesson matches (0 block rules checked)');
    expect(limits().maxQuoteAgeSec).toBe(120);
  });
});
