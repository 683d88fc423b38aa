/**
 * The LLM budget ledger across processes (issues 18 and 21): N forked processes each run reserve +
 * settle against one ledger, SQLite (one data dir) and PostgreSQL (one database) side by side in the
 * same run, at 1, 2, 4 and 16 processes → ops/s and the p50/p99/max of one reserve + settle.
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
async function child(backend: Backend, where: string, n: number): Promise<void> {
  const { ledger, end } = await openLedger(backend, where);
  await op(ledger, `w${process.pid}`);
  const go = new Promise<void>((res) => process.once('message', () => res()));
  process.send?.('ready');
  await go;
  const samples: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    await op(ledger, `b${process.pid}-${i}`);
    samples.push(performance.now() - a);
  }
  process.send?.({ samples, ms: performance.now() - t0 } satisfies ChildResult);
  await end();
}

async function runProcesses(backend: Backend, where: string, procs: number): Promise<ChildResult[]> {
  const self = fileURLToPath(import.meta.url);
  const children = Array.from({ length: procs }, () =>
    fork(self, ['child', backend, where, String(OPS_PER_PROCESS)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }),
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

export async function run(): Promise<Record<string, unknown>> {
  const pgTarget = await postgresUrl();
  const out: Record<string, unknown> = { opsPerProcess: OPS_PER_PROCESS, operation: 'one reserve + one settle' };
  try {
    for (const procs of PROCESSES) {
      const row: Record<string, unknown> = {};
      row.sqlite = figures(await runProcesses('sqlite', mkdtempSync(join(tmpdir(), 'ledger-bench-')), procs), procs);
      row.postgres = 'url' in pgTarget ? figures(await runProcesses('postgres', pgTarget.url, procs), procs) : pgTarget.skipped;
      out[`processes_${procs}`] = row;
    }
  } finally {
    if ('drop' in pgTarget) await pgTarget.drop();
  }
  return out;
}

if (process.argv[2] === 'child') {
  const [, , , backend, where, n] = process.argv;
  child(backend as Backend, where!, Number(n)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
