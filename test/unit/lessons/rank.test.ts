import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FUSION_WEIGHTS, RRF_K, RRF_WEIGHTS, SEVERITY_BOOST, fuse, recencyBoost, snippet } from '../../../src/lessons/rank.js';
import type { Severity } from '../../../src/lessons/types.js';

const now = Date.UTC(2026, 0, 1);
const c = (id: string, severity: Severity = 'low', created = now - 10 * 365 * 86_400_000) => ({ id, severity, created });

describe('fuse (score fusion, reciprocal-rank parts, optional boosts)', () => {
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
    // x is in both lists; a and b are the top of one list each (equal weights): the id decides.
    expect(ranked.map((r) => r.candidate.id)).toEqual(['x', 'a', 'b']);
    expect(RRF_WEIGHTS).toEqual({ vector: 1, fts: 1 });
    expect(RRF_K).toBe(60);
    const top = ranked[0]!;
    expect(top.parts).toMatchObject({ vector_rank: 2, fts_rank: 2, vector_similarity: 0.8, fts_score: 5 });
    expect(top.parts.rrf).toBeCloseTo(1 / (RRF_K + 2) + 1 / (RRF_K + 2), 8);
    expect(top.parts.fused).toBeCloseTo(0.8 / 0.9 + 5 / 7, 6);
    expect(top.score).toBe(top.parts.fused);
    expect(ranked[1]!.parts).toMatchObject({ vector_rank: 1, fts_rank: null });
    expect(ranked[2]!.parts).toMatchObject({ vector_rank: null, fts_rank: 1 });
  });

  test('a full-text hit far ahead of the rest beats a lesson the vectors rank a little higher (rank fusion would not)', () => {
    const [a, b, x] = [c('a'), c('b'), c('x')];
    const ranked = fuse(
      [
        { candidate: a, similarity: 0.5 },
        { candidate: x, similarity: 0.49 },
        { candidate: b, similarity: 0.48 },
      ],
      [
        { candidate: b, score: 20 },
        { candidate: a, score: 6 },
        { candidate: x, score: 5 },
      ],
      { mode: 'hybrid', k: 3, now },
    );
    expect(FUSION_WEIGHTS).toEqual({ vector: 1, fts: 1 });
    expect(ranked.map((r) => r.candidate.id)).toEqual(['b', 'a', 'x']);
    const [top, second] = ranked;
    expect(top!.parts.fused).toBeCloseTo(0.48 / 0.5 + 1, 6);
    expect(second!.parts.fused).toBeCloseTo(1 + 6 / 20, 6);
    expect(second!.parts.rrf).toBeGreaterThan(top!.parts.rrf); // by ranks alone a (1st, 2nd) would lead b (3rd, 1st)
  });

  test("a hit's fused score does not depend on how long the lists are; similarities below zero count as zero", () => {
    const v = [
      { candidate: c('a'), similarity: 0.6 },
      { candidate: c('b'), similarity: 0.3 },
    ];
    const f = [
      { candidate: c('b'), score: 8 },
      { candidate: c('a'), score: 2 },
    ];
    const short = fuse(v, f, { mode: 'hybrid', k: 2, now });
    const tail = Array.from({ length: 30 }, (_, i) => ({ candidate: c(`t${i}`), similarity: -0.2 + i * 0.001 }));
    const long = fuse([...v, ...tail], [...f, { candidate: c('t0'), score: 0.1 }], { mode: 'hybrid', k: 2, now });
    expect(long.map((r) => [r.candidate.id, r.parts.fused])).toEqual(short.map((r) => [r.candidate.id, r.parts.fused]));
    const negative = fuse([{ candidate: c('n'), similarity: -0.4 }], [], { mode: 'vector', k: 1, now });
    expect(negative[0]!.parts.fused).toBe(0);
    const tLast = fuse([...v, ...tail], [], { mode: 'vector', k: 40, now }).find((r) => r.candidate.id === 't0')!;
    expect(tLast.parts.fused).toBe(0);
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
    expect(fresh[0]!.score).toBe(fresh[0]!.parts.fused);
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
    expect(equal.map((r) => r.candidate.id)).toEqual(['crit', 'low']); // fused 1 vs 0.995 × 1.015
    expect(equal[0]!.parts.severity_boost).toBe(SEVERITY_BOOST.critical);
    const clear = fuse(
      [],
      [
        { candidate: c('low'), score: 2 },
        { candidate: c('crit', 'critical'), score: 1.9 },
      ],
      { mode: 'fts', k: 2, now, boosts: true },
    );
    expect(clear.map((r) => r.candidate.id)).toEqual(['low', 'crit']); // 1 vs 0.95 × 1.015
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

  test('is the plain definition: the whole body normalised, split into sentences, the first with most query words', () => {
    // The definition as first written (one replace over the whole body); snippet() splits the raw body instead.
    const plain = (body: string, words: ReadonlySet<string>, max: number) => {
      const sentences = body
        .replace(/\s+/g, ' ')
        .trim()
        .split(/(?<=[.!?])\s+/);
      const hits = sentences.map((s) => (s.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => words.has(w)).length);
      const best = hits.indexOf(Math.max(...hits));
      let text = sentences[best]!;
      for (let i = best + 1; i < sentences.length && text.length <= max; i++) text += ` ${sentences[i]}`;
      if (text.length > max) text = `${text.slice(0, max - 1).replace(/\s+\S*$/, '')}…`;
      return best > 0 ? `…${text}` : text;
    };
    const piece = fc.constantFrom('Stop', 'stop', 'order', 'GAP', 'fill', '.', '!', '?', ' ', '  ', '\n', '\n\n', '\t', '\u00a0', '3', 'é', '-');
    const body = fc.array(piece, { maxLength: 80 }).map((p) => p.join(''));
    const words = fc.subarray(['stop', 'order', 'gap', 'fill', '3']).map((w) => new Set(w));
    fc.assert(
      fc.property(body, words, fc.integer({ min: 5, max: 60 }), (b, w, max) => {
        expect(snippet(b, w, max)).toBe(plain(b, w, max));
      }),
      { numRuns: 2_000 },
    );
  });
});
