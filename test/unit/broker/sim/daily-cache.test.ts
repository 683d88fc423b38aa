import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimMarket } from '../../../../src/broker/sim/market.js';

describe("the sim's daily bars", () => {
  it('a repeat read (whole sessions remembered) equals a fresh market walking every minute, and the current session stays live', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tars-sim-daily-'));
    const req = { symbol: 'SPY', timeframe: '1Day' as const, limit: 260 };
    const now = new Date('2026-11-17T16:00:00Z');
    const warm = new SimMarket(dir, 7);
    const first = warm.bars(req, now);
    const again = warm.bars(req, now);
    expect(again).toEqual(first);
    expect(again).toEqual(new SimMarket(dir, 7).bars(req, now));
    // later the same day: finished sessions unchanged, today's bar has moved on
    const later = warm.bars(req, new Date('2026-11-17T19:00:00Z'));
    expect(later.slice(0, -1)).toEqual(first.slice(0, -1));
    expect(later.at(-1)).toEqual(new SimMarket(dir, 7).bars(req, new Date('2026-11-17T19:00:00Z')).at(-1));
    expect(later.at(-1)!.v).toBeGreaterThan(first.at(-1)!.v);
  });
});
