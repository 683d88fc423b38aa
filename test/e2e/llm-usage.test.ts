/** get_llm_usage and trading://usage through a real MCP client against the built server. */
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { loadTierTable } from '../../src/llm/tiers.js';
import { writeTiers } from '../unit/llm/helpers.js';
import { baseEnv, callOk, callTool, CLI_PATH, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';

const CHILD = resolve(PACKAGE_ROOT, 'dist', 'test', 'support', 'llm-child.js');
const running: Array<RunningServer | FakeGateway> = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});

interface Usage {
  gatewayConfigured: boolean;
  today: {
    budgetUsd: number;
    spentUsd: number;
    remainingUsd: number;
    byTool: Array<{ key: string; calls: number; costUsd: number }>;
    byModel: Array<{ key: string; calls: number }>;
    byTier: Array<{ key: string }>;
  };
  month: { spentUsd: number; budgetUsd: number };
  downgrade: { step: number };
  recent: Array<{ tool: string; modelServed: string | null; outcome: string }>;
}

function childCalls(spec: Record<string, unknown>): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [CHILD, JSON.stringify(spec)], { stdio: 'ignore' });
    p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`child exited ${code}`))));
  });
}

describe('get_llm_usage over MCP', () => {
  it('reports spend by tier, model and tool that matches the gateway log, also as trading://usage', async () => {
    const gw = await startFakeGateway({ apiKey: 'k' });
    running.push(gw);
    const env = { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'k', TRADING_MCP_DAILY_BUDGET_USD: '0.5' };
    const server = await startServer({ profile: 'analyst', env });
    running.push(server);

    // other capabilities may spend too (e.g. lessons ingestion embeds at start-up): compare with the whole gateway log
    const before = await callOk<Usage>(server.client, 'get_llm_usage', {});
    expect(before.gatewayConfigured).toBe(true);
    expect(before.today.budgetUsd).toBe(0.5);
    expect(before.today.remainingUsd).toBeCloseTo(0.5 - before.today.spentUsd, 9);
    expect(before.downgrade.step).toBe(0);

    // another process on the same data dir spends: 3 parse calls and 1 critical call
    await childCalls({ env, dataDir: server.dataDir, tier: 'parse', calls: 3, tool: 'get_technicals' });
    await childCalls({ env, dataDir: server.dataDir, tier: 'critical', calls: 1, tool: 'place_order' });

    // settled spend equals what the gateway billed once nothing is in flight
    let after!: Usage;
    const end = Date.now() + 15_000;
    for (;;) {
      after = await callOk<Usage>(server.client, 'get_llm_usage', { recent: 100 });
      const settled = !after.recent.some((r) => r.outcome === 'in_flight') && Math.abs(after.today.spentUsd - gw.totalCostUsd()) < 1e-8;
      if (settled || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const billed = gw.totalCostUsd();
    expect(billed).toBeGreaterThan(0);
    expect(after.today.spentUsd).toBeCloseTo(billed, 8);
    expect(after.month.spentUsd).toBeCloseTo(billed, 8);
    expect(after.today.remainingUsd).toBeCloseTo(0.5 - billed, 8);
    const tools = Object.fromEntries(after.today.byTool.map((g) => [g.key, g.calls]));
    expect(tools).toMatchObject({ get_technicals: 3, place_order: 1 });
    expect(after.today.byModel.map((g) => g.key)).toEqual(expect.arrayContaining(['claude-opus-4-6', 'deepseek-v3.2']));
    expect(after.today.byTier.map((g) => g.key)).toEqual(expect.arrayContaining(['critical', 'parse']));
    expect(after.recent.find((r) => r.tool === 'place_order')).toMatchObject({ modelServed: 'claude-opus-4-6', outcome: 'ok' });

    const read = await server.client.readResource({ uri: 'trading://usage' });
    const resource = JSON.parse((read.contents[0] as { text: string }).text) as Usage;
    expect(resource.today.spentUsd).toBeCloseTo(billed, 8);

    const bad = await callTool(server.client, 'get_llm_usage', { recent: '5' });
    expect(errorCode(bad)).toBe('INVALID_INPUT');
    await expect(server.client.ping()).resolves.toBeDefined();
  });

  it('works without a gateway key (reads the ledger only)', async () => {
    const server = await startServer({ profile: 'council' });
    running.push(server);
    const usage = await callOk<Usage>(server.client, 'get_llm_usage', {});
    expect(usage.gatewayConfigured).toBe(false);
    expect(usage.today.spentUsd).toBe(0);
    expect(usage.today.remainingUsd).toBe(0.83);
  });

  it('refuses to start with a critical tier that is not Claude Opus, in one line', () => {
    const dir = tempDataDir();
    const path = writeTiers(dir, (t) => {
      t.tiers.critical.models = ['deepseek-r1'];
    });
    const r = spawnSync(process.execPath, [CLI_PATH, '--data-dir', dir], { env: baseEnv({ TRADING_MCP_TIERS: path }), encoding: 'utf8', timeout: 15_000 });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('critical tier must use Claude Opus models only, found deepseek-r1');
    expect(loadTierTable().tiers.critical.models.every((m) => /opus/.test(m))).toBe(true);
  });

  it.each([
    ['adaptive', { kind: 'adaptive', explore: 0.1 }],
    ['split', { kind: 'split', weights: { 'claude-opus-4-6': 90, 'claude-opus-4-5': 10 } }],
  ] as const)('refuses to start with a critical tier whose policy is %s (the confirmation takes part in no experiment), in one line', (_name, policy) => {
    const dir = tempDataDir();
    const path = writeTiers(dir, (t) => {
      t.tiers.critical.policy = structuredClone(policy) as never;
    });
    const r = spawnSync(process.execPath, [CLI_PATH, '--data-dir', dir], { env: baseEnv({ TRADING_MCP_TIERS: path }), encoding: 'utf8', timeout: 15_000 });
    expect(r.status).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("the critical tier's policy must be fixed");
  });
});
