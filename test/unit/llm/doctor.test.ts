import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { llmChecks } from '../../../src/llm/doctor.js';
import { loadTierTable } from '../../../src/llm/tiers.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { adaptivePolicy } from '../../../src/llm/policies/spec.js';
import { tempDataDir } from '../../support/client.js';
import { gatewayEnv, makeDeps, writeTiers } from './helpers.js';

const gws: FakeGateway[] = [];
afterEach(async () => {
  while (gws.length) await gws.pop()!.close();
});

describe('llm doctor', () => {
  it('checks the key, the listed models and the prices, and writes a refreshed table', async () => {
    const table = loadTierTable();
    const models = Object.entries(table.models)
      .filter(([id]) => id !== 'kimi-k2')
      .map(([id, price]) => ({ id, price: id === 'claude-opus-4-5' ? { inputPerM: 15, outputPerM: 75, cachedInputPerM: 1.5 } : price }));
    const gw = await startFakeGateway({ apiKey: 'k', models });
    gws.push(gw);
    const deps = makeDeps(gatewayEnv(gw.url, { LLM_GATEWAY_API_KEY: 'k' }));
    const results = await llmChecks(deps, { writeTiers: true });
    const by = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(by['gateway key']!.status).toBe('ok');
    expect(by['tier models listed']).toMatchObject({ status: 'warn' });
    expect(by['tier models listed']!.detail).toContain('kimi-k2');
    expect(by['prices']!.status).toBe('warn');
    expect(by['prices']!.detail).toContain('claude-opus-4-5: ours $5/$25 (cached $0.5), gateway $15/$75 (cached $1.5)');
    const written = join(deps.dataDir, 'tiers.json');
    expect(by['write tiers']!.detail).toContain(written);
    expect(existsSync(written)).toBe(true);
    const refreshed = loadTierTable(written);
    expect(refreshed.models['claude-opus-4-5']).toEqual({ inputPerM: 15, outputPerM: 75, cachedInputPerM: 1.5 });
    expect(refreshed.models['kimi-k2']).toEqual(table.models['kimi-k2']);
    await deps.close();
  });

  it('fails on a key the gateway refuses', async () => {
    const gw = await startFakeGateway({ apiKey: 'right' });
    gws.push(gw);
    const deps = makeDeps(gatewayEnv(gw.url, { LLM_GATEWAY_API_KEY: 'wrong' }));
    const results = await llmChecks(deps, { writeTiers: false });
    expect(results.find((r) => r.name === 'gateway key')).toMatchObject({ status: 'fail', detail: expect.stringContaining('401') });
    await deps.close();
  });
});

describe('llm doctor: routing', () => {
  it('names each tier policy, checks each provider a tier uses (key, GET /models, listed models), and prints the statistics', async () => {
    const gw = await startFakeGateway({ apiKey: 'k' });
    const direct = await startFakeGateway({ apiKey: 'direct-key', models: [{ id: 'claude-opus-4-6', price: { inputPerM: 5, outputPerM: 25 } }] });
    gws.push(gw, direct);
    const dir = tempDataDir('tars-doctor-');
    const path = writeTiers(dir, (t) => {
      t.providers = { anthropic: { baseUrl: direct.url, keyEnv: 'TEST_DOCTOR_DIRECT_KEY', listsModels: true } };
      t.tiers.critical.providers = ['anthropic', 'gateway'];
      t.tiers.parse.policy = adaptivePolicy({ minQuality: 0.9 });
      t.tiers.analysis.policy = { kind: 'split', weights: { 'mistral-medium-3': 90, 'deepseek-v3.2': 10 } };
    });
    const deps = makeDeps(gatewayEnv(gw.url, { LLM_GATEWAY_API_KEY: 'k', TRADING_MCP_TIERS: path }));
    process.env.TEST_DOCTOR_DIRECT_KEY = 'direct-key';
    try {
      const by = Object.fromEntries((await llmChecks(deps, { writeTiers: false })).map((r) => [r.name, r]));
      expect(by['routing policies']!.detail).toContain('parse adaptive (explore 0.1, min 20 obs, window 200, quality ≥ 0.9)');
      expect(by['routing policies']!.detail).toContain('analysis split mistral-medium-3=90,deepseek-v3.2=10');
      expect(by['routing policies']!.detail).toContain('critical fixed via anthropic → gateway');
      expect(by['provider anthropic key']).toMatchObject({ status: 'ok' });
      // the direct provider lists only claude-opus-4-6: the critical tier's other Opus is reported, not fatal
      expect(by['provider anthropic models listed']).toMatchObject({ status: 'warn', detail: expect.stringContaining('claude-opus-4-5') });
      expect(by['gateway key']!.status).toBe('ok');
      expect(by['routing statistics']).toMatchObject({ status: 'ok' });
      delete process.env.TEST_DOCTOR_DIRECT_KEY;
      const unset = Object.fromEntries((await llmChecks(deps, { writeTiers: false })).map((r) => [r.name, r]));
      expect(unset['provider anthropic key']).toMatchObject({ status: 'warn', detail: expect.stringContaining('TEST_DOCTOR_DIRECT_KEY is not set') });
    } finally {
      delete process.env.TEST_DOCTOR_DIRECT_KEY;
      await deps.close();
    }
  });
});
