/**
 * Risk engine: evaluateRisk latency (pure, in process) for an equity order and a 4-leg iron
 * condor, and check_risk round trips over stdio against the built server (sim broker, pinned
 * clock) with MCP ping on the same connection as the baseline.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { normalizeOrder, OrderInputSchema } from '../src/orders/order.js';
import { evaluateRisk, type RiskInput } from '../src/risk/engine.js';
import { RiskLimitsSchema } from '../src/risk/limits.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ratio, summarize } from './stats.js';

const OPEN_AT = '2026-03-10T15:00:00.000Z';
const ts = new Date(Date.parse(OPEN_AT) - 1000).toISOString();
const q = (symbol: string, mid: number) => ({ symbol, bidPrice: mid - 0.01, askPrice: mid + 0.01, bidSize: 1, askSize: 1, timestamp: ts });
const occ = (t: 'C' | 'P', k: number) => `SPY260409${t}${String(k * 1000).padStart(8, '0')}`;

function input(order: RiskInput['order'], quotes: RiskInput['quotes']): RiskInput {
  return {
    order,
    mode: 'sim',
    account: {
      id: 'a',
      status: 'ACTIVE',
      currency: 'USD',
      cash: 1e5,
      equity: 1e5,
      lastEquity: 1e5,
      buyingPower: 1e5,
      daytradeCount: 0,
      patternDayTrader: false,
      tradingBlocked: false,
      optionsBuyingPower: null,
      optionsLevel: 3,
      mode: 'sim',
    },
    positions: [
      { symbol: 'AAPL', assetClass: 'us_equity', qty: 10, avgEntryPrice: 100, costBasis: 1000, currentPrice: 100, marketValue: 1000, unrealizedPl: 0 },
    ],
    openOrders: [],
    quotes,
    clock: { timestamp: OPEN_AT, isOpen: true, nextOpen: '2026-03-11T13:30:00.000Z', nextClose: '2026-03-10T20:00:00.000Z' },
    state: {
      halted: false,
      haltReason: null,
      startOfDayEquity: 1e5,
      recentOrders: Array.from({ length: 5 }, (_, i) => ({ at: new Date(Date.parse(OPEN_AT) - (i + 2) * 600_000).toISOString(), fingerprint: `f${i}` })),
    },
    limits: RiskLimitsSchema.parse({}),
    now: new Date(OPEN_AT),
  };
}

function timeEval(x: RiskInput, n: number): ReturnType<typeof summarize> {
  for (let i = 0; i < 500; i++) evaluateRisk(x);
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    evaluateRisk(x);
    samples.push((performance.now() - s) * 1000);
  }
  return summarize(samples);
}

export async function run(): Promise<Record<string, unknown>> {
  const equity = input(normalizeOrder(OrderInputSchema.parse({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100 })), {
    AAPL: q('AAPL', 100),
  });
  const legs = [
    { symbol: occ('P', 90), side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
    { symbol: occ('P', 95), side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
    { symbol: occ('C', 105), side: 'sell', ratio_qty: 1, position_intent: 'sell_to_open' },
    { symbol: occ('C', 110), side: 'buy', ratio_qty: 1, position_intent: 'buy_to_open' },
  ];
  const condor = input(
    normalizeOrder(OrderInputSchema.parse({ side: 'buy', qty: 1, type: 'limit', limit_price: -1.2, order_class: 'mleg', legs })),
    Object.fromEntries([
      [occ('P', 90), q(occ('P', 90), 0.5)],
      [occ('P', 95), q(occ('P', 95), 1.1)],
      [occ('C', 105), q(occ('C', 105), 1.0)],
      [occ('C', 110), q(occ('C', 110), 0.4)],
    ]),
  );
  const evalEquityUs = timeEval(equity, 5000);
  const evalCondorUs = timeEval(condor, 5000);

  const dataDir = mkdtempSync(join(tmpdir(), 'bench-risk-'));
  const client = new Client({ name: 'bench-risk', version: '1' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), '--profile', 'analyst', '--data-dir', dataDir],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'warn', TRADING_MCP_SIM_CLOCK: OPEN_AT },
      stderr: 'ignore',
    }),
  );
  const order = { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' };
  for (let i = 0; i < 30; i++) {
    await client.ping();
    await client.callTool({ name: 'check_risk', arguments: order });
  }
  const ping: number[] = [];
  const check: number[] = [];
  for (let i = 0; i < 300; i++) {
    let s = performance.now();
    await client.ping();
    ping.push(performance.now() - s);
    s = performance.now();
    await client.callTool({ name: 'check_risk', arguments: order });
    check.push(performance.now() - s);
  }
  await client.close();
  const pingMs = summarize(ping);
  const checkMs = summarize(check);
  return {
    evaluateRisk_equity_us: evalEquityUs,
    evaluateRisk_condor_us: evalCondorUs,
    check_risk_stdio_ms: checkMs,
    ping_stdio_ms: pingMs,
    check_risk_vs_ping_p50: ratio(checkMs.p50, pingMs.p50),
  };
}
