import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LOCAL_EMBEDDER_VERSION } from '../../../src/lessons/local-embedder.js';
import { WORD_TABLE_FILE, decodeTable, encodeTable, wordTable } from '../../../src/lessons/text/word-table.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { VOCABULARY_HASH_FILE, vocabularyHash, wantedWords } from '../../../scripts/word-vector-vocabulary.js';

describe('the shipped word-vector table', () => {
  test('pinned: regenerating it (scripts/build-word-vectors.ts) changes vectors, so bump LOCAL_EMBEDDER_VERSION and this hash', () => {
    const bytes = readFileSync(resolve(PACKAGE_ROOT, WORD_TABLE_FILE));
    expect({ version: LOCAL_EMBEDDER_VERSION, sha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16) }).toEqual({
      version: '4',
      sha256: 'd669ef5f97569476',
    });
  });

  test('was built for the shipped lessons and vocabulary: a lesson edited since, with new words, needs the table rebuilt', () => {
    // The table keeps every lesson word GloVe knows; words it lacks embed as nothing in the semantic half.
    expect(vocabularyHash(wantedWords()), 'rebuild: node dist/scripts/build-word-vectors.js (see its header)').toBe(
      readFileSync(VOCABULARY_HASH_FILE, 'utf8').trim(),
    );
    const words = new Set(['order', 'fill']);
    expect(vocabularyHash(words)).toBe(vocabularyHash(new Set(['fill', 'order'])));
    expect(vocabularyHash(new Set([...words, 'latency']))).not.toBe(vocabularyHash(words));
  });

  test('holds a broad English vocabulary and the trading words, 100-d, ranked by frequency', () => {
    const t = wordTable();
    expect(t.dim).toBe(100);
    expect(t.index.size).toBeGreaterThan(40_000);
    for (const w of ['the', 'order', 'broker', 'premarket', 'condor', 'strangle', 'sandbox', 'outage', 'semiconductor']) expect(t.index.has(w), w).toBe(true);
    expect(t.ranks[t.index.get('the')!]).toBe(0);
    expect(t.ranks[t.index.get('order')!]).toBeLessThan(t.ranks[t.index.get('condor')!]!);
  });

  test('int8 rows with a per-row scale round-trip a unit vector within 1%', () => {
    const vector = Array.from({ length: 100 }, (_, i) => Math.sin(i * 1.7) * (i % 7));
    const t = decodeTable(encodeTable([{ word: 'probe', rank: 5, vector }], 100, 10));
    const norm = Math.hypot(...vector);
    const back = Array.from(t.rows.subarray(0, 100), (q) => q * t.scales[0]!);
    const cos = back.reduce((s, x, i) => s + (x * vector[i]!) / norm, 0) / Math.hypot(...back);
    expect(cos).toBeGreaterThan(0.99);
    expect(t.index.get('probe')).toBe(0);
    expect(t.sourceVocabulary).toBe(10);
    expect(() => decodeTable(Buffer.from('not a table at all'))).toThrow(/magic/);
  });
});
