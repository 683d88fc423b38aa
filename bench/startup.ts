/**
 * Cold start: spawn → initialize → tools/list answered, for our server (each profile) and for a
 * minimal SDK server, interleaved in the same run; plus sequential tool-call throughput over stdio.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ratio, summarize } from './stats.js';

const CLI = resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const MINIMAL = resolve(PACKAGE_ROOT, 'dist', 'bench', 'minimal-server.js');
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'warn' };

async function coldStart(args: string[]): Promise<number> {
  const t0 = performance.now();
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, env, stderr: 'ignore' }));
  await client.listTools();
  const elapsed = performance.now() - t0;
  await client.close();
  return elapsed;
}

async function callRate(args: string[], tool: string, toolArgs: Record<string, unknown>, n: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, env, stderr: 'ignore' }));
  for (let i = 0; i < 50; i++) await client.callTool({ name: tool, arguments: toolArgs });
  const samples: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await client.callTool({ name: tool, arguments: toolArgs });
    samples.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  await client.close();
  const s = summarize(samples);
  return { perSecond: Math.round((n / total) * 1000), p50: s.p50, p99: s.p99 };
}

export async function run(): Promise<Record<string, unknown>> {
  const rounds = 12;
  const ours: Record<string, number[]> = { analyst: [], council: [], executor: [] };
  const minimal: number[] = [];
  for (let i = 0; i < rounds; i++) {
    minimal.push(await coldStart([MINIMAL]));
    for (const profile of Object.keys(ours)) {
      ours[profile]!.push(await coldStart([CLI, '--profile', profile, '--data-dir', mkdtempSync(join(tmpdir(), 'tars-bench-'))]));
    }
  }
  const base = summarize(minimal);
  const result: Record<string, unknown> = { rounds, minimalSdkServerMs: base };
  for (const [profile, samples] of Object.entries(ours)) {
    const s = summarize(samples);
    result[`${profile}Ms`] = s;
    result[`${profile}RatioP50`] = ratio(s.p50, base.p50);
  }
  // Steady-state call path: a tool that touches no broker or model, against the SDK baseline's echo.
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-bench-'));
  const oursCalls = await callRate(
    [CLI, '--profile', 'analyst', '--data-dir', dataDir],
    'check_risk',
    { symbol: 'AAPL', side: 'buy', qty: 'one', type: 'market' },
    1000,
  );
  const baseCalls = await callRate([MINIMAL], 'echo', { text: 'hi' }, 1000);
  result.sequentialCalls = { ours: oursCalls, minimal: baseCalls, note: 'ours: check_risk with invalid input (validation path, no broker); minimal: echo' };
  return result;
}
