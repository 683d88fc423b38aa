/**
 * Resident memory of the server process (analyst profile, sim broker) against a minimal SDK server
 * in the same run: at start, after 1,000 calls of each of three read-only tools (get_account,
 * get_positions, a passing check_risk) with no lessons call made (LanceDB not loaded), and after a
 * first search_lessons call (which opens the store and ingests: its latency is reported) and 1,000
 * more get_account calls. RSS read from /proc/<pid>/status (Linux).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ratio } from './stats.js';

const CLI = resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const MINIMAL = resolve(PACKAGE_ROOT, 'dist', 'bench', 'minimal-server.js');
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'warn', TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z' };
const CALLS = 1000;

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round((Number(line?.replace(/\D+/g, '') ?? Number.NaN) / 1024) * 10) / 10;
}

async function start(args: string[]): Promise<{ client: Client; pid: number }> {
  const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return { client, pid: transport.pid! };
}

async function calls(client: Client, name: string, args: Record<string, unknown>, n = CALLS): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await client.callTool({ name, arguments: args });
    if (r.isError) throw new Error(`${name} failed: ${JSON.stringify(r.content)}`);
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const minimal = await start([MINIMAL]);
  const ours = await start([CLI, '--profile', 'analyst', '--data-dir', mkdtempSync(join(tmpdir(), 'tars-bench-'))]);
  try {
    await sleep(1000); // let both settle after connect
    const minimalStart = rssMb(minimal.pid);
    const atStart = rssMb(ours.pid);
    await calls(minimal.client, 'echo', { text: 'hi' });
    const minimalAfter = rssMb(minimal.pid);
    await calls(ours.client, 'get_account', {});
    const afterGetAccount = rssMb(ours.pid);
    await calls(ours.client, 'get_positions', {});
    const afterGetPositions = rssMb(ours.pid);
    await calls(ours.client, 'check_risk', { symbol: 'SPY', side: 'buy', qty: 1, type: 'market' });
    const afterCheckRisk = rssMb(ours.pid);
    const t = performance.now();
    await calls(ours.client, 'search_lessons', { query: 'averaging down a losing position' }, 1); // opens the store, waits for ingestion
    const firstLessonCallMs = Math.round(performance.now() - t);
    const afterFirstLessonCall = rssMb(ours.pid);
    await calls(ours.client, 'get_account', {});
    const afterLessonCall = rssMb(ours.pid);
    return {
      calls: CALLS,
      minimalMb: { start: minimalStart, after1000Echo: minimalAfter },
      oursMb: {
        start: atStart,
        after1000GetAccount: afterGetAccount,
        after1000GetPositions: afterGetPositions,
        after1000CheckRisk: afterCheckRisk,
        afterFirstLessonCall,
        afterLessonCallAnd1000GetAccount: afterLessonCall,
      },
      firstLessonCallMs,
      ratioStart: ratio(atStart, minimalStart),
      ratioAfterGetAccount: ratio(afterGetAccount, minimalAfter),
      ratioAfterCheckRisk: ratio(afterCheckRisk, minimalAfter),
      ratioAfterLessonCall: ratio(afterLessonCall, minimalAfter),
      goals: { after1000GetAccountMb: 110, ratioAfterLessonCall: 1.6 },
      note: 'no lesson call before afterFirstLessonCall: LanceDB loads on the first lessons call (firstLessonCallMs includes loading it and the first ingestion of the shipped lessons); check_risk here is a 1-share SPY market buy (it passes at the pinned open clock); RSS from /proc/<pid>/status',
    };
  } finally {
    await minimal.client.close();
    await ours.client.close();
  }
}
