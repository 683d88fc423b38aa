/**
 * Lessons for an order: the matcher (symbol, strategy, tags, order kind, title words; drafts
 * never), the strategy and tags read defensively, and the shipped blocking lessons refusing what
 * they say they refuse — and nothing else — through the real risk engine.
 */
import { describe, expect, it } from 'vitest';
import { loadCorpus, parseLessonFile } from '../../../src/lessons/corpus.js';
import { lessonRulesOf, matchLessons, orderAnnotations, orderTopics, type OrderLike } from '../../../src/lessons/for-order.js';
import { LessonLibrary } from '../../../src/lessons/library.js';
import { createLogger } from '../../../src/log.js';
import { OrderInputSchema } from '../../../src/orders/order.js';
import { LESSONS_DIR } from '../../../src/paths.js';
import { evaluateRisk, type RiskInput } from '../../../src/risk/engine.js';
import { optionInput } from '../risk/check-context.js';
import { baseInput, clock, creditSpreadInput, isoBefore, order, position, quote } from '../risk/fixtures.js';
import { lessonText } from './helpers.js';

const AT_1100 = new Date('2026-03-10T15:00:00Z'); // 11:00 New York
let n = 0;
/** A lesson whose title says nothing about its topic (title words are a signal of their own). */
const lesson = (id: string, front: Record<string, string>) => parseLessonFile(`${id}.md`, lessonText(id, { title: `"Lesson number ${++n}"`, ...front }));
const market: OrderLike = { symbol: 'TSLA', side: 'buy', type: 'market' };

describe('orderAnnotations', () => {
  it('reads strategy and tags when present and well-formed, ignores anything else', () => {
    expect(orderAnnotations({ strategy: 'iron_condor', tags: ['earnings', 'Earnings', 'bad tag', 3] })).toEqual({
      strategy: 'iron_condor',
      tags: ['earnings'],
    });
    expect(orderAnnotations({ strategy: 42, tags: 'earnings' })).toEqual({ strategy: null, tags: [] });
    expect(orderAnnotations(undefined)).toEqual({ strategy: null, tags: [] });
  });
});

describe('matchLessons', () => {
  const lessons = [
    lesson('about-tsla', { symbols: '[TSLA]', tags: '[risk]' }),
    lesson('about-condors', { strategies: '[iron_condor]', tags: '[options]' }),
    lesson('about-earnings', { tags: '[earnings]' }),
    lesson('about-slippage', { tags: '[slippage, order-type]', severity: 'critical' }),
    lesson('about-options', { tags: '[options]' }),
    lesson('draft-tsla', { symbols: '[TSLA]', draft: 'true', links: '{round_trip_id: rt, audit_id: null, client_order_id: null}' }),
  ];

  it('a symbol match ranks first, then the order kind; drafts are never shown', () => {
    const got = matchLessons(lessons, orderTopics(market, AT_1100), 5);
    expect(got.map((m) => m.lesson.id)).toEqual(['about-tsla', 'about-slippage']);
    expect(got[0]!.why).toEqual(['symbol TSLA']);
    expect(got[1]!.why).toEqual(['order kind order-type, slippage']);
  });

  it("the order's strategy and tags (outside order_hash) match lessons about them", () => {
    const condor = {
      side: 'buy',
      type: 'limit',
      order_class: 'mleg',
      legs: [
        { symbol: 'SPY260417P00500000', side: 'sell', position_intent: 'sell_to_open' },
        { symbol: 'SPY260417P00495000', side: 'buy', position_intent: 'buy_to_open' },
      ],
      strategy: 'iron_condor',
      tags: ['earnings'],
    } as OrderLike;
    const got = matchLessons(lessons, orderTopics(condor, AT_1100), 5);
    expect(got.map((m) => m.lesson.id)).toEqual(['about-condors', 'about-earnings']);
    expect(got[0]!.why).toContain('strategy iron_condor');
    expect(got[1]!.why).toEqual(['tags earnings']);
  });

  it('one implied tag alone is not enough (MIN_SCORE), and n bounds the list', () => {
    const call: OrderLike = { symbol: 'SPY260417C00500000', side: 'buy', type: 'limit' };
    expect(matchLessons(lessons, orderTopics(call, AT_1100)).map((m) => m.lesson.id)).toEqual([]);
    expect(matchLessons(lessons, orderTopics(market, AT_1100), 1)).toHaveLength(1);
  });

  it('the kind of order implies topics: options, spreads, short options near expiry, the open', () => {
    const t = orderTopics({ symbol: 'SPY260312P00500000', side: 'sell', type: 'market' }, new Date('2026-03-10T13:35:00Z'));
    // two days to expiry, 9:35 New York, sold to open at market
    expect([...t.implied].sort()).toEqual([
      'assignment',
      'expiration',
      'gamma',
      'market-open',
      'options',
      'order-type',
      'pin-risk',
      'slippage',
      'undefined-risk',
    ]);
    expect(orderTopics({ symbol: 'SPY260310C00500000', side: 'buy', type: 'limit' }, new Date('2026-03-10T15:00:00Z')).implied).toContain('0dte');
    expect([...t.symbols]).toEqual(['SPY']);
  });

  it('on the shipped corpus: a market buy near the open is shown the open lessons; a condor the condor lessons', () => {
    const { lessons: shipped } = loadCorpus(LESSONS_DIR);
    const atOpen = matchLessons(shipped, orderTopics({ symbol: 'AAPL', side: 'buy', type: 'market' }, new Date('2026-03-10T13:33:00Z')));
    expect(atOpen.map((m) => m.lesson.id)).toEqual(expect.arrayContaining(['block-market-order-first-minutes', 'exec-market-order-at-open']));
    const condor = matchLessons(
      shipped,
      orderTopics(
        {
          side: 'buy',
          type: 'limit',
          order_class: 'mleg',
          legs: [{ symbol: 'SPY260417P00500000', side: 'sell', position_intent: 'sell_to_open' }],
          strategy: 'iron_condor',
        } as OrderLike,
        AT_1100,
      ),
    );
    expect(condor.map((m) => m.lesson.id)).toEqual(expect.arrayContaining(['opt-iron-condor-tested-short-strike']));
  });
});

