import { describe, expect, test } from 'vitest';
import { LOCAL_EMBEDDER_DIM, LOCAL_EMBEDDER_NAME, embedLocal } from '../../../src/lessons/local-embedder.js';

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('offline embedder (word vectors + hashed features)', () => {
  test('deterministic, unit length, fixed dimension; a text with no content word is the zero vector', () => {
    const [a, b, empty] = embedLocal(['Iron condor short strike tested', 'Iron condor short strike tested', 'the of and']);
    expect(LOCAL_EMBEDDER_NAME).toBe('local-words');
    expect(a).toHaveLength(LOCAL_EMBEDDER_DIM);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(cos(a!, a!)).toBeCloseTo(1, 5);
    expect(empty!.every((x) => x === 0)).toBe(true);
  });

  test('pinned output: a change of features, weights, analysis or table must bump LOCAL_EMBEDDER_VERSION', () => {
    const [v] = embedLocal(['market order at the open']);
    const fingerprint = Array.from(v!).reduce((h, x, i) => h + Math.round(x * 1e4) * (i + 1), 0);
    expect(fingerprint).toMatchInlineSnapshot(`2648457`);
  });

  test('meaning without shared words: the word vectors, tickers and sessions bring related texts closer', () => {
    const cases: Array<[string, string, string]> = [
      ['holding several semiconductor stocks', 'long three chip makers at once', 'the api key leaked in a log file'],
      ['already long XOM, CVX and OXY', 'concentrated in oil and energy stocks', 'options assignment before the dividend'],
      ['doubling a losing position to lower my cost basis', 'averaging down into a loser', 'prompt injection in a news headline'],
      ['the exchange halted the stock', 'trading was suspended pending news', 'iron condor short strike'],
      ['my secret token is visible in the output', 'leaked credentials in a log file', 'stop loss gapped overnight'],
      ['it is 7:30 am and I want to buy', 'orders placed before the open in extended hours', 'a partial fill left an orphan stop'],
    ];
    for (const [query, related, unrelated] of cases) {
      const [q, r, u] = embedLocal([query, related, unrelated]);
      expect(cos(q!, r!), query).toBeGreaterThan(cos(q!, u!) + 0.1);
    }
  });

  test('spelling variants stay close (character n-grams), and a timeout is not a multiple', () => {
    const [typo, right] = embedLocal(['iron condors', 'iron condor']);
    expect(cos(typo!, right!)).toBeGreaterThan(0.7);
    const [query, duplicate, gap] = embedLocal([
      'my order timed out, should I resend it',
      'duplicate order after a timeout and a retry',
      'the gap was three times the expected move',
    ]);
    expect(cos(query!, duplicate!)).toBeGreaterThan(cos(query!, gap!) + 0.2);
  });
});
