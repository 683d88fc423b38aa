/** bench --compare: each numeric figure of the benches that ran, against the previous results file. */
import { describe, expect, it } from 'vitest';
import { compareLines, parseArgs } from '../../../bench/compare.js';

describe('bench --compare', () => {
  it('splits --compare <file> from the bench names', () => {
    expect(parseArgs(['--compare', 'bench/results.json', 'startup'])).toEqual({ only: ['startup'], compare: 'bench/results.json' });
    expect(parseArgs(['technicals', '--compare=old.json'])).toEqual({ only: ['technicals'], compare: 'old.json' });
    expect(parseArgs([])).toEqual({ only: [], compare: null });
    expect(() => parseArgs(['--compare'])).toThrow(/needs a results file/);
  });

  it('prints before → after with the change, new and vanished figures, only for the benches that ran', () => {
    const before = { startup: { a: { p50: 2 }, gone: 1, note: 'x' }, technicals: { ms: 100 } };
    const after = { startup: { a: { p50: 1.5 }, fresh: 3, note: 'y' }, technicals: { ms: 50 } };
    expect(compareLines(before, after, ['startup'])).toEqual(['startup.a.p50: 2 → 1.5 (-25.0%)', 'startup.fresh: (new) 3', 'startup.gone: 1 → (gone)']);
  });
});
