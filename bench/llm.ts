/**
 * LLM routing bench (issue 4).
 * (a) Routing overhead: the same parse-tier request sent N times through the router and N times through a
 *     bare `openai` client to the same zero-latency loopback gateway, interleaved in one run. Added time =
 *     routed − bare (p50/p99). Also the ledger alone (reserve + settle, two SQLite write transactions).
 * (b) One trading day's cost in a stated call mix, driven through the real router (default $0.83/day budget)
 *     with the gateway reporting the stated token counts, vs Opus-only and cheapest-only at the same tokens.
 * (c) The envelopes of SPEC §11 (bench/llm-envelope.ts): an Opus reject loop, and over-reported usage.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import { loadConfig } from '../src/config.js';
import { createDeps, ensureDataDir, type Deps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { createLlm, getLedger } from '../src/llm/index.js';
import { SqliteLedger } from '../src/llm/ledger/sqlite.js';
import { costNano, loadTierTable, nanoToUsd, type TierTable } from '../src/llm/tiers.js';
import type { ChatTier } from '../src/llm/types.js';
import { loadProfile } from '../src/profiles.js';
import { manifestToolNames } from '../src/manifest.js';
import { startFakeGateway } from '../test/support/fake-gateway.js';
import { ratio, summarize } from './stats.js';

function benchDeps(url: string, extra: Record<string, string> = {}): Deps {
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-bench-llm-'));
  const config = loadConfig({ 'data-dir': dataDir }, { LLM_GATEWAY_BASE_URL: url, LLM_GATEWAY_API_KEY: 'bench-key', ...extra });
  ensureDataDir(config.dataDir);
  return createDeps({
    config,
    profile: loadProfile('analyst', manifestToolNames()),
    mode: 'sim',
    brokerName: 'sim',
    log: createLogger('error', {}, () => undefined),
  });
}

async function overhead(n: number): Promise<Record<string, unknown>> {
  const gw = await startFakeGateway({ apiKey: 'bench-key' });
  const deps = benchDeps(gw.url, { TRADING_MCP_DAILY_BUDGET_USD: '100000', TRADING_MCP_MONTHLY_BUDGET_USD: '1000000' });
  const llm = await createLlm(deps);
  const bare = new OpenAI({ apiKey: 'bench-key', baseURL: gw.url, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'Parse: buy 10 AAPL at market, rationale: momentum.' }];
  const routedSamples: number[] = [];
  const bareSamples: number[] = [];
  for (let i = 0; i < n + 50; i++) {
    const t0 = performance.now();
    await bare.chat.completions.create({ model: 'deepseek-v3.2', messages, max_tokens: 1024 });
    const t1 = performance.now();
    await llm.complete({ tier: 'parse', tool: 'bench', messages });
    const t2 = performance.now();
    if (i >= 50) {
      bareSamples.push(t1 - t0);
      routedSamples.push(t2 - t1);
    }
  }
  const ledgerMs = async (synchronous: 'FULL' | 'NORMAL') => {
    const ledger = new SqliteLedger(mkdtempSync(join(tmpdir(), 'tars-bench-ledger-')), { dailyNano: 1e15, monthlyNano: 1e15 }, () => new Date(), synchronous);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const { rowId } = await ledger.reserve({ callId: `b${i}`, attempt: 1, tool: 'bench', tier: 'parse' }, () => ({
        model: 'deepseek-v3.2',
        reserveNano: 1000,
        step: 0,
        route: 'primary',
      }));
      await ledger.settle(rowId, {
        modelServed: 'deepseek-v3.2',
        inputTokens: 10,
        cachedInputTokens: 0,
        outputTokens: 10,
        reasoningTokens: 0,
        costNano: 500,
        latencyMs: 1,
        outcome: 'ok',
      });
      samples.push(performance.now() - t0);
    }
    await ledger.close();
    return summarize(samples);
  };
  // Our own time without any socket: the same client code with an in-process fetch answering a canned reply.
  const canned = JSON.stringify({
    id: 'x',
    object: 'chat.completion',
    created: 1,
    model: 'deepseek-v3.2',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  });
  const inProcessFetch = async () => new Response(canned, { status: 200, headers: { 'content-type': 'application/json' } });
  const bareIn = new OpenAI({ apiKey: 'bench-key', baseURL: gw.url, maxRetries: 0, fetch: inProcessFetch });
  const llmIn = await createLlm(deps, { fetch: inProcessFetch });
  const inBare: number[] = [];
  const inRouted: number[] = [];
  for (let i = 0; i < n * 2 + 200; i++) {
    const t0 = performance.now();
    await bareIn.chat.completions.create({ model: 'deepseek-v3.2', messages, max_tokens: 1024 });
    const t1 = performance.now();
    await llmIn.complete({ tier: 'parse', tool: 'bench', messages });
    const t2 = performance.now();
    if (i >= 200) {
      inBare.push(t1 - t0);
      inRouted.push(t2 - t1);
    }
  }
  const ib = summarize(inBare);
  const ir = summarize(inRouted);
  const b = summarize(bareSamples);
  const r = summarize(routedSamples);
  await deps.close();
  await gw.close();
  return {
    calls: n,
    bareOpenaiMs: b,
    routedMs: r,
    addedP50Ms: Math.round((r.p50 - b.p50) * 1000) / 1000,
    addedP99Ms: Math.round((r.p99 - b.p99) * 1000) / 1000,
    pairedAddedMs: summarize(routedSamples.map((x, i) => x - bareSamples[i]!)),
    routedToBareP50: ratio(r.p50, b.p50),
    inProcess: {
      bareOpenaiMs: ib,
      routedMs: ir,
      pairedAddedMs: summarize(inRouted.map((x, i) => x - inBare[i]!)),
      addedP50Ms: Math.round((ir.p50 - ib.p50) * 1000) / 1000,
      addedP99Ms: Math.round((ir.p99 - ib.p99) * 1000) / 1000,
    },
    ledgerReserveSettleMs: { synchronousFull: await ledgerMs('FULL'), synchronousNormal: await ledgerMs('NORMAL') },
    goal: 'added p50 < 0.5 ms',
  };
}

/** The stated mix of one trading day (calls, input tokens of which cached, output tokens of which reasoning). */
export const DAY_MIX: Array<{ tier: ChatTier | 'embedding'; calls: number; input: number; cached: number; output: number; reasoning: number; what: string }> = [
  {
    tier: 'parse',
    calls: 400,
    input: 800,
    cached: 600,
    output: 150,
    reasoning: 0,
    what: 'news/headline and order-intent parsing (shared system prompt cached)',
  },
  { tier: 'analysis', calls: 30, input: 2500, cached: 0, output: 500, reasoning: 0, what: 'get_technicals narratives' },
  { tier: 'options', calls: 8, input: 3000, cached: 0, output: 600, reasoning: 0, what: 'council options member' },
  { tier: 'reasoning', calls: 8, input: 3000, cached: 0, output: 1500, reasoning: 1000, what: 'council reasoning member' },
  { tier: 'critical', calls: 4, input: 2000, cached: 0, output: 200, reasoning: 0, what: 'Opus order confirmations' },
  { tier: 'embedding', calls: 300, input: 200, cached: 0, output: 0, reasoning: 0, what: 'lesson search/record embeddings' },
];

