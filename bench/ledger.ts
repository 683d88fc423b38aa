/**
 * The LLM budget ledger across processes (issues 18 and 21): N forked processes each run reserve +
 * settle against one ledger, SQLite (one data dir) and PostgreSQL (one database) side by side in the
 * same run, at 1, 2, 4 and 16 processes, in two modes:
 * - `processes_N` (closed loop, saturation): each process runs its ops back to back → ops/s and the
 *   p50/p99/max of one reserve + settle. 16 processes flat out on 2 cores measure the CPU queue as much
 *   as the ledger.
 * - `paced_N` (open loop): each process starts an op every 1/LEDGER_BENCH_RATE s (default 10/s per
 *   process, a random phase per process), and an op's latency runs from its scheduled start, so an op
 *   that starts late because the one before ran long counts the wait (no coordinated omission).
 * PostgreSQL is the URL in TRADING_MCP_TEST_DATABASE_URL, else the throw-away cluster of
 * `.ci/postgres.sh start` (loopback; that cluster runs with fsync off, like the SQLite ledger's
 * synchronous=NORMAL it commits without waiting for the disk), else it is skipped and says so.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { BudgetLedger } from '../src/llm/ledger.js';
import { PACKAGE_ROOT } from '../src/paths.js';
import { summarize } from './stats.js';

const PROCESSES = [1, 2, 4, 16];
const OPS_PER_PROCESS = Number(process.env.LEDGER_BENCH_OPS ?? 100);
/** Ops per second per process in the paced mode. */
const RATE_PER_PROCESS = Number(process.env.LEDGER_BENCH_RATE ?? 10);
type Mode = 'closed' | 'paced';
/** Budgets far above what the run spends: every reserve is granted (the bench times the grant). */
const BUDGETS = { dailyNano: 1e15, monthlyNano: 1e15 };
type Backend = 'sqlite' | 'postgres';

interface ChildResult {
  samples: number[];
  ms: number;
}

async function openLedger(backend: Backend, where: string): Promise<{ ledger: BudgetLedger; end: () => Promise<void> }> {
  if (backend === 'sqlite') {
    const { SqliteLedger } = await import('../src/llm/ledger/sqlite.js');
    const ledger = new SqliteLedger(where, BUDGETS);
    return { ledger, end: async () => ledger.close() };
  }
  const { openPostgres } = await import('../src/store/postgres/index.js');
  const { PgLedger } = await import('../src/llm/ledger/postgres.js');
  const { pool } = await openPostgres(where, { max: 2 });
  const ledger = await PgLedger.open(pool, BUDGETS);
  return { ledger, end: () => pool.end() };
}

/** One reserve + one settle (the timed operation). */
async function op(ledger: BudgetLedger, callId: string): Promise<void> {
  const r = await ledger.reserve({ callId, attempt: 1, tool: 'bench', tier: 'parse' }, () => ({
    model: 'bench-model',
    reserveNano: 1_000,
    step: 0,
    route: 'primary',
  }));
  await ledger.settle(r.rowId, {
    modelServed: 'bench-model',
    inputTokens: 1,
    cachedInputTokens: 0,
    outputTokens: 1,
    reasoningTokens: 0,
    costNano: 500,
    latencyMs: 1,
    outcome: 'ok',
  });
}

/**
 * One process's share, timed each. The process start, the connection and a first untimed op (statement
 * preparation, period rows) happen before the parent's `go`, which it sends once every child is ready:
 * the timed ops of all processes overlap, and none of them pays for another process being spawned.
 */
async function child(backend: Backend, where: string, n: number, mode: Mode): Promise<void> {
  const { ledger, end } = await openLedger(backend, where);
  await op(ledger, `w${process.pid}`);
  const go = new Promise<void>((res) => process.once('message', () => res()));
  process.send?.('ready');
  await go;
  const t0 = performance.now();
  const samples = mode === 'closed' ? await closedLoop(ledger, n) : await paced((i) => op(ledger, `p${process.pid}-${i}`), n, 1000 / RATE_PER_PROCESS, t0);
  process.send?.({ samples, ms: performance.now() - t0 } satisfies ChildResult);
  await end();
}

