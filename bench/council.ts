/**
 * Council wall time vs its members (issue 9 goal: slowest member + 25 ms, not the sum).
 * Loopback gateway, real router, real journal and ticket; members injected at 300/600/100 ms.
 * Baselines measured in the same run: one router call to the slowest member's model alone (same
 * prompt, same latency), and both at zero injected latency (pure overhead of the fan-out + journal).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootstrap } from '../src/bootstrap.js';
import { councilMessages } from '../src/council/prompt.js';
import { VOTE_JSON_SCHEMA } from '../src/council/vote.js';
import { getLlm } from '../src/llm/index.js';
import { loadTierTable } from '../src/llm/tiers.js';
import { createLogger } from '../src/log.js';
import type { ToolContext } from '../src/tool.js';
import { councilVoteTool } from '../src/tools/council-vote.js';
import { startFakeGateway } from '../test/support/fake-gateway.js';
import { summarize } from './stats.js';

const MODELS = { reasoning: 'deepseek-r1', options: 'kimi-k2', analysis: 'mistral-medium-3' } as const;

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'tars-bench-council-'));
  const table = loadTierTable();
  const tiers = structuredClone(table.tiers);
  tiers.reasoning.models = [MODELS.reasoning];
  tiers.options.models = [MODELS.options];
  tiers.analysis.models = [MODELS.analysis];
  const tiersPath = join(dir, 'tiers.json');
  writeFileSync(tiersPath, JSON.stringify({ ...table, tiers }));
  const profilePath = join(dir, 'council-3.json');
  writeFileSync(
    profilePath,
    JSON.stringify({
      name: 'council-bench',
      description: 'three members',
      readOnly: true,
      tools: ['council_vote'],
      council: { members: [{ tier: 'reasoning' }, { tier: 'options' }, { tier: 'analysis' }], quorum: 2, memberTimeoutMs: 10_000, ticketTtlSec: 900 },
    }),
  );
  const gw = await startFakeGateway();
  const latency: Record<string, number> = { [MODELS.reasoning]: 300, [MODELS.options]: 600, [MODELS.analysis]: 100 };
  let injected = true;
  gw.script((req) => ({
    latencyMs: injected ? (latency[req.model ?? ''] ?? 0) : 0,
    content: JSON.stringify({ vote: 'APPROVE', confidence: 0.8, reasoning: 'bench' }),
  }));
  const deps = bootstrap(
    { 'data-dir': join(dir, 'data'), profile: profilePath },
    {
      PATH: process.env.PATH ?? '',
      LLM_GATEWAY_BASE_URL: gw.url,
      LLM_GATEWAY_API_KEY: 'bench',
      TRADING_MCP_TIERS: tiersPath,
      TRADING_MCP_DAILY_BUDGET_USD: '1000',
      TRADING_MCP_MONTHLY_BUDGET_USD: '10000',
    },
    createLogger('error', {}, () => undefined),
  );
  const ctx: ToolContext = { deps, signal: new AbortController().signal, progress: async () => undefined, elicit: async () => null };
  const input = councilVoteTool.inputSchema.parse({
    question: 'Place this order?',
    order: { symbol: 'AAPL', side: 'buy', qty: 3, type: 'limit', limit_price: 190, rationale: 'bench' },
  });
  const router = await getLlm(deps);
  const messages = councilMessages({ question: input.question, mode: deps.mode });
  const single = async () => {
    const t0 = performance.now();
    await router.complete({
      tier: 'options',
      tool: 'council_vote',
      messages,
      responseFormat: { name: 'council_vote', schema: VOTE_JSON_SCHEMA, strict: true },
    });
    return performance.now() - t0;
  };
  const council = async () => {
    const t0 = performance.now();
    const out = await councilVoteTool.handler(input, ctx);
    if (out.structured.decision !== 'APPROVE' || !out.structured.ticket) throw new Error(`unexpected council result ${out.structured.decision}`);
    return performance.now() - t0;
  };
  try {
    await council(); // warm-up: router, ledger, journal, key
    await single();
    const rounds = 12;
    const singleMs: number[] = [];
    const councilMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      singleMs.push(await single());
      councilMs.push(await council());
    }
    injected = false;
    const zeroSingle: number[] = [];
    const zeroCouncil: number[] = [];
    for (let i = 0; i < 40; i++) {
      zeroSingle.push(await single());
      zeroCouncil.push(await council());
    }
    const s = summarize(singleMs);
    const c = summarize(councilMs);
    const zs = summarize(zeroSingle);
    const zc = summarize(zeroCouncil);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return {
      members_injected_ms: [300, 600, 100],
      slowest_ms: 600,
      sum_ms: 1000,
      council_wall_ms: c,
      single_call_600ms_wall_ms: s,
      overhead_over_slowest_p50_ms: r1(c.p50 - 600),
      overhead_over_single_call_p50_ms: r1(c.p50 - s.p50),
      goal: 'council p50 <= slowest + 25 ms',
      goal_met: c.p50 - 600 <= 25,
      wall_vs_sum_ratio: Math.round((c.p50 / 1000) * 100) / 100,
      zero_latency: { council_wall_ms: zc, single_call_ms: zs, fan_out_journal_ticket_overhead_p50_ms: r1(zc.p50 - zs.p50) },
    };
  } finally {
    await deps.close();
    await gw.close();
  }
}
