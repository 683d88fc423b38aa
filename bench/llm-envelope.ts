/**
 * LLM envelope bench (issue 13, SPEC §11), part of `node dist/bench/run.js llm`.
 * (a) A looping agent: 100 distinct orders that Opus rejects, through the real gate (test harness, sim
 *     broker) and the real router against the loopback gateway, with the shipped limits (the profile's
 *     maxConfirmationsPerHour, TRADING_MCP_CRITICAL_DAILY_BUDGET_USD) and, for contrast, with both lifted.
 *     Opus calls and dollars are counted from the gateway's request log.
 * (b) A gateway that over-reports usage under concurrency: burst one's settled spend against the cap
 *     (charged as reported), then a second burst of honest calls, whose requests must number 0; for the
 *     shared envelope (parse tier) and the critical one.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, loadConfig } from '../src/config.js';
import { createDeps, ensureDataDir } from '../src/deps.js';
import { isToolError } from '../src/errors.js';
import { createLlm, getLedger } from '../src/llm/index.js';
import { nanoToUsd } from '../src/llm/tiers.js';
import type { ChatTier } from '../src/llm/types.js';
import { loadProfile } from '../src/profiles.js';
import { manifestToolNames } from '../src/manifest.js';
import { createLogger } from '../src/log.js';
import { BUY_AAPL, reject, startHarness } from '../test/support/execution-harness.js';
import { startFakeGateway, type FakeGateway } from '../test/support/fake-gateway.js';

const LOOP_ORDERS = 100;
const chatRequests = (gw: FakeGateway) => gw.requests.filter((r) => r.path === '/v1/chat/completions').length;
const usd = (x: number) => Math.round(x * 1e6) / 1e6;

async function rejectLoop(limits: { maxConfirmationsPerHour: number; criticalDailyUsd: number }): Promise<Record<string, unknown>> {
  const gw = await startFakeGateway();
  gw.script((req) => (req.path.endsWith('/chat/completions') ? { content: reject(req) } : undefined));
  const h = await startHarness({
    gatewayUrl: gw.url,
    maxConfirmationsPerHour: limits.maxConfirmationsPerHour,
    budget: { criticalDailyUsd: limits.criticalDailyUsd },
    rejectCooldownSec: 900,
  });
  const codes: Record<string, number> = {};
  for (let i = 0; i < LOOP_ORDERS; i++) {
    try {
      await h.gate.place({ ...BUY_AAPL, qty: i + 1, client_order_id: `loop-${i}`, rationale: 'retrying with a new size' });
      codes.submitted = (codes.submitted ?? 0) + 1;
    } catch (err) {
      const code = isToolError(err) ? err.code : 'CRASH';
      codes[code] = (codes[code] ?? 0) + 1;
    }
  }
  const out = { ...limits, orders: LOOP_ORDERS, opusCalls: chatRequests(gw), opusUsd: usd(gw.totalCostUsd()), outcomes: codes };
  await h.close();
  await gw.close();
  return out;
}

async function overReport(envelope: 'shared' | 'critical', burst: number, factor: number): Promise<Record<string, unknown>> {
  const gw = await startFakeGateway({ apiKey: 'bench-key' });
  const dataDir = mkdtempSync(join(tmpdir(), 'tars-bench-envelope-'));
  const cap = envelope === 'shared' ? '0.01' : '0.1';
  const config = loadConfig(
    { 'data-dir': dataDir },
    {
      LLM_GATEWAY_BASE_URL: gw.url,
      LLM_GATEWAY_API_KEY: 'bench-key',
      TRADING_MCP_MONTHLY_BUDGET_USD: '1000',
      ...(envelope === 'shared' ? { TRADING_MCP_DAILY_BUDGET_USD: cap } : { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: cap }),
    },
  );
  ensureDataDir(config.dataDir);
  const profile = loadProfile('executor', manifestToolNames());
  const deps = createDeps({
    config,
    profile: { ...profile, confirmation: { ...profile.confirmation, maxConfirmationsPerHour: 3600 } },
    mode: 'sim',
    brokerName: 'sim',
    log: createLogger('error', {}, () => undefined),
  });
  const llm = await createLlm(deps);
  const tier: ChatTier = envelope === 'shared' ? 'parse' : 'critical';
  const fire = (tag: string) =>
    Promise.allSettled(
      Array.from({ length: burst }, (_, i) =>
        llm.complete({ tier, tool: 'bench', messages: [{ role: 'user', content: `${tag} ${i}: order_hash: ${String(i).padStart(64, '0')}` }] }),
      ),
    );
  gw.script(() => ({ overReportUsage: factor, latencyMs: 100 }));
  await fire('burst one');
  const firstSent = chatRequests(gw);
  const ledger = await getLedger(deps);
  const view = await ledger.view();
  const committed = envelope === 'shared' ? view.dayCommittedNano : view.critical.committedNano;
  gw.resetBehaviours();
  const second = await fire('burst two');
  const out = {
    envelope,
    capUsd: Number(cap),
    burst,
    overReportFactor: factor,
    firstBurstSent: firstSent,
    settledAfterFirstUsd: nanoToUsd(committed),
    settledToCap: Math.round((nanoToUsd(committed) / Number(cap)) * 100) / 100,
    gatewayBilledUsd: usd(gw.totalCostUsd()),
    anomaliesFlagged: (await ledger.anomalies(view, 0)).today,
    secondBurstSent: chatRequests(gw) - firstSent,
    secondBurstRefused: second.filter((r) => r.status === 'rejected' && isToolError(r.reason) && r.reason.code === 'BUDGET_EXHAUSTED').length,
  };
  await deps.close();
  await gw.close();
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const shipped = {
    maxConfirmationsPerHour: loadProfile('executor', manifestToolNames()).confirmation.maxConfirmationsPerHour,
    criticalDailyUsd: ConfigSchema.parse({}).budget.criticalDailyUsd,
  };
  return {
    rejectLoop: await rejectLoop(shipped),
    rejectLoopWithoutEnvelope: await rejectLoop({ maxConfirmationsPerHour: 3600, criticalDailyUsd: 10_000 }),
    overReporting: [await overReport('shared', 20, 50), await overReport('critical', 10, 20)],
    goal: 'reject loop bounded by the envelope (≤ maxConfirmationsPerHour Opus calls an hour, ≤ the daily cap); second burst sends 0',
  };
}
