import { describe, expect, it } from 'vitest';
import { easternDate, easternOffsetHours } from '../../../src/broker/calendar.js';

const direct = (ms: number) => new Date(ms + easternOffsetHours(ms) * 3_600_000).toISOString().slice(0, 10);

describe('easternDate by UTC hour (cached)', () => {
  it('agrees with the direct computation at every minute and on both sides of each hour across DST changes', () => {
    const from = Date.parse('2025-03-01T00:00:00Z');
    const to = Date.parse('2025-11-10T00:00:00Z');
    for (let ms = from; ms < to; ms += 7 * 60_000) expect(easternDate(ms)).toBe(direct(ms));
    for (const day of ['2025-03-09', '2025-11-02', '2026-03-08', '2026-11-01', '2026-12-31', '2027-01-01']) {
      const base = Date.parse(`${day}T00:00:00Z`);
      for (let h = -2; h < 30; h++) {
        for (const ms of [base + h * 3_600_000 - 1, base + h * 3_600_000, base + h * 3_600_000 + 1]) {
          expect(easternDate(ms)).toBe(direct(ms));
          expect(easternDate(new Date(ms))).toBe(direct(ms));
        }
      }
    }
  });
});
