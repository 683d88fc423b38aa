/**
 * HNSW search breadth (store.ts efFor): its invariants, whatever the constants are tuned to — a
 * larger table never gets a narrower search, and a vector-only search (no full-text list to find
 * what the graph misses) is never narrower than a hybrid one of the same table.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { efFor, efOf, refineFactorFor } from '../../../src/lessons/store.js';

describe('efFor', () => {
  test('never shrinks as the table grows; vector-only is at least as wide as hybrid', () => {
    fc.assert(
      fc.property(fc.nat(10_000_000), fc.nat(10_000_000), fc.boolean(), (a, b, vectorOnly) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        expect(efFor(large, vectorOnly)).toBeGreaterThanOrEqual(efFor(small, vectorOnly));
        expect(efFor(a, true)).toBeGreaterThanOrEqual(efFor(a, false));
        expect(Number.isInteger(efFor(a, vectorOnly)) && efFor(a, vectorOnly) > 0).toBe(true);
      }),
    );
  });

  test('an indexed table is searched wider when vector-only, at 10k as at 100k (recall@10, bench/lessons.ts)', () => {
    expect(efFor(100_000, true)).toBeGreaterThan(efFor(100_000, false));
    expect(efFor(10_000, true)).toBeGreaterThan(efFor(10_000, false));
  });

  test('a query is never narrower than the candidates it asks the index for (LanceDB refuses ef < limit × refine factor)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 150 }), fc.boolean(), fc.boolean(), (rows, limit, refine, vectorOnly) => {
        const ef = efOf(rows, limit, { vectorOnly, refine });
        expect(ef).toBeGreaterThanOrEqual(limit * (refine ? refineFactorFor(rows) : 1));
        expect(ef).toBeGreaterThanOrEqual(efFor(rows, vectorOnly));
      }),
    );
  });
});
