import { describe, expect, test } from 'vitest';
import { LOCAL_EMBEDDER_DIM, analyse, embedLocal, stem } from '../../../src/lessons/local-embedder.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('offline embedder', () => {
  test('deterministic, unit length, fixed dimension; empty text is the zero vector', () => {
    const [a, b, empty] = embedLocal(['Iron condor short strike tested', 'Iron condor short strike tested', '']);
    expect(a).toHaveLength(LOCAL_EMBEDDER_DIM);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(cos(a!, a!)).toBeCloseTo(1, 5);
    expect(empty!.every((x) => x === 0)).toBe(true);
  });

  test('pinned output: a change of features or hashing must bump LOCAL_EMBEDDER_VERSION', () => {
    const [v] = embedLocal(['market order at the open']);
    const fingerprint = Array.from(v!.slice(0, 384)).reduce((h, x, i) => h + Math.round(x * 1e4) * (i + 1), 0);
    expect(fingerprint).toMatchInlineSnapshot(`1906478`);
  });

  test('related wording is closer than unrelated wording (stems, concepts, character n-grams)', () => {
    const [query, related, unrelated] = embedLocal([
      'bought calls before the earnings report and IV collapsed',
      'Long options lost value after the quarterly results: implied volatility crush',
      'API key leaked in the log file',
    ]);
    expect(cos(query!, related!)).toBeGreaterThan(cos(query!, unrelated!) + 0.05);
    const [typo, right] = embedLocal(['iron condors', 'iron condor']);
    expect(cos(typo!, right!)).toBeGreaterThan(0.8);
  });

  test('stemming and concept tokens', () => {
    expect(stem('assigned')).toBe(stem('assignment'));
    expect(stem('earnings')).toBe(stem('earning'));
    expect(stem('news')).toBe('news');
    expect(analyse('IV crush after earnings').concepts).toEqual(expect.arrayContaining(['volatility', 'crush', 'earnings']));
    expect(analyse('the prompt injection in a headline').concepts).toEqual(expect.arrayContaining(['injection', 'news']));
  });
});