/** Back to back: each op timed from its own start. */
async function closedLoop(ledger: BudgetLedger, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    await op(ledger, `b${process.pid}-${i}`);
    samples.push(performance.now() - a);
  }
  return samples;
}

/** One op per period from t0 + a random phase, each timed from its scheduled start (late starts count). */
export async function paced(run: (i: number) => Promise<void>, n: number, period: number, t0: number): Promise<number[]> {
  const first = t0 + Math.random() * period;
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const due = first + i * period;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await run(i);
    samples.push(performance.now() - due);
  }
  return samples;
}

async function runProcesses(backend: Backend, where: string, procs: number, mode: Mode = 'closed'): Promise<ChildResult[]> {
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: procs }, () =>
    fork(self, ['child', backend, where, String(OPS_PER_PROCESS), mode], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
  );
  const exited = (c: ChildProcess) =>
    new Promise<never>((_, rej) => c.once('exit', (code) => (code ? rej(new Error(`ledger bench child exited ${code}`)) : undefined)));
  const message = (c: ChildProcess) => new Promise<unknown>((res) => c.once('message', res));
  // every child's exit is watched from the start (a failure while the others wait fails the run)
  const failed = Promise.race(children.map(exited));
  await Promise.race([Promise.all(children.map(message)), failed]);
  const results = Promise.all(children.map((c) => message(c) as Promise<ChildResult>));
  for (const c of children) c.send('go');
  return Promise.race([results, failed]);
}

/** A database of its own for this run on the test cluster (dropped after). */
async function postgresUrl(): Promise<{ url: string; drop: () => Promise<void> } | { skipped: string }> {
  let base = process.env.TRADING_MCP_TEST_DATABASE_URL;
  if (!base) {
    try {
      const line = execFileSync('bash', [resolve(PACKAGE_ROOT, '.ci', 'postgres.sh'), 'start'], { encoding: 'utf8' }).trim();
      base = line.split('=').slice(1).join('=');
    } catch (err) {
      return { skipped: `no PostgreSQL (TRADING_MCP_TEST_DATABASE_URL unset and .ci/postgres.sh start failed: ${(err as Error).message.split('\n')[0]})` };
    }
  }
  const name = `ledger_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

function figures(outs: ChildResult[], procs: number): Record<string, number> {
  const all = outs.flatMap((o) => o.samples);
  const s = summarize(all);
  const span = Math.max(...outs.map((o) => o.ms));
  return { opsPerSec: Math.round((procs * OPS_PER_PROCESS) / (span / 1000)), p50Ms: s.p50, p99Ms: s.p99, maxMs: +Math.max(...all).toFixed(2) };
}

/** Both backends in one mode at one process count (PostgreSQL skipped, and said so, without a cluster). */
async function row(procs: number, mode: Mode, pgTarget: Awaited<ReturnType<typeof postgresUrl>>): Promise<Record<string, unknown>> {
  const sqliteDir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  return {
    sqlite: figures(await runProcesses('sqlite', sqliteDir, procs, mode), procs),
    postgres: 'url' in pgTarget ? figures(await runProcesses('postgres', pgTarget.url, procs, mode), procs) : pgTarget.skipped,
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const pgTarget = await postgresUrl();
  const out: Record<string, unknown> = {
    opsPerProcess: OPS_PER_PROCESS,
    operation: 'one reserve + one settle',
    closedLoop: 'processes_N: every process runs its ops back to back (saturation); latency from each op’s start',
    paced: `paced_N: every process starts ${RATE_PER_PROCESS} ops/s (N × ${RATE_PER_PROCESS}/s in all); latency from each op’s scheduled start`,
    pacedRatePerProcess: RATE_PER_PROCESS,
  };
  try {
    for (const procs of PROCESSES) out[`processes_${procs}`] = await row(procs, 'closed', pgTarget);
    for (const procs of PROCESSES) out[`paced_${procs}`] = await row(procs, 'paced', pgTarget);
  } finally {
    if ('drop' in pgTarget) await pgTarget.drop();
  }
  return out;
}

if (process.argv[2] === 'child') {
  const [, , , backend, where, n, mode] = process.argv;
  child(backend as Backend, where!, Number(n), (mode ?? 'closed') as Mode).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
