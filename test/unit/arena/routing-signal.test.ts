/**
 * The arena's signal reaches adaptive routing end to end (SPEC §14 → §15): deps built by bootstrap (which
 * registers the arena as the external quality source), the router getLlm builds for them, a parse tier on
 * the adaptive policy with exploration off, and the loopback gateway. A model with no history of its own
 * is cold, so the incumbent takes every call — until the arena's fills give it a winning record, when it is
 * warm on that evidence alone and, being cheaper and good enough, takes the calls. A losing record keeps it
 * off; an arena store that fails while routing never fails a call.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type ArenaStore, getArenaStore, openArenaStore } from '../../../src/arena/store.js';
import type { Deps } from '../../../src/deps.js';
import { createLlm, getLedger, getLlm } from '../../../src/llm/index.js';
import { usageReport } from '../../../src/llm/usage.js';
import { adaptivePolicy } from '../../../src/llm/policies/spec.js';
import { tempDataDir } from '../../support/client.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { councilDeps } from '../council/helpers.js';
import { chatRequests, userMessages, writeTiers } from '../llm/helpers.js';
import { join } from 'node:path';

const INCUMBENT = 'deepseek-v3.2';
const CHALLENGER = 'mistral-small-3.2';
const SCHEMA = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };

const open: Array<{ close(): Promise<void> | void }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

/** `trades` round trips for a model in the arena's store, each a win (sold above cost) or a loss. */
async function arenaRecord(dataDir: string, model: string, trades: number, win: boolean): Promise<void> {
  const store: ArenaStore = await openArenaStore(join(dataDir, 'arena.sqlite'));
  for (let i = 0; i < trades; i++) {
    for (const [side, price] of [
      ['buy', 100],
      ['sell', win ? 101 : 99],
    ] as const) {
      const r = await store.fill({
        model,
        initialCash: 10_000,
        at: new Date().toISOString(),
        source: 'round',
        ref: `r${i}-${side}`,
        symbol: 'SPY',
        mid: price,
        size: () => ({ ok: true, side, qty: 1, price }),
      });
      expect(r.filled).not.toBeNull();
    }
  }
  await store.close();
}

async function routedDeps(gw: FakeGateway, setUp?: (dataDir: string) => Promise<void>): Promise<Deps> {
  const dataDir = tempDataDir('tars-arena-routing-');
  const tiers = writeTiers(dataDir, (t) => {
    t.tiers.parse.policy = adaptivePolicy({ explore: 0, minObservations: 10, externalWeight: 40, minQuality: 0.6 });
  });
  await setUp?.(dataDir);
  const deps = councilDeps({ dataDir, env: { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'test-key', TRADING_MCP_TIERS: tiers } });
  open.push({ close: () => deps.close() });
  return deps;
}

async function servedOver(deps: Deps, gw: FakeGateway, calls: number): Promise<string[]> {
  const llm = await getLlm(deps);
  const before = chatRequests(gw).length;
  for (let i = 0; i < calls; i++) {
    await llm.complete({ tier: 'parse', tool: 't', messages: userMessages(`call ${i}`), responseFormat: { name: 'ok', schema: SCHEMA } });
  }
  return chatRequests(gw)
    .slice(before)
    .map((r) => r.model);
}

describe('the arena signal in adaptive routing (bootstrap deps, getLlm, loopback gateway)', () => {
  it('without an arena record the challenger is cold and the incumbent takes every call', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key' });
    open.push(gw);
    const deps = await routedDeps(gw);
    expect(new Set(await servedOver(deps, gw, 8))).toEqual(new Set([INCUMBENT]));
  });

  it('a winning arena record makes the challenger warm on that evidence alone: it takes the calls, routed adaptive', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key' });
    open.push(gw);
    const deps = await routedDeps(gw, (dir) => arenaRecord(dir, CHALLENGER, 30, true));
    // Beta(1 + 30, 1) clears minQuality 0.6 but with probability 0.6^31 per call: every call goes to the cheaper challenger
    expect(new Set(await servedOver(deps, gw, 8))).toEqual(new Set([CHALLENGER]));
    const routes = (await (await getLedger(deps)).recent(8)).map((r) => [r.model_served, r.route]);
    expect(new Set(routes.map((r) => r.join(' ')))).toEqual(new Set([`${CHALLENGER} adaptive`]));
    // get_llm_usage reports it as routing sees it: warm (8 own signals + 30 from the arena ≥ 10), quality near 1
    const parse = (await usageReport(deps)).routing.tiers.find((t) => t.tier === 'parse')!;
    const row = parse.models.find((m) => m.model === CHALLENGER)!;
    expect(row.state).toBe('warm');
    expect(row.windowQuality).toBeGreaterThan(0.95);
  });

  it('a losing arena record keeps the challenger (all but) off the tier, warm on poor evidence', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key' });
    open.push(gw);
    const deps = await routedDeps(gw, (dir) => arenaRecord(dir, CHALLENGER, 30, false));
    // the challenger takes a call only when neither draw reaches 0.6 and its Beta(1, 31) beats a uniform: p = 1/32
    // a call, so at most 3 of 12 (P(4 or more) < 0.0005) — against all 8 of 8 with a winning record
    const served = await servedOver(deps, gw, 12);
    expect(served.filter((m) => m === CHALLENGER).length).toBeLessThanOrEqual(3);
    // warm on the arena's evidence, and that evidence is poor (≈ 1 / 32, a little more for any call it took)
    const row = (await usageReport(deps)).routing.tiers.find((t) => t.tier === 'parse')!.models.find((m) => m.model === CHALLENGER)!;
    expect(row.state).toBe('warm');
    expect(row.windowQuality).toBeLessThan(0.15);
  });

  it('an arena store that fails while routing costs the signal, never the call', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key' });
    open.push(gw);
    const deps = await routedDeps(gw, (dir) => arenaRecord(dir, CHALLENGER, 30, true));
    // the winning record would make the challenger take every call (the test above): the store fails before
    // the router reads it, so the source starts with no figures and every refresh fails too
    await (await getArenaStore(deps)).close(); // every read of the arena now throws
    expect(new Set(await servedOver(deps, gw, 3))).toEqual(new Set([INCUMBENT]));
    // a source that throws is no evidence, whoever provides it
    const llm = await createLlm(deps, {
      external: () => {
        throw new Error('source down');
      },
    });
    open.push(llm);
    const r = await llm.complete({ tier: 'parse', tool: 't', messages: userMessages('x'), responseFormat: { name: 'ok', schema: SCHEMA } });
    expect(r.modelServed).toBe(INCUMBENT);
  });
});
