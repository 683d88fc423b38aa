/**
 * HTTP session cap (SPEC §11): 1,000 `initialize` requests against the built server over
 * Streamable HTTP, with the default cap and, as the baseline in the same run, with the cap lifted
 * (one server per initialize, as before the cap). Reports sessions accepted and server RSS growth;
 * the capped server takes 5 × 1,000 to show the growth levels off (the heap's high-water mark).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ConfigSchema } from '../src/config.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { ratio } from './stats.js';

const CLI = resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
const REQUESTS = 1_000;
const CONCURRENCY = 25;
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
});
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round((Number(kb) / 1024) * 10) / 10;
}

/** Spawns the server and resolves with its URL once it serves (LanceDB and the lessons load on the first lessons call, which this bench never makes). */
async function start(maxSessions: number): Promise<{ url: string; child: ChildProcess }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'info', TRADING_MCP_HTTP_MAX_SESSIONS: String(maxSessions) };
  const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0', '--data-dir', mkdtempSync(join(tmpdir(), 'tars-bench-http-'))], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return await new Promise((resolveStart, reject) => {
    // A server that never serves is killed here: a child left running keeps `npm run bench` from exiting.
    const settle = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not serve in 120 s: ${log.slice(-500)}`));
    }, 120_000);
    child.stderr!.on('data', (c: Buffer) => {
      log += c.toString();
      const url = /"url":"(http:[^"]+)"/.exec(log)?.[1];
      if (url) {
        clearTimeout(settle);
        resolveStart({ url, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${log.slice(-500)}`)));
  });
}

interface FloodResult {
  maxSessions: number;
  requests: number;
  accepted: number;
  refused503: number;
  other: number;
  rssBeforeMb: number;
  rssGrowthMb: number;
  rssGrowthPerThousandMb?: number[];
  rssGrowthTotalMb?: number;
  ms: number;
}

/** `rounds` × 1,000 initializes on one server; the growth of each round tells bounded from linear. */
async function flood(maxSessions: number, rounds: number): Promise<FloodResult> {
  const { url, child } = await start(maxSessions);
  try {
    const rssBeforeMb = rssMb(child.pid!);
    const statuses: number[] = [];
    const growth: number[] = [];
    const t0 = performance.now();
    for (let round = 0; round < rounds; round++) {
      const roundStart = rssMb(child.pid!);
      for (let sent = 0; sent < REQUESTS; sent += CONCURRENCY)
        statuses.push(...(await Promise.all(Array.from({ length: CONCURRENCY }, () => initialize(url)))));
      growth.push(Math.round((rssMb(child.pid!) - roundStart) * 10) / 10);
    }
    const ms = Math.round(performance.now() - t0);
    const count = (s: number) => statuses.filter((x) => x === s).length;
    const total = Math.round(growth.reduce((a, b) => a + b, 0) * 10) / 10;
    const more = rounds > 1 ? { rssGrowthPerThousandMb: growth, rssGrowthTotalMb: total } : {};
    return {
      maxSessions,
      requests: statuses.length,
      accepted: count(200),
      refused503: count(503),
      other: statuses.length - count(200) - count(503),
      rssBeforeMb,
      rssGrowthMb: growth[0]!,
      ...more,
      ms,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

async function initialize(url: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: HEADERS, body: INIT });
  await res.text();
  return res.status;
}

export async function run(): Promise<Record<string, unknown>> {
  const cap = ConfigSchema.parse({}).http.maxSessions;
  const capped = await flood(cap, 5);
  const uncapped = await flood(REQUESTS * 10, 1);
  return {
    capped,
    uncappedBaseline: uncapped,
    growthRatioCappedVsUncapped: ratio(capped.rssGrowthMb, uncapped.rssGrowthMb),
    uncappedRssPerSessionKb: Math.round((uncapped.rssGrowthMb / uncapped.accepted) * 1024),
  };
}
