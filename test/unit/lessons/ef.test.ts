/** HNSW search breadth (store.ts efFor): a vector-only search of a large table goes wider, for its recall@10. */
import { describe, expect, test } from 'vitest';
import { efFor } from '../../../src/lessons/store.js';

describe('efFor', () => {
  test('vector-only searches of 50k rows and more go wider; hybrid and smaller tables keep their breadth', () => {
    expect(efFor(10_000)).toBe(200);
    expect(efFor(10_000, true)).toBe(200);
    expect(efFor(100_000)).toBe(300);
    expect(efFor(100_000, true)).toBe(800);
  });
});
