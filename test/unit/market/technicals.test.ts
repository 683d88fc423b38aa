/**
 * analyzeTechnicals in-process. The broker is the real sim broker where its data will do; where the
 * test needs a pathological feed (NaN, zero, flat, duplicated bars) that no real broker would print on
 * demand, the deps carry a scripted bar source in the broker slot (the code under test is unchanged).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import type { Bar, BarsRequest, Broker } from '../../../src/broker/types.js';
import type { Deps } from '../../../src/deps.js';
import { ToolError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { analyzeTechnicals } from '../../../src/market/technicals.js';
import { TechnicalsOutputSchema, type TechnicalsInput } from '../../../src/market/technicals-schema.js';
import { walk } from './reference.js';
import { rejection as toolError } from '../../support/errors.js';

const open: Deps[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function makeDeps(env: Record<string, string> = {}): Deps {
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-tech-'));
  const deps = bootstrap(
    { 'data-dir': dataDir, broker: 'sim' },
    { PATH: process.env.PATH ?? '', TRADING_MCP_SIM_CLOCK: '2026-03-13T20:30:00Z', ...env },
    createLogger('error', {}, () => undefined),
  );
  open.push(deps);
  return deps;
}

/** Deps whose broker answers getBars with the given bars, and counts the requests. */
function scripted(bars: Bar[]): { deps: Deps; requests: BarsRequest[] } {
  const deps = makeDeps();
  const requests: BarsRequest[] = [];
  const source = {
    name: 'sim',
    mode: 'sim',
    getBars: async (req: BarsRequest) => (requests.push(req), bars.slice(-(req.limit ?? bars.length))),
  } as unknown as Broker;
  void deps.service('broker', async () => source);
  return { deps, requests };
}

function toBars(w: ReturnType<typeof walk>): Bar[] {
  return w.c.map((c, i) => ({ t: w.t[i]!, o: w.o[i]!, h: w.h[i]!, l: w.l[i]!, c, v: w.v[i]! }));
}

const base: TechnicalsInput = { symbol: 'TEST', timeframe: '1Day', lookback: 120 };