describe('the shipped blocking lessons', () => {
  const library = new LessonLibrary(
    LESSONS_DIR,
    '/nonexistent/lessons',
    createLogger('error', {}, () => undefined),
  );
  const withLessons = (input: RiskInput, raw: unknown = {}) => ({ ...input, lessons: lessonRulesOf(library.snapshot(), raw) });
  const blockedBy = (input: RiskInput) =>
    evaluateRisk(input)
      .checks.find((c) => c.name === 'lesson_block')!
      .actual?.toString() ?? null;

  it('there are at least three, each parsed strictly', () => {
    const blocks = lessonRulesOf(library.snapshot(), {}).blocks;
    expect(blocks.map((b) => b.id).sort()).toEqual(['block-market-order-first-minutes', 'block-naked-short-options', 'block-new-position-stale-quote']);
    expect(library.snapshot().errors).toEqual([]);
  });

  it('a market buy two minutes after the open is refused; at 11:00, or as a limit, or selling what is held, it is not', () => {
    const at = '2026-03-10T13:32:00.000Z';
    const q = { AAPL: quote('AAPL', 99.99, 100.01, isoBefore(at, 1)) };
    const early = baseInput({ order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' }), clock: clock(at), now: new Date(at), quotes: q });
    expect(blockedBy(withLessons(early))).toBe('block-market-order-first-minutes');
    const later = {
      clock: clock(),
      now: new Date('2026-03-10T15:00:00Z'),
      quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore('2026-03-10T15:00:00Z', 1)) },
    };
    expect(blockedBy(withLessons({ ...early, ...later }))).toBeNull();
    expect(blockedBy(withLessons({ ...early, order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limit_price: 100 }) }))).toBeNull();
    const exit = { ...early, order: order({ symbol: 'AAPL', side: 'sell', qty: 1, type: 'market' }), positions: [position('AAPL', 1)] };
    expect(blockedBy(withLessons(exit))).toBeNull();
  });

  it('a new position on a quote 61 s old is refused (the profile allows 120 s); 59 s passes; an exit on it passes', () => {
    const stale = (age: number, over: Partial<RiskInput> = {}) =>
      withLessons(baseInput({ quotes: { AAPL: quote('AAPL', 99.99, 100.01, isoBefore('2026-03-10T15:00:00.000Z', age)) }, ...over }));
    expect(blockedBy(stale(61))).toBe('block-new-position-stale-quote');
    expect(blockedBy(stale(59))).toBeNull();
    expect(
      blockedBy(stale(61, { order: order({ symbol: 'AAPL', side: 'sell', qty: 10, type: 'limit', limit_price: 100 }), positions: [position('AAPL', 10)] })),
    ).toBeNull();
  });

  it('a naked short call is refused; a credit spread, a covered call and a long call are not', () => {
    expect(blockedBy(withLessons(baseInput(optionInput({ side: 'sell', qty: 1 }))))).toBe('block-naked-short-options');
    expect(blockedBy(withLessons(creditSpreadInput()))).toBeNull();
    expect(blockedBy(withLessons(baseInput({ ...optionInput({ side: 'sell', qty: 1 }), positions: [position('SPY', 100)] })))).toBeNull();
    expect(blockedBy(withLessons(baseInput(optionInput())))).toBeNull();
  });

  it('a plain limit buy during the session passes every check with the shipped lessons', () => {
    const v = evaluateRisk(withLessons(baseInput(), OrderInputSchema.parse({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 })));
    expect(v.passed).toBe(true);
    expect(v.checks.find((c) => c.name === 'lesson_block')!.message).toBe('no blocking lesson matches (3 block rules checked)');
  });
});
