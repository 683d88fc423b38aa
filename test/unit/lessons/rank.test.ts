import { describe, expect, test } from 'vitest';
import { RRF_K, RRF_WEIGHTS, SEVERITY_BOOST, fuse, recencyBoost, snippet } from '../../../src/lessons/rank.js';
import type { Severity } from '../../../src/lessons/types.js';

const now = Date.UTC(2026, 0, 1);
const c = (id: string, severity: Severity = 'low', created = now - 10 * 365 * 86_400_000) => ({ id, severity, created });

describe('fuse (reciprocal rank fusion, optional boosts)', () => {
  test('a lesson ranked by both lists beats lessons ranked by one, and its parts add up', () => {
    const [a, b, x] = [c('a'), c('b'), c('x')];
    const ranked = fuse(
      [
        { candidate: a, similarity: 0.9 },
        { candidate: x, similarity: 0.8 },
      ],
      [
        { candidate: b, score: 7 },
        { candidate: x, score: 5 },
      ],
      { mode: 'hybrid', k: 3, now, boosts: false },
    );
    // x is in both lists; a and b tie at rank 1 of one list each (equal weights): the id decides.
    expect(ranked.map((r) => r.candidate.id)).toEqual(['x', 'a', 'b']);
    expect(RRF_WEIGHTS).toEqual({ vector: 1, fts: 1 });
    expect(RRF_K).toBe(60);
    const top = ranked[0]!;
    expect(top.parts).toMatchObject({ vector_rank: 2, fts_rank: 2, vector_similarity: 0.8, fts_score: 5 });
    expect(top.parts.rrf).toBeCloseTo(1 / (RRF_K + 2) + 1 / (RRF_K + 2), 8);
    expect(ranked[1]!.parts).toMatchObject({ vector_rank: 1, fts_rank: null });
    expect(ranked[2]!.parts).toMatchObject({ vector_rank: null, fts_rank: 1 });
  });

  test('single-list modes ignore the other list; k truncates', () => {
    const v = [
      { candidate: c('v1'), similarity: 0.5 },
      { candidate: c('v2'), similarity: 0.4 },
    ];
    const f = [{ candidate: c('f1'), score: 3 }];
    expect(fuse(v, f, { mode: 'vector', k: 5, now }).map((r) => r.candidate.id)).toEqual(['v1', 'v2']);
    expect(fuse(v, f, { mode: 'fts', k: 5, now }).map((r) => r.candidate.id)).toEqual(['f1']);
    expect(fuse(v, f, { mode: 'hybrid', k: 1, now })).toHaveLength(1);
  });

  test('boosts are off unless asked for; an exact tie still goes to the more severe lesson', () => {
    const tie = fuse([{ candidate: c('low'), similarity: 1 }], [{ candidate: c('crit', 'critical'), score: 1 }], { mode: 'hybrid', k: 2, now });
    expect(tie.map((r) => r.candidate.id)).toEqual(['crit', 'low']);
    expect(tie.map((r) => [r.parts.severity_boost, r.parts.recency_boost])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    const fresh = fuse([], [{ candidate: c('new', 'low', now), score: 1 }], { mode: 'fts', k: 1, now });
    expect(fresh[0]!.score).toBe(fresh[0]!.parts.rrf);
  });

  test('with boosts: severity decides between (nearly) equally relevant lessons but does not jump a clearly better one', () => {
    const equal = fuse(
      [],
      [
        { candidate: c('low'), score: 2 },
        { candidate: c('crit', 'critical'), score: 1.99 },
      ],
      { mode: 'fts', k: 2, now, boosts: true },
    );
    expect(equal.map((r) => r.candidate.id)).toEqual(['low', 'crit']); // 1/61 vs 1.015/62: rank 1 still wins
    expect(equal[1]!.parts.severity_boost).toBe(SEVERITY_BOOST.critical);
    const far = fuse(
      [],
      Array.from({ length: 5 }, (_, i) => ({ candidate: c(`l${i}`, i === 4 ? 'critical' : 'low'), score: 5 - i })),
      { mode: 'fts', k: 5, now, boosts: true },
    );
    expect(far[0]!.candidate.id).toBe('l0');
  });

  test('recency boost: fresh lessons up to +1%, halving every 180 days', () => {
    expect(recencyBoost(now, now)).toBeCloseTo(1.01, 6);
    expect(recencyBoost(now - 180 * 86_400_000, now)).toBeCloseTo(1.005, 6);
    expect(recencyBoost(now + 1e9, now)).toBeCloseTo(1.01, 6); // a future timestamp is not rewarded further
  });
});

describe('snippet', () => {
  test('picks the sentence with most query words and cuts long text on a word boundary', () => {
    const body = 'First sentence about nothing. The short call was assigned before the dividend. Another line.';
    expect(snippet(body, new Set(['assigned', 'dividend']))).toBe('…The short call was assigned before the dividend. Another line.');
    const long = snippet(`Intro. ${'word '.repeat(200)}`, new Set(['word']), 50);
    expect(long.length).toBeLessThanOrEqual(51);
    expect(long.endsWith('…')).toBe(true);
  });
});