function analytic(table: TierTable, pick: (tier: string) => string): number {
  let nano = 0;
  for (const m of DAY_MIX) {
    const model = m.tier === 'embedding' ? table.tiers.embedding.models[0]! : pick(m.tier);
    // Opus-only and cheapest-only get the same cache hits where the model prices cached input
    nano += m.calls * costNano(table.models[model]!, { inputTokens: m.input, cachedInputTokens: m.cached, outputTokens: m.output });
  }
  return nano;
}

async function dayCost(): Promise<Record<string, unknown>> {
  const table = loadTierTable();
  const gw = await startFakeGateway({ apiKey: 'bench-key' });
  // the gateway reports the mix's token counts for each call (tagged by tier in the message)
  gw.script((req) => {
    const tag = /\[mix:(\w+)\]/.exec(JSON.stringify(req.body ?? {}))?.[1];
    const m = DAY_MIX.find((x) => x.tier === tag);
    return m ? { usage: { prompt_tokens: m.input, cached_tokens: m.cached, completion_tokens: m.output, reasoning_tokens: m.reasoning } } : undefined;
  });
  const deps = benchDeps(gw.url); // default budgets: $0.83/day, $25/month
  const llm = await createLlm(deps);
  const served: Record<string, Record<string, number>> = {};
  const refused: Record<string, number> = {};
  let criticalOnOpus = 0;
  // interleave the day: one round visits each tier in proportion to its count
  const queue: Array<(typeof DAY_MIX)[number]> = [];
  const maxCalls = Math.max(...DAY_MIX.map((m) => m.calls));
  for (let i = 0; i < maxCalls; i++) for (const m of DAY_MIX) if (i < m.calls) queue.push(m);
  for (const m of queue) {
    const content = `[mix:${m.tier}] ${'x'.repeat(Math.max(0, m.input * 4 - 60))}`;
    try {
      const r =
        m.tier === 'embedding'
          ? await llm.embed({ tool: 'bench', texts: [`[mix:embedding] ${'lesson '.repeat(100)}`] })
          : await llm.complete({
              tier: m.tier,
              tool: 'bench',
              messages: [{ role: 'user', content }],
              maxTokens: Math.min(table.tiers[m.tier].maxTokens, m.output * 2),
            });
      served[m.tier] ??= {};
      served[m.tier]![r.modelServed] = (served[m.tier]![r.modelServed] ?? 0) + 1;
      if (m.tier === 'critical' && /opus/i.test(r.modelServed)) criticalOnOpus++;
    } catch (err) {
      refused[m.tier] = (refused[m.tier] ?? 0) + 1;
      void err;
    }
  }
  const ledger = await getLedger(deps);
  const view = await ledger.view();
  const tieredUsd = gw.totalCostUsd();
  const opusModel = table.tiers.critical.models[0]!;
  const cheapest = Object.keys(table.models)
    .filter((id) => id !== table.tiers.embedding.models[0])
    .sort((a, b) => analytic(table, () => a) - analytic(table, () => b))[0]!;
  const opusOnly = nanoToUsd(analytic(table, () => opusModel));
  // context: the same day with Opus at its earlier $15/$75 list price (cached $1.50)
  const legacy = structuredClone(table);
  legacy.models[opusModel] = { inputPerM: 15, outputPerM: 75, cachedInputPerM: 1.5 };
  const opusOnlyLegacy = nanoToUsd(analytic(legacy, () => opusModel));
  const crit = DAY_MIX.find((m) => m.tier === 'critical')!;
  const criticalNano = (t: TierTable) =>
    crit.calls * costNano(t.models[opusModel]!, { inputTokens: crit.input, cachedInputTokens: crit.cached, outputTokens: crit.output });
  const tieredLegacy = tieredUsd + nanoToUsd(criticalNano(legacy) - criticalNano(table));
  const cheapestOnly = nanoToUsd(analytic(table, () => cheapest));
  const unconstrained = nanoToUsd(analytic(table, (tier) => table.tiers[tier as ChatTier].models[0]!));
  await deps.close();
  await gw.close();
  return {
    mix: DAY_MIX.map((m) => `${m.tier}: ${m.calls} calls × ${m.input} in (${m.cached} cached) / ${m.output} out (${m.reasoning} reasoning) — ${m.what}`),
    budget: { dailyUsd: 0.83 },
    tieredUsd: Math.round(tieredUsd * 1e6) / 1e6,
    tieredLedgerUsd: nanoToUsd(view.dayCommittedNano),
    tieredAllPrimaryUsd: unconstrained,
    servedByTier: served,
    refusedByTier: refused,
    endDowngradeStep: view.step,
    criticalCalls: DAY_MIX.find((m) => m.tier === 'critical')!.calls,
    criticalOnOpus,
    opusOnlyUsd: opusOnly,
    cheapestOnlyUsd: cheapestOnly,
    cheapestModel: cheapest,
    opusOnlyToTiered: ratio(opusOnly, tieredUsd),
    cheapestOnlyToTiered: ratio(cheapestOnly, tieredUsd),
    atLegacyOpusPrice: { opusOnlyUsd: opusOnlyLegacy, tieredUsd: Math.round(tieredLegacy * 1e6) / 1e6, opusOnlyToTiered: ratio(opusOnlyLegacy, tieredLegacy) },
    goal: '≥ 20× cheaper than Opus-only with every critical call on Opus',
  };
}

export async function run(): Promise<Record<string, unknown>> {
  return {
    overhead: await overhead(Number(process.env.BENCH_LLM_CALLS ?? 500)),
    tradingDay: await dayCost(),
    envelope: await (await import('./llm-envelope.js')).run(),
  };
}
