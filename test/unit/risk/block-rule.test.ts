/** The block predicate (SPEC §13): its strict grammar, and every operator matched against facts. */
import { describe, expect, it } from 'vitest';
import { BLOCK_FACTS, type BlockFacts, matchBlock, parseBlockRule } from '../../../src/risk/block-rule.js';

/** Every fact null (not applicable), then the given ones. */
function facts(over: Partial<BlockFacts>): BlockFacts {
  const all = Object.fromEntries(Object.keys(BLOCK_FACTS).map((k) => [k, null])) as BlockFacts;
  return { ...all, ...over };
}

describe('parseBlockRule', () => {
  it('reads a mapping or a JSON string of one, each fact with a value, in, lt, gt or a range', () => {
    expect(parseBlockRule({ order_class: 'mleg', dte: { lt: 7 } })).toEqual({ order_class: 'mleg', dte: { lt: 7 } });
    expect(parseBlockRule('{"type": "market", "minutes_after_open": {"lt": 5}}')).toEqual({ type: 'market', minutes_after_open: { lt: 5 } });
    expect(parseBlockRule({ side: { in: ['buy', 'sell'] }, qty: { gt: 1, lt: 10 }, opening: true, tags: 'earnings' })).toBeTruthy();
    expect(parseBlockRule({ underlying: { in: ['SPY', 'BRK.B'] }, strategy: 'iron_condor', spread_pct: 2 })).toBeTruthy();
  });

  it.each([
    [{ typ: 'market' }, /unrecognized key|typ/i],
    [{ type: 'markt' }, /block\.type/],
    [{ dte: '7' }, /block\.dte/],
    [{ dte: { lt: '7' } }, /block\.dte/],
    [{ dte: { lte: 7 } }, /block\.dte/],
    [{ dte: { in: [] } }, /block\.dte/],
    [{ dte: {} }, /block\.dte/],
    [{ dte: { lt: Number.POSITIVE_INFINITY } }, /block\.dte/],
    [{ opening: 'yes' }, /block\.opening/],
    [{ symbol: 'aapl' }, /block\.symbol/],
    [{ type: { lt: 3 } }, /block\.type/],
    [{ tags: ['earnings'] }, /block\.tags/],
    [{}, /at least one condition/],
    [[], /block/],
    ['{"type": market}', /not valid JSON/],
  ])('refuses %j, naming what is wrong', (raw, problem) => {
    expect(() => parseBlockRule(raw)).toThrow(problem);
  });
});

describe('matchBlock', () => {
  it('a value is equality (symbols folded like the allow list), in is one of', () => {
    expect(matchBlock({ type: 'market' }, facts({ type: 'market' }))).toEqual({ matched: true, because: ['type = market'] });
    expect(matchBlock({ type: 'market' }, facts({ type: 'limit' })).matched).toBe(false);
    expect(matchBlock({ underlying: 'SPY' }, facts({ underlying: 'SPY' })).matched).toBe(true);
    expect(matchBlock({ side: { in: ['sell'] } }, facts({ side: 'sell' })).because).toEqual(['side sell in [sell]']);
    expect(matchBlock({ side: { in: ['sell'] } }, facts({ side: 'buy' })).matched).toBe(false);
    expect(matchBlock({ dte: { in: [0, 1] } }, facts({ dte: 1 })).matched).toBe(true);
    expect(matchBlock({ opening: true }, facts({ opening: false })).matched).toBe(false);
  });

  it('lt and gt are strict; both make a range', () => {
    expect(matchBlock({ dte: { lt: 7 } }, facts({ dte: 6 })).because).toEqual(['dte 6 < 7']);
    expect(matchBlock({ dte: { lt: 7 } }, facts({ dte: 7 })).matched).toBe(false);
    expect(matchBlock({ quote_age_sec: { gt: 60 } }, facts({ quote_age_sec: 60 })).matched).toBe(false);
    expect(matchBlock({ quote_age_sec: { gt: 60 } }, facts({ quote_age_sec: 60.1 })).matched).toBe(true);
    const range = { minutes_after_open: { gt: 0, lt: 5 } };
    expect(matchBlock(range, facts({ minutes_after_open: 2 })).because).toEqual(['minutes_after_open 2 > 0 and minutes_after_open 2 < 5']);
    expect(matchBlock(range, facts({ minutes_after_open: 5 })).matched).toBe(false);
    expect(matchBlock(range, facts({ minutes_after_open: 0 })).matched).toBe(false);
  });

  it('tags: a value means the order carries it, in means any of them', () => {
    expect(matchBlock({ tags: 'earnings' }, facts({ tags: ['earnings', 'momentum'] })).because).toEqual(['tags carry earnings']);
    expect(matchBlock({ tags: 'earnings' }, facts({ tags: [] })).matched).toBe(false);
    expect(matchBlock({ tags: { in: ['fomc', 'earnings'] } }, facts({ tags: ['earnings'] })).matched).toBe(true);
  });

  it('every condition must hold (AND); a fact that does not apply (null) matches nothing', () => {
    const rule = { order_class: 'mleg', dte: { lt: 7 } } as const;
    expect(matchBlock(rule, facts({ order_class: 'mleg', dte: 3 })).because).toEqual(['order_class = mleg', 'dte 3 < 7']);
    expect(matchBlock(rule, facts({ order_class: 'mleg', dte: 30 })).matched).toBe(false);
    expect(matchBlock(rule, facts({ order_class: 'simple', dte: 3 })).matched).toBe(false);
    expect(matchBlock({ dte: { lt: 7 } }, facts({ dte: null })).matched).toBe(false);
    expect(matchBlock({ minutes_after_open: { lt: 5 } }, facts({})).matched).toBe(false);
  });
});
