/**
 * Council wall time vs its slowest member, at 2, 4 and 8 members (issues 9, 21: 8 members within slowest + 10 ms).
 * Loopback gateway, real router, ledger, journal and ticket, through the council_vote handler. Each member is a
 * model of its own on the fake gateway with an injected latency: evenly spread from FASTEST_MS up to SLOWEST_MS,
 * the slowest asked last (so every member's work before its send lands ahead of the slowest reply). The gateway
 * runs in a worker thread (council-gateway.ts), as a remote one would, off the council's event loop; its idle
 * connections stay open between rounds (a warm pool, for the councils and the baseline alike).
 * Baseline in the same run, interleaved round by round: one router call to a model answering after SLOWEST_MS
 * (same prompt). Then both at zero injected latency: the fan-out's own cost, per size.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootstrap } from '../src/bootstrap.js';
import type { Deps } from '../src/deps.js';
import { councilMessages } from '../src/council/prompt.js';
import { VOTE_JSON_SCHEMA } from '../src/council/vote.js';
import { getLlm } from '../src/llm/index.js';
import { loadTierTable, type TierTable } from '../src/llm/tiers.js';
import { createLogger } from '../src/log.js';
import type { ToolContext } from '../src/tool.js';
import { councilVoteTool } from '../src/tools/council-vote.js';
import { Worker } from 'node:worker_threads';
import { type GatewayWorkerData, memberLatency as latencyOf } from './council-gateway.js';
import { summarize } from './stats.js';

const SIZES = [2, 4, 8] as const;
const FASTEST_MS = 100;
const SLOWEST_MS = 300;
const ROUNDS = 15;
const ZERO_ROUNDS = 40;
const GOAL_OVER_SLOWEST_MS = 10;
const memberModel = (i: number) => `bench-member-${i + 1}`;
const SINGLE_MODEL = 'bench-single';

const memberLatency = (i: number, n: number) => latencyOf(i, n, FASTEST_MS, SLOWEST_MS);

/** The gateway worker: its url, and `set` (resolves once the worker applies the size and latency switch). */
async function startGatewayWorker(table: TierTable) {
  const data: GatewayWorkerData = { table, fastestMs: FASTEST_MS, slowestMs: SLOWEST_MS, slowestModels: [SINGLE_MODEL] };
  const worker = new Worker(new URL('./council-gateway.js', import.meta.url), { workerData: data });
  let failed: Error | null = null;
  let pending: { resolve: (m: unknown) => void; reject: (e: Error) => void } | null = null;
  worker.on('message', (m) => pending?.resolve(m));
  worker.on('error', (err) => {
    failed = err;
    pending?.reject(err);
  });
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      if (failed) reject(failed);
      else pending = { resolve, reject };
    });
  const { url } = (await next()) as { url: string };
  return {
    url,
    set: async (size: number, injected: boolean) => {
      const ack = next();
      worker.postMessage({ size, injected });
      await ack;
    },
    close: async () => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('close');
      await exited;
    },
  };
}

/** The shipped table with the bench's models (priced like kimi-k2) in the options tier. */
function benchTable(): TierTable {
  const table = loadTierTable();
  const price = table.models['kimi-k2']!;
  const models = { ...table.models };
  const ids = [...Array.from({ length: 8 }, (_, i) => memberModel(i)), SINGLE_MODEL];
  for (const id of ids) models[id] = { ...price };
  const tiers = structuredClone(table.tiers);
  tiers.options.models = ids;
  return { ...table, models, tiers };
}

function councilDeps(root: string, n: number, tiersPath: string, gatewayUrl: string): Deps {
  const dir = join(root, `council-${n}`);
  const profilePath = join(root, `council-${n}.json`);
  const members = Array.from({ length: n }, (_, i) => ({ tier: 'options', model: memberModel(i) }));
  writeFileSync(
    profilePath,
    JSON.stringify({
      name: `council-bench-${n}`,
      description: `${n} members`,
      readOnly: true,
      tools: ['council_vote'],
      council: { members, quorum: Math.ceil(n / 2), memberTimeoutMs: 10_000, ticketTtlSec: 900 },
    }),
  );
  return bootstrap(
    { 'data-dir': dir, profile: profilePath },
    {
      PATH: process.env.PATH ?? '',
      LLM_GATEWAY_BASE_URL: gatewayUrl,
      LLM_GATEWAY_API_KEY: 'bench',
      TRADING_MCP_TIERS: tiersPath,
      TRADING_MCP_DAILY_BUDGET_USD: '100000',
      TRADING_MCP_MONTHLY_BUDGET_USD: '1000000',
    },
    createLogger('error', {}, () => undefined),
  );
}