describe('analyzeTechnicals', () => {
  it('on the sim broker: every indicator, finite, schema-valid, window and warm-up as asked', async () => {
    const deps = makeDeps();
    const out = await analyzeTechnicals(deps, { symbol: 'AAPL', timeframe: '1Day', lookback: 60 });
    const r = TechnicalsOutputSchema.parse(out.structured);
    expect(r.window.bars).toBe(60);
    expect(r.window.warmupBars).toBe(271);
    expect(r.unavailable).toEqual([]);
    expect(Object.keys(r.latest).sort()).toEqual(['adx', 'atr', 'bbands', 'close', 'ema', 'hv', 'macd', 'obv', 'rsi', 'sma', 'stoch', 'vwap']);
    expect(Object.keys(r.latest.sma!)).toEqual(['20', '50', '200']);
    expect(r.latest.hv!.rankWindow).toBe(252);
    expect(r.tail.t).toHaveLength(10);
    expect(r.tail.series.close![9]).toBe(r.latest.close);
    expect(r.signals.map((s) => s.id)).toEqual(
      expect.arrayContaining(['trend', 'rsi', 'macd', 'bbands', 'adx', 'atr_stop', 'vwap', 'obv', 'hv_rank', 'stoch']),
    );
    expect(out.text).toContain('AAPL 1Day · 60 bars');
    expect(out.images).toBeUndefined();
  });

  it('drops NaN and zero bars, reports them, and emits only finite numbers', async () => {
    const bars = toBars(walk(400, 11));
    bars[200] = { ...bars[200]!, c: Number.NaN };
    bars[300] = { ...bars[300]!, l: 0 };
    bars.splice(250, 0, { ...bars[250]! }); // a duplicated print
    const { deps } = scripted(bars);
    const r = TechnicalsOutputSchema.parse((await analyzeTechnicals(deps, base)).structured);
    expect(r.dataQuality).toMatchObject({ droppedCount: 2, duplicates: 1 });
    expect(r.dataQuality.dropped.map((d) => d.t)).toEqual([bars[200]!.t, bars[301]!.t]);
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
  });

  it('a series too short for SMA200: computed what it can, lists the rest; the HV rank uses the history there is', async () => {
    const { deps, requests } = scripted(toBars(walk(80, 5)));
    const r = TechnicalsOutputSchema.parse((await analyzeTechnicals(deps, base)).structured);
    expect(requests).toEqual([{ symbol: 'TEST', timeframe: '1Day', limit: 120 + 271 }]);
    expect(r.window.bars).toBe(80);
    expect(r.unavailable.map((u) => u.series).sort()).toEqual(['ema200', 'sma200']);
    expect(r.unavailable.find((u) => u.series === 'sma200')).toMatchObject({
      needsBars: 200,
      haveBars: 80,
      reason: 'sma200 needs 200 bars; TEST has 80 usable 1Day bars',
    });
    expect(r.latest.sma).toEqual({ 20: expect.any(Number), 50: expect.any(Number) });
    expect(r.latest.hv!.rankWindow).toBe(80 - 20);
    expect(r.signals.find((s) => s.id === 'hv_rank')!.rule).toContain('in its last 60 bars');
    expect(r.signals.find((s) => s.id === 'trend')).toBeUndefined();
  });

  it('asking explicitly for an indicator the series cannot support is INVALID_INPUT', async () => {
    const { deps } = scripted(toBars(walk(20, 5)));
    const err = await toolError(analyzeTechnicals(deps, { ...base, indicators: ['rsi', 'macd'] }));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.details).toMatchObject({ reason: 'series_too_short', haveBars: 20, indicators: [{ indicator: 'macd', needsBars: 34 }] });
  });

  it('no bars at all is INVALID_INPUT', async () => {
    const { deps } = scripted([]);
    expect((await toolError(analyzeTechnicals(deps, base))).details.reason).toBe('no_bars');
  });

  it('narrative without a gateway key: GATEWAY_NOT_CONFIGURED before any bar is fetched', async () => {
    const { deps, requests } = scripted(toBars(walk(400)));
    const err = await toolError(analyzeTechnicals(deps, { ...base, narrative: true }));
    expect(err.code).toBe('GATEWAY_NOT_CONFIGURED');
    expect(err.message).toContain('narrative: false');
    expect(requests).toHaveLength(0);
  });

  it('flat prices: undefined indicators are explained, never NaN', async () => {
    const flat = Array.from({ length: 300 }, (_, i) => ({
      t: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString(),
      o: 50,
      h: 50,
      l: 50,
      c: 50,
      v: 0,
    }));
    const { deps } = scripted(flat);
    const r = TechnicalsOutputSchema.parse((await analyzeTechnicals(deps, base)).structured);
    expect(JSON.stringify(r)).not.toMatch(/NaN|Infinity/);
    expect(r.latest.bbands!.percentB).toBeNull();
    expect(r.unavailable.find((u) => u.series === 'vwap')?.reason).toContain('undefined on this series');
  });

  it('property: any positive OHLCV series yields schema-valid, finite output', async () => {
    const barArb = fc.record({
      base: fc.double({ min: 0.01, max: 5000, noNaN: true }),
      up: fc.double({ min: 0, max: 0.2, noNaN: true }),
      down: fc.double({ min: 0, max: 0.2, noNaN: true }),
      close: fc.double({ min: 0, max: 1, noNaN: true }),
      v: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1e9 })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(barArb, { minLength: 2, maxLength: 320 }), async (raw) => {
        const bars: Bar[] = raw.map((b, i) => {
          const h = b.base * (1 + b.up);
          const l = b.base * (1 - b.down * 0.9);
          return { t: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString(), o: b.base, h, l, c: l + (h - l) * b.close, v: b.v };
        });
        const { deps } = scripted(bars);
        try {
          const out = await analyzeTechnicals(deps, { ...base, lookback: 30 });
          TechnicalsOutputSchema.parse(out.structured);
          expect(JSON.stringify(out.structured)).not.toMatch(/NaN|Infinity/);
        } catch (err) {
          // The only acceptable refusal: a documented INVALID_INPUT.
          if (!(err instanceof ToolError) || err.code !== 'INVALID_INPUT') throw err;
        } finally {
          await deps.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
