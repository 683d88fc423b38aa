/**
 * The durable risk state: the halt survives a reopen, the day's starting equity is set once per
 * trading day even when several processes race for it, and recorded orders are never lost.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRiskState } from '../../../src/risk/state.js';
import { PACKAGE_ROOT } from '../../../src/paths.js';

const fresh = () => join(mkdtempSync(join(tmpdir(), 'risk-state-')), 'risk.sqlite');

describe('risk state', () => {
  it('halts, keeps the first reason on a second halt, resumes, and records the changes (not the repeat; resume without a reason of its own)', async () => {
    const state = await openRiskState(fresh());
    expect(await state.isHalted()).toEqual({ halted: false, reason: null, at: null, by: null });
    const first = await state.halt('news pending', 'cli', new Date('2026-03-10T15:00:00Z'));
    expect(first).toMatchObject({ halted: true, alreadyHalted: false, reason: 'news pending', by: 'cli', at: '2026-03-10T15:00:00.000Z' });
    const second = await state.halt('another', 'halt_trading tool');
    expect(second).toMatchObject({ alreadyHalted: true, reason: 'news pending', by: 'cli' });
    const resumed = await state.resume('cli');
    expect(resumed.wasHalted).toBe(true);
    expect(resumed.previous.reason).toBe('news pending');
    expect((await state.isHalted()).halted).toBe(false);
    expect((await state.resume('cli')).wasHalted).toBe(false);
    const history = await state.haltHistory();
    expect(history.map((e) => [e.action, e.reason])).toEqual([
      ['resume', null],
      ['halt', 'news pending'],
    ]);
    state.close();
  });

  it('the halt survives closing and reopening the database', async () => {
    const path = fresh();
    const a = await openRiskState(path);
    await a.halt('daily loss', 'risk-engine');
    a.close();
    const b = await openRiskState(path);
    expect(await b.isHalted()).toMatchObject({ halted: true, reason: 'daily loss', by: 'risk-engine' });
    b.close();
  });

  it("records the day's starting equity once and keeps it", async () => {
    const state = await openRiskState(fresh());
    expect(await state.startOfDayEquity('paper:a', '2026-03-10', null)).toBeNull();
    expect(await state.startOfDayEquity('paper:a', '2026-03-10', 100_000)).toBe(100_000);
    expect(await state.startOfDayEquity('paper:a', '2026-03-10', 90_000)).toBe(100_000);
    expect(await state.startOfDayEquity('paper:a', '2026-03-11', 90_000)).toBe(90_000);
    expect((await state.dayEquities()).map((d) => d.tradingDay)).toEqual(['2026-03-11', '2026-03-10']);
    state.close();
  });

  it('returns recent orders by time window', async () => {
    const state = await openRiskState(fresh());
    const base = Date.parse('2026-03-10T15:00:00Z');
    for (const s of [7200, 3599, 30])
      await state.recordOrder({ at: new Date(base - s * 1000).toISOString(), hash: `h${s}`, fingerprint: `f${s}`, canonical: '{}', symbol: 'AAPL' });
    const lastHour = await state.recentOrders(new Date(base - 3_600_000));
    expect(lastHour.map((o) => o.hash)).toEqual(['h3599', 'h30']);
    expect((await state.lastOrders(1))[0]!.hash).toBe('h30');
    state.close();
  });

  it("claimOrder enforces the rate and duplicate rules atomically, with the engine's windows", async () => {
    const state = await openRiskState(fresh());
    const at = (s: number) => new Date(Date.parse('2026-03-10T15:00:00Z') + s * 1000).toISOString();
    const o = (s: number, fp: string) => ({ at: at(s), hash: 'h', fingerprint: fp, canonical: '{}', symbol: 'SPY' });
    const rules = { maxPerMinute: 2, maxPerHour: 3, duplicateWindowSec: 120 };
    expect(await state.claimOrder(o(0, 'a'), rules)).toEqual({ ok: true });
    expect(await state.claimOrder(o(1, 'a'), { ...rules, maxPerMinute: 9 })).toMatchObject({ ok: false, code: 'RISK_DUPLICATE_ORDER' });
    expect(await state.claimOrder(o(2, 'b'), rules)).toEqual({ ok: true });
    expect(await state.claimOrder(o(3, 'c'), rules)).toMatchObject({ ok: false, code: 'RISK_RATE_MINUTE' });
    expect(await state.claimOrder(o(60, 'c'), rules)).toEqual({ ok: true }); // a is exactly 60 s old: outside; only b inside
    expect(await state.claimOrder(o(61, 'd'), rules)).toMatchObject({ ok: false, code: 'RISK_RATE_MINUTE' }); // b and c inside
    expect(await state.claimOrder(o(200, 'd'), rules)).toMatchObject({ ok: false, code: 'RISK_RATE_HOUR' });
    expect(await state.lastOrders(10)).toHaveLength(3); // refused claims record nothing
    state.close();
  });

  it('is safe across processes: one starting equity per day, no lost order records, a halt seen by all', async () => {
    const path = fresh();
    const stateJs = resolve(PACKAGE_ROOT, 'dist', 'src', 'risk', 'state.js');
    const script = `
      const { openRiskState } = await import(${JSON.stringify(stateJs)});
      const [path, id] = process.argv.slice(1);
      const s = await openRiskState(path);
      const eq = await s.startOfDayEquity('paper:a', '2026-03-10', 1000 + Number(id));
      for (let i = 0; i < 25; i++) await s.recordOrder({ at: new Date(Date.parse('2026-03-10T15:00:00Z') + i).toISOString(), hash: 'p' + id + '-' + i, fingerprint: 'f', canonical: '{}', symbol: null });
      if (id === '3') await s.halt('from process 3', 'test');
      const claims = [];
      for (let i = 0; i < 10; i++) {
        const c = await s.claimOrder({ at: new Date(Date.parse('2026-03-10T16:00:00Z') + i).toISOString(), hash: 'c', fingerprint: 'same-' + i, canonical: '{}', symbol: null }, { maxPerMinute: 1000, maxPerHour: 1000, duplicateWindowSec: 120 });
        claims.push(c.ok ? 1 : 0);
      }
      process.stderr.write('claims=' + claims.join(''));
      s.close();
      process.stdout.write(String(eq));
    `;
    const run = (id: number) =>
      new Promise<string>((done, fail) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, path, String(id)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('exit', (code) => (code === 0 ? done(out) : fail(new Error(`child ${id} exited ${code}: ${err}`))));
      });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map(run));
    expect(new Set(results).size).toBe(1); // every process saw the same starting equity
    expect(Number(results[0])).toBeGreaterThanOrEqual(1000);
    const state = await openRiskState(path);
    // 6 processes × 25 recorded + each of the 10 "same-i" fingerprints claimed by exactly one process.
    expect(await state.lastOrders(1000)).toHaveLength(160);
    expect(await state.isHalted()).toMatchObject({ halted: true, reason: 'from process 3' });
    state.close();
  }, 30_000);
});
