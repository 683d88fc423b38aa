/**
 * get_technicals through a real MCP client against the BUILT server (sim broker, pinned clock), with
 * the loopback gateway for the narrative. Run `npm run build` first.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { messageText, startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

const CLOCK = '2026-03-13T20:30:00Z'; // a Friday after the close
const running: RunningServer[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});
async function start(profile = 'analyst', env: Record<string, string> = {}, dataDir?: string): Promise<RunningServer> {
  const s = await startServer({ profile, env: { TRADING_MCP_SIM_CLOCK: CLOCK, ...env }, ...(dataDir ? { dataDir } : {}) });
  running.push(s);
  return s;
}

interface Technicals {
  symbol: string;
  mode: string;
  window: { bars: number; from: string; to: string; warmupBars: number; lastClose: number };
  latest: Record<string, any>;
  tail: { t: string[]; series: Record<string, Array<number | null>> };
  signals: Array<{ id: string; state: string; direction: string; rule: string; values: Record<string, number> }>;
  summary: { bullish: number; bearish: number; neutral: number };
  unavailable: Array<{ series: string; needsBars: number; haveBars: number }>;
  narrative: { text: string; llm: { tier: string; model: string; costUsd: number; remainingDailyUsd: number } } | null;
  chart: { mimeType: string; width: number; height: number; bytes: number } | null;
}

function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('get_technicals over MCP', () => {
  it('is listed read-only in analyst and council, not in executor', async () => {
    for (const [profile, listed] of [
      ['analyst', true],
      ['council', true],
      ['executor', false],
    ] as const) {
      const s = await start(profile);
      const tool = (await s.client.listTools()).tools.find((t) => t.name === 'get_technicals');
      expect(Boolean(tool), profile).toBe(listed);
      if (tool) expect(tool.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
      await s.close();
    }
  });

  it('computes every indicator and the signals from the sim broker’s bars, deterministically', async () => {
    const s = await start();
    const args = { symbol: 'AAPL', timeframe: '1Day', lookback: 60 };
    const r = await callOk<Technicals>(s.client, 'get_technicals', args);
    expect(r.mode).toBe('sim');
    expect(r.window).toMatchObject({ bars: 60, warmupBars: 271 });
    expect(r.window.to.startsWith('2026-03-13')).toBe(true);
    expect(Object.keys(r.latest).sort()).toEqual(['adx', 'atr', 'bbands', 'close', 'ema', 'hv', 'macd', 'obv', 'rsi', 'sma', 'stoch', 'vwap']);
    expect(r.unavailable).toEqual([]);
    // Internal consistency a reader can check: tails end at the latest values; the MACD histogram is line − signal.
    expect(r.tail.series.rsi14!.at(-1)).toBe(r.latest.rsi.value);
    expect(r.tail.series.sma200!.at(-1)).toBe(r.latest.sma['200']);
    expect(r.latest.macd.histogram).toBeCloseTo(r.latest.macd.macd - r.latest.macd.signal, 5);
    expect(r.latest.bbands.lower).toBeLessThan(r.latest.bbands.upper);
    const stop = r.signals.find((x) => x.id === 'atr_stop')!;
    expect(stop.values.longStop).toBeCloseTo(r.latest.close - 2 * r.latest.atr.value, 3);
    expect(stop.rule).toMatch(/^stop 2 × ATR\(14\)/);
    const trend = r.signals.find((x) => x.id === 'trend')!;
    expect(trend.state).toBe(
      r.latest.sma['50'] > r.latest.sma['200'] && r.latest.close > r.latest.sma['50']
        ? 'uptrend'
        : r.latest.sma['50'] < r.latest.sma['200'] && r.latest.close < r.latest.sma['50']
          ? 'downtrend'
          : 'mixed',
    );
    expect(r.summary.bullish + r.summary.bearish + r.summary.neutral).toBe(r.signals.length);
    // Deterministic: the seeded sim and a pinned clock give the same numbers on a second call.
    expect(await callOk<Technicals>(s.client, 'get_technicals', args)).toEqual(r);
    const text = ((await callTool(s.client, 'get_technicals', args)).content as Array<{ type: string; text: string }>)[0]!.text;
    expect(text).toContain(`RSI(14) ${r.latest.rsi.value.toFixed(2)}`);
    expect(text).toContain('Signals (');
  });

  it('a subset of indicators returns only those', async () => {
    const s = await start();
    const r = await callOk<Technicals>(s.client, 'get_technicals', { symbol: 'MSFT', timeframe: '15Min', lookback: 100, indicators: ['rsi', 'macd'] });
    expect(Object.keys(r.latest).sort()).toEqual(['close', 'macd', 'rsi']);
    expect(Object.keys(r.tail.series).sort()).toEqual(['close', 'macd', 'macdHist', 'macdSignal', 'rsi14']);
    expect(new Set(r.signals.map((x) => x.id))).toEqual(new Set(['rsi', 'macd']));
    expect(r.window.warmupBars).toBe(33);
  });

  it('chart: true attaches a PNG of the stated size', async () => {
    const s = await start();
    const result = await callTool(s.client, 'get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 90, chart: true });
    expect(result.isError).toBeFalsy();
    const images = (result.content as Array<{ type: string; data?: string; mimeType?: string }>).filter((c) => c.type === 'image');
    expect(images).toHaveLength(1);
    expect(images[0]!.mimeType).toBe('image/png');
    const png = Buffer.from(images[0]!.data!, 'base64');
    const chart = (result.structuredContent as unknown as Technicals).chart!;
    expect(pngSize(png)).toEqual({ width: chart.width, height: chart.height });
    expect(chart).toMatchObject({ mimeType: 'image/png', width: 960, height: 640, bytes: png.length });
  });

  it('a short user series (CSV in the sim): computes what it can and lists the rest; an explicit impossible request is INVALID_INPUT', async () => {
    const dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'market-data'), { recursive: true });
    const rows = ['timestamp,open,high,low,close,volume'];
    let d = Date.UTC(2025, 9, 1);
    for (let i = 0; i < 45; ) {
      const day = new Date(d);
      d += 86_400_000;
      if (day.getUTCDay() === 0 || day.getUTCDay() === 6) continue;
      const c = 20 + Math.sin(i / 3) + i * 0.1;
      rows.push(`${day.toISOString().slice(0, 10)},${c - 0.1},${c + 0.4},${c - 0.5},${c},${1000 + i}`);
      i += 1;
    }
    writeFileSync(join(dataDir, 'market-data', 'ZZZ.csv'), rows.join('\n') + '\n');
    const s = await start('analyst', {}, dataDir);
    const r = await callOk<Technicals>(s.client, 'get_technicals', { symbol: 'ZZZ', timeframe: '1Day', lookback: 30 });
    expect(r.window.bars).toBe(30);
    expect(r.window.warmupBars).toBe(15);
    expect(r.unavailable.map((u) => u.series).sort()).toEqual(['ema200', 'ema50', 'sma200', 'sma50']);
    expect(r.unavailable.every((u) => u.haveBars === 45)).toBe(true);
    expect(r.signals.find((x) => x.id === 'trend')).toBeUndefined();
    const refused = await callTool(s.client, 'get_technicals', { symbol: 'ZZZ', timeframe: '1Day', lookback: 30, indicators: ['sma', 'hv', 'adx'] });
    expect(errorCode(refused)).toBeUndefined(); // sma20 and hv exist: the family is there, sma200 is listed as unavailable
    const csv2 = rows.slice(0, 21).join('\n') + '\n';
    writeFileSync(join(dataDir, 'market-data', 'YYY.csv'), csv2);
    const tooShort = await callTool(s.client, 'get_technicals', { symbol: 'YYY', timeframe: '1Day', lookback: 30, indicators: ['adx'] });
    expect(errorCode(tooShort)).toBe('INVALID_INPUT');
    expect((tooShort.structuredContent as { details: { reason: string } }).details.reason).toBe('series_too_short');
  });

  it('refuses malformed input with INVALID_INPUT and keeps answering', async () => {
    const s = await start();
    const bad: Array<Record<string, unknown>> = [
      { symbol: 'AAPL', timeframe: '1Day', lookback: 60, extra: 1 },
      { symbol: 'AAPL', timeframe: '1Day', lookback: '60' },
      { symbol: 'aapl', timeframe: '1Day', lookback: 60 },
      { symbol: 'AAPL', timeframe: '2Day', lookback: 60 },
      { symbol: 'AAPL', timeframe: '1Day', lookback: 5 },
      { symbol: 'AAPL', timeframe: '1Day', lookback: 60.5 },
      { symbol: 'AAPL', timeframe: '1Day', lookback: 60, indicators: ['rsi', 'rsi'] },
      { symbol: 'AAPL', timeframe: '1Day', lookback: 60, indicators: ['ichimoku'] },
      { symbol: 'AAPL', timeframe: '1Day', lookback: 60, chart: 'yes' },
    ];
    for (const args of bad) expect(errorCode(await callTool(s.client, 'get_technicals', args)), JSON.stringify(args)).toBe('INVALID_INPUT');
    await expect(s.client.ping()).resolves.toBeDefined();
  });
});

describe('narrative through the loopback gateway', () => {
  let gw: FakeGateway;
  beforeAll(async () => {
    gw = await startFakeGateway({ apiKey: 'tech-key' });
  });
  afterAll(async () => {
    await gw.close();
  });

  it('without a gateway key: GATEWAY_NOT_CONFIGURED, nothing sent, and the numbers are one call away', async () => {
    const s = await start('analyst', { LLM_GATEWAY_BASE_URL: gw.url });
    const before = gw.requests.length;
    const r = await callTool(s.client, 'get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 60, narrative: true });
    expect(errorCode(r)).toBe('GATEWAY_NOT_CONFIGURED');
    expect((r.content as Array<{ text: string }>)[0]!.text).toContain('narrative: false');
    expect(gw.requests.length).toBe(before);
    expect((await callOk<Technicals>(s.client, 'get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 60 })).narrative).toBeNull();
  });

  it('one analysis-tier call; numbers from our code beside the text; cost recorded in the receipt and the ledger', async () => {
    const s = await start('analyst', { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'tech-key' });
    const prose = 'Simulated prices. Momentum is mixed: the MACD sits below its signal while RSI is neutral.';
    gw.when({ tier: 'analysis' }, { content: prose });
    const before = gw.requests.length;
    const r = await callOk<Technicals>(s.client, 'get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 60, narrative: true });
    const sent = gw.requests.slice(before).filter((q) => q.path.endsWith('/chat/completions'));
    expect(sent).toHaveLength(1);
    const req = sent[0]!;
    expect(req.model).toBe('mistral-medium-3'); // the analysis tier's first model in the shipped table
    expect(req.status).toBe(200);
    // The model is handed our computed numbers, not asked to compute them.
    const text = messageText({ method: 'POST', path: req.path, model: req.model, body: req.body, headers: {} });
    expect(text).toContain(JSON.stringify(r.latest.rsi));
    expect(text).toContain('"rule"');
    expect(r.narrative!.text).toBe(prose);
    expect(r.narrative!.llm.tier).toBe('analysis');
    expect(r.narrative!.llm.model).toBe('mistral-medium-3');
    expect(r.narrative!.llm.costUsd).toBeGreaterThan(0);
    expect(r.narrative!.llm.costUsd).toBeCloseTo(req.costUsd!, 9);
    expect(r.narrative!.llm.remainingDailyUsd).toBeCloseTo(0.83 - req.costUsd!, 5);
    const usage = await callOk<{ recent: Array<{ tool: string; tier: string; costUsd: number }> }>(s.client, 'get_llm_usage', {});
    // background lesson ingestion may record its own embedding call meanwhile: look at this tool's calls
    const ours = usage.recent.filter((r) => r.tool === 'get_technicals');
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ tool: 'get_technicals', tier: 'analysis' });
    expect(ours[0]!.costUsd).toBeCloseTo(req.costUsd!, 9);
  });

  it('a gateway failure fails the call with the router’s code (never a silent drop)', async () => {
    const s = await start('analyst', { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'tech-key' });
    gw.when({ tier: 'analysis' }, { status: 500 }, { times: 50 });
    const r = await callTool(s.client, 'get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 60, narrative: true });
    gw.resetBehaviours();
    expect(errorCode(r)).toBe('GATEWAY_UNAVAILABLE');
    expect((r.content as Array<{ text: string }>)[0]!.text).toContain('narrative: false');
    await expect(s.client.ping()).resolves.toBeDefined();
  }, 60_000);
});