const input = councilVoteTool.inputSchema.parse({
  question: 'Place this order?',
  order: { symbol: 'AAPL', side: 'buy', qty: 3, type: 'limit', limit_price: 190, rationale: 'bench' },
});

function councilOf(deps: Deps, n: number): () => Promise<number> {
  const ctx: ToolContext = { deps, signal: new AbortController().signal, progress: async () => undefined, elicit: async () => null };
  return async () => {
    const t0 = performance.now();
    const out = await councilVoteTool.handler(input, ctx);
    const wall = performance.now() - t0;
    const s = out.structured;
    if (s.decision !== 'APPROVE' || !s.ticket || s.valid_votes !== n) throw new Error(`unexpected council result ${s.decision} (${s.valid_votes}/${n} valid)`);
    return wall;
  };
}

const r1 = (x: number) => Math.round(x * 10) / 10;

export async function run(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'tars-bench-council-'));
  const table = benchTable();
  const tiersPath = join(root, 'tiers.json');
  writeFileSync(tiersPath, JSON.stringify(table));
  const gw = await startGatewayWorker(table);
  let injected = true;
  const all = SIZES.map((n) => ({ n, deps: councilDeps(root, n, tiersPath, gw.url) }));
  try {
    const councils = all.map(({ n, deps }) => ({ n, run: councilOf(deps, n) }));
    const router = await getLlm(all[0]!.deps);
    const messages = councilMessages({ question: input.question, mode: all[0]!.deps.mode });
    const single = async () => {
      const t0 = performance.now();
      await router.complete({
        tier: 'options',
        tool: 'council_vote',
        messages,
        preferModel: SINGLE_MODEL,
        responseFormat: { name: 'council_vote', schema: VOTE_JSON_SCHEMA, strict: true },
      });
      return performance.now() - t0;
    };
    const measure = async (rounds: number) => {
      const singleMs: number[] = [];
      const wall = new Map<number, number[]>(SIZES.map((n) => [n, []]));
      for (let r = 0; r < rounds; r++) {
        await gw.set(1, injected);
        singleMs.push(await single());
        for (const c of councils) {
          await gw.set(c.n, injected);
          wall.get(c.n)!.push(await c.run());
        }
      }
      return { single: summarize(singleMs), wall: new Map([...wall].map(([n, xs]) => [n, summarize(xs)])) };
    };
    for (const c of councils) {
      await gw.set(c.n, injected);
      await c.run(); // warm-up: router, ledger, journal, ticket key, connections
    }
    await gw.set(1, injected);
    await single();
    const live = await measure(ROUNDS);
    injected = false;
    const zero = await measure(ZERO_ROUNDS);
    const bySize: Record<string, unknown> = {};
    for (const n of SIZES) {
      const c = live.wall.get(n)!;
      const z = zero.wall.get(n)!;
      bySize[`members_${n}`] = {
        members_injected_ms: Array.from({ length: n }, (_, i) => memberLatency(i, n)),
        council_wall_ms: c,
        over_slowest_p50_ms: r1(c.p50 - SLOWEST_MS),
        over_single_call_p50_ms: r1(c.p50 - live.single.p50),
        zero_latency_council_ms: z,
        zero_latency_over_single_call_p50_ms: r1(z.p50 - zero.single.p50),
      };
    }
    const over8 = live.wall.get(8)!.p50 - SLOWEST_MS;
    return {
      slowest_ms: SLOWEST_MS,
      single_call_slowest_wall_ms: live.single,
      single_call_over_slowest_p50_ms: r1(live.single.p50 - SLOWEST_MS),
      zero_latency_single_call_ms: zero.single,
      ...bySize,
      goal: `8 members: council p50 <= slowest + ${GOAL_OVER_SLOWEST_MS} ms`,
      goal_met: over8 < GOAL_OVER_SLOWEST_MS,
      note: 'slowest + X: council p50 minus the slowest member’s injected latency; the single call is one router call to a model answering after the same latency, measured in the same rounds',
    };
  } finally {
    for (const { deps } of all) await deps.close();
    await gw.close();
  }
}
