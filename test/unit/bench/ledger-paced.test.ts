/** The paced (open-loop) mode of bench ledger times each op from its scheduled start (issue 18). */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { paced } from '../../../bench/ledger.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bench ledger paced', () => {
  it('an op that starts late because the one before ran long counts its wait (no coordinated omission)', async () => {
    // period 10 ms, the first op takes 60 ms: ops 2–5 were due at +10…+40 ms and start behind it
    const samples = await paced((i) => sleep(i === 0 ? 60 : 1), 5, 10, performance.now());
    expect(samples[0]).toBeGreaterThanOrEqual(55);
    expect(samples[1]).toBeGreaterThanOrEqual(45); // measured from its own start it would be ~1 ms
    expect(samples[4]).toBeGreaterThanOrEqual(15);
  });

  it('keeps the schedule when ops are fast: one op per period', async () => {
    const t0 = performance.now();
    const samples = await paced(() => Promise.resolve(), 4, 15, t0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    expect(Math.max(...samples)).toBeLessThan(15);
  });
});
