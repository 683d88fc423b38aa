import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { llmChecks } from '../../../src/llm/doctor.js';
import { loadTierTable } from '../../../src/llm/tiers.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { gatewayEnv, makeDeps } from './helpers.js';

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
