/**
 * check_risk and halt_trading through a real MCP client against the built server (sim broker,
 * clock pinned to an open market), and the kill switch across restarts and the CLI.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openSimBroker } from '../../src/broker/sim.js';
import { parseOcc } from '../../src/orders/order.js';
import { RISK_CHECKS } from '../../src/risk/verdict.js';
import { baseEnv, callTool, CLI_PATH, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';

const OPEN_AT = '2026-03-10T15:00:00.000Z'; // Tuesday 11:00 New York
const env = { TRADING_MCP_SIM_CLOCK: OPEN_AT };

const running: RunningServer[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});
async function start(profile: string, dataDir?: string) {
  const server = await startServer({ profile, env, ...(dataDir ? { dataDir } : {}) });
  running.push(server);
  return server;
}

interface Verdict {
  passed: boolean;
  order_hash: string;
  checks: Array<{ name: string; code: string; passed: boolean; limit: unknown; actual: unknown; message: string }>;
}
const failedCodes = (v: Verdict) => v.checks.filter((c) => !c.passed).map((c) => c.code);
const text = (r: Awaited<ReturnType<typeof callTool>>) => (r.content as Array<{ type: string; text: string }>)[0]!.text;

function cli(args: string[]) {
  const out = spawnSync(process.execPath, [CLI_PATH, ...args], { env: baseEnv({ ...env, TRADING_MCP_LOG_LEVEL: 'error' }), encoding: 'utf8' });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

function simOrderCount(dataDir: string): number {
  const file = join(dataDir, 'sim-broker.sqlite');
  if (!existsSync(file)) return 0;
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function spyMid(server: RunningServer): Promise<number> {
  // The sim's SPY price at the pinned clock: the notional check of a 1-share market buy reports the ask.
  const r = await callTool(server.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' });
  const v = r.structuredContent as unknown as Verdict;
  return Math.round((v.checks.find((c) => c.code === 'RISK_MAX_NOTIONAL')!.actual as number) * 100) / 100;
}

describe('check_risk over MCP', () => {
  it('passes a small order and refuses oversized / unlisted ones, with every check reported; nothing reaches the broker', async () => {
    const server = await start('analyst');
    const price = await spyMid(server);
    const ok = await callTool(server.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 2, type: 'limit', limit_price: price });
    expect(ok.isError).toBeFalsy();
    const v = ok.structuredContent as unknown as Verdict;
    expect(failedCodes(v)).toEqual([]);
    expect(v.passed).toBe(true);
    expect(v.order_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(v.checks.map((c) => c.name)).toEqual(RISK_CHECKS.map((c) => c.name));
    expect(text(ok)).toContain('risk check passed');

    const big = await callTool(server.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 400, type: 'limit', limit_price: price });
    const bv = big.structuredContent as unknown as Verdict;
    expect(big.isError).toBeFalsy();
    expect(bv.passed).toBe(false);
    expect(failedCodes(bv)).toEqual(expect.arrayContaining(['RISK_MAX_NOTIONAL', 'RISK_MAX_POSITION']));
    expect(text(big)).toContain('REFUSED');

    const unlisted = await callTool(server.client, 'check_risk', { symbol: 'ZZZ', side: 'buy', qty: 1, type: 'market' });
    expect(failedCodes(unlisted.structuredContent as unknown as Verdict)).toEqual(['RISK_SYMBOL_NOT_ALLOWED']);

    const collar = await callTool(server.client, 'check_risk', {
      symbol: 'SPY',
      side: 'buy',
      qty: 1,
      type: 'limit',
      limit_price: Math.round(price * 1.05 * 100) / 100,
    });
    expect(failedCodes(collar.structuredContent as unknown as Verdict)).toEqual(['RISK_PRICE_COLLAR']);

    // The same order always gets the same hash; check_risk never submits anything.
    const again = await callTool(server.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 2, type: 'limit', limit_price: price });
    expect((again.structuredContent as unknown as Verdict).order_hash).toBe(v.order_hash);
    expect(simOrderCount(server.dataDir)).toBe(0);
  });

  it('checks a multi-leg credit spread priced from the chain, and refuses the naked version', async () => {
    // The sim's chain depends only on its seed and clock: read it in process from a scratch dir.
    const sim = await openSimBroker({ dataDir: tempDataDir(), startingCash: 100_000, seed: 42, now: () => new Date(OPEN_AT) });
    const spot = (await sim.getLatestQuote('SPY')).bidPrice;
    const snaps = await sim.getOptionSnapshots({ underlying: 'SPY', expirationGte: '2026-04-10', expirationLte: '2026-04-24', type: 'put' });
    await sim.close();
    const expiry = parseOcc(snaps[0]!.symbol)!.expiration;
    const puts = snaps
      .filter((s) => parseOcc(s.symbol)!.expiration === expiry && parseOcc(s.symbol)!.strike < spot * 0.95)
      .sort((a, b) => parseOcc(a.symbol)!.strike - parseOcc(b.symbol)!.strike);
    const [longPut, shortPut] = [puts[puts.length - 2]!, puts[puts.length - 1]!];
    const mid = (s: typeof longPut) => (s.latestQuote!.bidPrice + s.latestQuote!.askPrice) / 2;
    const credit = Math.round((mid(shortPut) - mid(longPut)) * 100) / 100;
    const legs = [
      { symbol: shortPut.symbol, side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
      { symbol: longPut.symbol, side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
    ];
    const server = await start('council');
    const spread = await callTool(server.client, 'check_risk', { side: 'buy', qty: 1, type: 'limit', limit_price: -credit, order_class: 'mleg', legs });
    const v = spread.structuredContent as unknown as Verdict;
    expect(failedCodes(v)).toEqual([]);
    const width = parseOcc(shortPut.symbol)!.strike - parseOcc(longPut.symbol)!.strike;
    expect(v.checks.find((c) => c.code === 'RISK_OPTIONS_MAX_LOSS')!.actual).toBeCloseTo((width - credit) * 100, 2);

    const naked = await callTool(server.client, 'check_risk', {
      side: 'buy',
      qty: 1,
      type: 'limit',
      limit_price: -credit,
      order_class: 'mleg',
      legs: [legs[0], { ...legs[1], side: 'sell', position_intent: 'sell_to_open' }],
    });
    expect(failedCodes(naked.structuredContent as unknown as Verdict)).toEqual(expect.arrayContaining(['RISK_UNDEFINED_RISK']));
    expect((naked.structuredContent as unknown as Verdict).passed).toBe(false);
  });

  it('refuses malformed orders with INVALID_INPUT and keeps answering', async () => {
    const server = await start('council');
    for (const bad of [
      { symbol: 'SPY', side: 'buy', qty: '10', type: 'market' },
      { symbol: 'SPY', side: 'buy', qty: 1, notional: 100, type: 'market' },
      { symbol: 'SPY', side: 'buy', qty: -1, type: 'market' },
      { symbol: 'SPY', side: 'buy', qty: 1, type: 'market', leverage: 10 },
      { symbol: 'ЅPY', side: 'buy', qty: 1, type: 'market' },
    ]) {
      expect(errorCode(await callTool(server.client, 'check_risk', bad))).toBe('INVALID_INPUT');
    }
    await expect(server.client.ping()).resolves.toBeDefined();
  });
});

describe('kill switch over MCP and the CLI', () => {
  it('halt_trading halts every later check, survives a restart, and only `resume` clears it', async () => {
    const dataDir = tempDataDir();
    const first = await start('executor', dataDir);
    const price = await spyMid(first);
    const order = { symbol: 'SPY', side: 'buy', qty: 1, type: 'limit', limit_price: price };
    expect((await callTool(first.client, 'check_risk', order)).structuredContent).toMatchObject({ passed: true });

    const halted = await callTool(first.client, 'halt_trading', { reason: 'unusual volatility' });
    expect(halted.isError).toBeFalsy();
    expect(halted.structuredContent).toMatchObject({ halted: true, already_halted: false, reason: 'unusual volatility', by: 'halt_trading tool' });
    const again = await callTool(first.client, 'halt_trading', { reason: 'second' });
    expect(again.structuredContent).toMatchObject({ already_halted: true, reason: 'unusual volatility' });
    expect(errorCode(await callTool(first.client, 'halt_trading', { reason: '' }))).toBe('INVALID_INPUT');
    expect(errorCode(await callTool(first.client, 'halt_trading', { reason: 'x', resume: true }))).toBe('INVALID_INPUT');

    const whileHalted = (await callTool(first.client, 'check_risk', order)).structuredContent as unknown as Verdict;
    expect(failedCodes(whileHalted)).toEqual(['RISK_HALTED']);
    expect(whileHalted.checks.find((c) => c.code === 'RISK_HALTED')!.message).toContain('unusual volatility');
    await first.close();
    running.pop();

    // Restart: still halted.
    const second = await start('analyst', dataDir);
    expect(failedCodes((await callTool(second.client, 'check_risk', order)).structuredContent as unknown as Verdict)).toEqual(['RISK_HALTED']);
    expect(errorCode(await callTool(second.client, 'halt_trading', { reason: 'x' }))).toBe('NOT_IN_PROFILE');

    const status = cli(['status', '--data-dir', dataDir]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('HALTED');
    expect(status.stdout).toContain('unusual volatility');

    // resume from the CLI (another process): the running server sees it on its next check.
    const resumed = cli(['resume', '--data-dir', dataDir]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('resumed');
    expect((await callTool(second.client, 'check_risk', order)).structuredContent).toMatchObject({ passed: true });

    // halt from the CLI: also immediate for the running server.
    const halt = cli(['halt', '--reason', 'end of day', '--data-dir', dataDir]);
    expect(halt.code).toBe(0);
    expect(halt.stdout).toContain('HALTED');
    expect(failedCodes((await callTool(second.client, 'check_risk', order)).structuredContent as unknown as Verdict)).toEqual(['RISK_HALTED']);
    expect(cli(['status', '--data-dir', dataDir]).stdout).toContain('end of day');
    expect(cli(['resume', '--data-dir', dataDir]).stdout).toContain('resumed');
    expect(cli(['resume', '--data-dir', dataDir]).stdout).toContain('not halted');
    expect(simOrderCount(dataDir)).toBe(0);
  });

  it('halt works when nothing else would start: a broken tier table, an unsafe live URL, an unknown profile', () => {
    const dataDir = tempDataDir();
    const broken = join(dataDir, 'broken-tiers.json');
    writeFileSync(broken, '{ not json');
    const unsafe = ['--data-dir', dataDir, '--profile', 'no-such-profile'];
    const unsafeEnv = { TRADING_MCP_TIERS: broken, APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's', APCA_API_BASE_URL: 'https://api.alpaca.markets' };
    const run = (args: string[], extra: Record<string, string>) => {
      const out = spawnSync(process.execPath, [CLI_PATH, ...args], { env: baseEnv({ ...env, TRADING_MCP_LOG_LEVEL: 'error', ...extra }), encoding: 'utf8' });
      return { code: out.status, stdout: out.stdout, stderr: out.stderr };
    };
    // the same configuration stops every other command
    expect(run(['status', ...unsafe], unsafeEnv).code).not.toBe(0);
    const halted = run(['halt', '--reason', 'config is broken', ...unsafe], unsafeEnv);
    expect(halted.code).toBe(0);
    expect(halted.stdout).toContain('HALTED');
    expect(run(['status', '--data-dir', dataDir], {}).stdout).toContain('config is broken');
  });

  it('halt with the database down still halts this data dir, and exits 1 saying the shared halt was not written', () => {
    const dataDir = tempDataDir();
    const run = (args: string[], extra: Record<string, string> = {}) => {
      const out = spawnSync(process.execPath, [CLI_PATH, ...args, '--data-dir', dataDir], {
        env: baseEnv({ ...env, TRADING_MCP_LOG_LEVEL: 'error', ...extra }),
        encoding: 'utf8',
      });
      return { code: out.status, stdout: out.stdout, stderr: out.stderr };
    };
    const down = { TRADING_MCP_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/gone' };
    const halted = run(['halt', '--reason', 'database is down'], down);
    expect(halted.code, halted.stderr).toBe(1);
    expect(halted.stdout).toContain('HALTED on this data dir only');
    expect(halted.stdout).toContain('the shared halt could not be written');
    expect(halted.stdout).not.toContain('postgres://');
    // the local halt is there: what every server on this data dir reads (on PostgreSQL too: local OR shared)
    expect(run(['status']).stdout).toContain('trading: HALTED');
    expect(run(['status']).stdout).toContain('database is down');
  });
});
