/**
 * The budget across OS processes (runs the BUILT router: dist/test/support/llm-child.js).
 * Costs are summed from the gateway's own request log, not from our ledger.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { SqliteLedger } from '../../src/llm/ledger/sqlite.js';
import { tempDataDir } from '../support/client.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

const CHILD = resolve(PACKAGE_ROOT, 'dist', 'test', 'support', 'llm-child.js');
const children: ChildProcess[] = [];
const gateways: FakeGateway[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const g of gateways.splice(0)) await g.close();
});

interface ChildResult {
  pid: number;
  results: Array<{ ok: boolean; model?: string; costUsd?: number; code?: string; message?: string }>;
}

function runChild(spec: Record<string, unknown>): { proc: ChildProcess; done: Promise<ChildResult>; stdout: () => string } {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<ChildResult>((res, rej) =>
    proc.on('exit', (code) => {
      if (code !== 0) return rej(new Error(`child exited ${code}: ${err}`));
      res(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    }),
  );
  done.catch(() => undefined); // a child killed on purpose rejects; tests that await it still see the error
  return { proc, done, stdout: () => out };
}

const env = (gw: FakeGateway, daily: string) => ({ LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'k', TRADING_MCP_DAILY_BUDGET_USD: daily });
const readLedger = (dataDir: string, now?: () => Date) => new SqliteLedger(dataDir, { dailyNano: 0, monthlyNano: 0 }, now);

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LLM budget across processes', () => {
  it('3 processes × 20 concurrent calls on one data dir never spend past the daily budget', async () => {
    const gw = await startFakeGateway({ apiKey: 'k' });
    gateways.push(gw);
    // every reply bills the full max_tokens (worst case) after 150 ms, so the calls overlap and nothing is cheaper than reserved
    gw.script((req) => ({ latencyMs: 150, usage: { completion_tokens: Number(req.body?.max_tokens ?? 0) } }));
    const dataDir = tempDataDir('tars-llm-mp-');
    const budget = 0.004;
    const startAt = Date.now() + 1500;
    const runs = [0, 1, 2].map(() => runChild({ env: env(gw, String(budget)), dataDir, tier: 'parse', calls: 20, startAt }));
    const results = await Promise.all(runs.map((r) => r.done));

    const billed = gw.totalCostUsd();
    expect(billed).toBeLessThanOrEqual(budget + 1e-12);
    const all = results.flatMap((r) => r.results);
    const ok = all.filter((r) => r.ok);
    const codes = new Set(all.filter((r) => !r.ok).map((r) => r.code));
    expect(all).toHaveLength(60);
    expect(ok.length).toBeGreaterThanOrEqual(5);
    expect(ok.length).toBeLessThan(60);
    expect([...codes]).toEqual(['BUDGET_EXHAUSTED']);
    // the calls really overlapped across processes
    const chat = gw.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(chat).toHaveLength(ok.length);
    const overlapping = chat.filter((a) => chat.some((b) => b !== a && Math.abs(b.at - a.at) < 100));
    expect(overlapping.length).toBeGreaterThan(1);
    // the ledger agrees with the gateway, and three processes wrote it
    const ledger = readLedger(dataDir);
    expect(Math.abs((await ledger.view()).dayCommittedNano - billed * 1e9)).toBeLessThanOrEqual(chat.length); // ≤ 1 nano-dollar rounding per call
    expect(new Set((await ledger.recent(100)).map((r) => r.pid)).size).toBe(3);
    await ledger.close();
  }, 60_000);

  it('the Opus envelope holds across processes: 2 × 10 concurrent confirmations under the default 12 an hour send exactly 12', async () => {
    const gw = await startFakeGateway({ apiKey: 'k' });
    gateways.push(gw);
    gw.script(() => ({ latencyMs: 300 }));
    const dataDir = tempDataDir('tars-llm-crit-');
    const startAt = Date.now() + 1500;
    const runs = [0, 1].map(() => runChild({ env: env(gw, '1'), dataDir, tier: 'critical', calls: 10, tool: 'place_order', startAt }));
    const all = (await Promise.all(runs.map((r) => r.done))).flatMap((r) => r.results);
    expect(all.filter((r) => r.ok)).toHaveLength(12);
    expect(all.filter((r) => !r.ok).map((r) => r.code)).toEqual(Array(8).fill('BUDGET_EXHAUSTED'));
    expect(gw.requests.filter((r) => r.path === '/v1/chat/completions')).toHaveLength(12);
    const ledger = readLedger(dataDir);
    expect((await ledger.view()).critical.confirmationsLastHour).toBe(12);
    expect(new Set((await ledger.recent(100)).filter((r) => r.state === 'settled').map((r) => r.pid)).size).toBe(2);
    await ledger.close();
  }, 60_000);

  it('the critical daily cap holds across processes: concurrent confirmations never reserve past it', async () => {
    const gw = await startFakeGateway({ apiKey: 'k' });
    gateways.push(gw);
    // every reply bills its full max_tokens: what was reserved is what is spent
    gw.script((req) => ({ latencyMs: 300, usage: { completion_tokens: Number(req.body?.max_tokens ?? 0) } }));
    const dataDir = tempDataDir('tars-llm-critcap-');
    const cap = 0.1;
    const startAt = Date.now() + 1500;
    const runs = [0, 1].map(() =>
      runChild({
        env: { ...env(gw, '1'), TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: String(cap) },
        dataDir,
        tier: 'critical',
        calls: 6,
        tool: 'place_order',
        startAt,
      }),
    );
    const all = (await Promise.all(runs.map((r) => r.done))).flatMap((r) => r.results);
    const billed = gw.totalCostUsd();
    expect(billed).toBeLessThanOrEqual(cap);
    expect(all.filter((r) => r.ok).length).toBe(3); // a worst case is about $0.026: three fit in $0.10
    expect(new Set(all.filter((r) => !r.ok).map((r) => r.code))).toEqual(new Set(['BUDGET_EXHAUSTED']));
    const ledger = readLedger(dataDir);
    expect(Math.abs((await ledger.view()).critical.committedNano - billed * 1e9)).toBeLessThanOrEqual(3);
    await ledger.close();
  }, 60_000);

  it('spend survives kill -9 (open reservations stay counted) and restarts', async () => {
    const gw = await startFakeGateway({ apiKey: 'k' });
    gateways.push(gw);
    const dataDir = tempDataDir('tars-llm-kill-');
    const first = await runChild({ env: env(gw, '1'), dataDir, tier: 'parse', calls: 3 }).done;
    expect(first.results.every((r) => r.ok)).toBe(true);
    const settled = gw.totalCostUsd();

    gw.when('deepseek-r1', { hang: true }, { times: 2 });
    const holder = runChild({ env: env(gw, '1'), dataDir, tier: 'reasoning', calls: 2, hold: true });
    await until(() => gw.requests.filter((r) => r.model === 'deepseek-r1').length === 2);
    holder.proc.kill('SIGKILL');
    await new Promise((r) => holder.proc.once('exit', r));

    let ledger = readLedger(dataDir);
    const open = (await ledger.recent(10)).filter((r) => r.state === 'reserved');
    expect(open).toHaveLength(2);
    const reserved = open.reduce((s, r) => s + r.reserved_nano, 0);
    expect(Math.abs((await ledger.view()).dayCommittedNano - (settled * 1e9 + reserved))).toBeLessThanOrEqual(3);
    await ledger.close();

    const again = await runChild({ env: env(gw, '1'), dataDir, tier: 'parse', calls: 1 }).done;
    expect(again.results[0]!.ok).toBe(true);
    ledger = readLedger(dataDir);
    expect(Math.abs((await ledger.view()).dayCommittedNano - (gw.totalCostUsd() * 1e9 + reserved))).toBeLessThanOrEqual(4);
    await ledger.close();

    // 16 minutes on, the killed process's reservations are marked abandoned and still counted in full
    const later = readLedger(dataDir, () => new Date(Date.now() + 16 * 60_000));
    expect((await later.recent(10)).filter((r) => r.state === 'abandoned').map((r) => r.cost_nano)).toEqual(open.map((r) => r.reserved_nano));
    await later.close();
  }, 60_000);
});
