/**
 * Routing like a portfolio through the real router and the loopback gateway (SPEC §15): the attribution the
 * gateway sees, the statistics each attempt leaves, an adaptive tier learning from hidden model qualities,
 * the council's agreement, the catalog (unlisted models skipped, listed prices picked up), a tier's own
 * provider with the gateway as fallback (and the confirmation's strict checks on that path), and a tier
 * table edited while the router runs.
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLlm, getLedger, getRoutingStats } from '../../../src/llm/index.js';
import { adaptivePolicy } from '../../../src/llm/policies/spec.js';
import { fullPriceQuote } from '../../../src/llm/route.js';
import { routingReport } from '../../../src/llm/routing-report.js';
import { loadTierTable, type TierTable } from '../../../src/llm/tiers.js';
import { usageReport } from '../../../src/llm/usage.js';
import { seededRng } from '../../../src/random.js';
import { tempDataDir } from '../../support/client.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { chatRequests, gatewayEnv, makeDeps, toolErrorOf, userMessages as user, writeTiers } from './helpers.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const SCHEMA = {
  type: 'object',
  properties: { symbol: { type: 'string' }, side: { enum: ['buy', 'sell'] } },
  required: ['symbol', 'side'],
  additionalProperties: false,
};
const format = { name: 'order_draft', schema: SCHEMA };

async function setup(
  opts: { edit?: (t: TierTable) => void; env?: Record<string, string>; gateway?: FakeGateway; router?: Parameters<typeof createLlm>[1] } = {},
) {
  const gw = opts.gateway ?? (await startFakeGateway({ apiKey: 'test-key' }));
  if (!opts.gateway) open.push(gw);
  const dir = tempDataDir('tars-routing-');
  const path = opts.edit ? writeTiers(dir, opts.edit) : undefined;
  const deps = makeDeps(gatewayEnv(gw.url, { ...(path ? { TRADING_MCP_TIERS: path } : {}), ...opts.env }));
  open.push({ close: () => deps.close() });
  const llm = await createLlm(deps, { retry: { maxAttempts: 0 }, ...opts.router });
  return { gw, deps, llm, path };
}

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('attribution: what the gateway sees', () => {
  it('every chat and embedding request carries x-request-id (= the ledger call id), tool, tier, profile and user', async () => {
    const { gw, deps, llm } = await setup();
    const chat = await llm.complete({ tier: 'parse', tool: 'draft_order', messages: user('buy 1 AAPL'), responseFormat: format });
    const vectors = await llm.embed({ tool: 'search_lessons', texts: ['stop loss'] });
    const [c, e] = gw.requests;
    expect(c!.headers).toMatchObject({
      'x-request-id': chat.callId,
      'x-trading-mcp-tool': 'draft_order',
      'x-trading-mcp-tier': 'parse',
      'x-trading-mcp-profile': 'analyst',
    });
    expect(c!.body!.user).toBe('tars-trading-mcp:analyst');
    expect(e!.headers).toMatchObject({ 'x-request-id': vectors.callId, 'x-trading-mcp-tool': 'search_lessons', 'x-trading-mcp-tier': 'embedding' });
    expect(e!.body!.user).toBe('tars-trading-mcp:analyst');
    const ledger = await getLedger(deps);
    expect((await ledger.rowsForCall(chat.callId)).map((r) => [r.tool, r.provider])).toEqual([['draft_order', 'gateway']]);
  });

  it('a retried and failed-over call keeps one request id across its attempts, and a failed call names it', async () => {
    const { gw, llm } = await setup();
    gw.when({ tier: 'parse' }, { status: 500 }, { times: 2 });
    const err = await toolErrorOf(llm.complete({ tier: 'parse', tool: 't', messages: user('x') }));
    const ids = chatRequests(gw).map((r) => r.headers['x-request-id']);
    expect(ids).toHaveLength(2);
    expect(new Set(ids)).toEqual(new Set([err.details.callId]));
  });
});

describe('statistics: every attempt, durable', () => {
  it('records valid, invalid and failed attempts per tier × model, and reports them under routing', async () => {
    const { gw, deps, llm } = await setup();
    await llm.complete({ tier: 'parse', tool: 't', messages: user('a'), responseFormat: format });
    gw.when('deepseek-v3.2', { content: '{"nope": 1}' });
    await llm.complete({ tier: 'parse', tool: 't', messages: user('b'), responseFormat: format });
    gw.when('deepseek-v3.2', { status: 503 });
    await llm.complete({ tier: 'parse', tool: 't', messages: user('c'), responseFormat: format }); // fails over to mistral-small
    const stats = await getRoutingStats(deps);
    const row = (await stats.summary()).find((s) => s.tier === 'parse' && s.model === 'deepseek-v3.2')!;
    expect([row.calls, row.failed, row.validN, row.validRate]).toEqual([3, 1, 3, 1 / 3]);
    expect(row.latencyP50Ms).not.toBeNull();
    expect(row.meanCostUsd).toBeGreaterThan(0);
    const usage = await usageReport(deps);
    const parse = usage.routing.tiers.find((t) => t.tier === 'parse')!;
    expect(parse.policy).toBe('fixed');
    expect(parse.models.map((m) => [m.model, m.calls])).toEqual([
      ['deepseek-v3.2', 3],
      ['mistral-small-3.2', 1],
    ]);
    expect(parse.models[0]!.share).toBeCloseTo(0.75, 10);
  });

  it('the statistics survive a restart (a new process on the same data dir sees them)', async () => {
    const { deps, llm } = await setup();
    await llm.complete({ tier: 'parse', tool: 't', messages: user('a'), responseFormat: format });
    await new Promise((r) => setImmediate(r)); // observations are committed once per event-loop turn (stats/sqlite.ts)
    const { SqliteRoutingStats } = await import('../../../src/llm/stats/sqlite.js');
    const other = new SqliteRoutingStats(deps.dataDir);
    open.push({ close: async () => other.close() });
    expect(other.recent('parse', 'deepseek-v3.2').map((o) => o.valid)).toEqual([true]);
  });

  it('the council’s verdict lands on the member’s call; an unknown call id is ignored', async () => {
    const { deps, llm } = await setup();
    const r = await llm.complete({ tier: 'reasoning', tool: 'council_vote', messages: user('vote') });
    llm.feedback!(r.callId, { agreedWithMajority: false });
    llm.feedback!('no-such-call', { agreedWithMajority: true });
    const stats = await getRoutingStats(deps);
    expect(stats.recent('reasoning', 'deepseek-r1').map((o) => o.agreed)).toEqual([false]);
    expect((await stats.summary()).find((s) => s.model === 'deepseek-r1')).toMatchObject({ agreementN: 1, agreementRate: 0 });
  });
});

describe('adaptive through the router', () => {
  it('learns from the replies: a cheaper model of enough quality takes the tier, a poor one is dropped', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key', seed: 3 });
    open.push(gw);
    gw.profile('deepseek-v3.2', { quality: 0.95 });
    gw.profile('mistral-small-3.2', { quality: 0.97 });
    const { deps, llm } = await setup({
      gateway: gw,
      edit: (t) => {
        t.tiers.parse.policy = adaptivePolicy({ explore: 0.3, minObservations: 8, minQuality: 0.85 });
      },
      router: { random: seededRng(21).uniform },
    });
    for (let i = 0; i < 120; i++) await llm.complete({ tier: 'parse', tool: 't', messages: user(`intent ${i}`), responseFormat: format });
    const last40 = chatRequests(gw).slice(-40);
    expect(last40.filter((r) => r.model === 'mistral-small-3.2').length).toBeGreaterThanOrEqual(36);
    const routes = new Set((await (await getLedger(deps)).recent(200)).map((r) => r.route));
    expect(routes).toEqual(new Set(['adaptive', 'adaptive:explore']));
    const report = (await usageReport(deps)).routing.tiers.find((t) => t.tier === 'parse')!;
    expect(report.models.find((m) => m.model === 'mistral-small-3.2')).toMatchObject({ state: 'warm' });
    expect(report.models.find((m) => m.model === 'deepseek-v3.2')).toMatchObject({ state: 'incumbent' });
  });
});

describe('split through the router: each arm recorded and reported', () => {
  it('each call names its arm in the ledger; get_llm_usage reports each arm’s weight, calls and valid rate', async () => {
    const gw = await startFakeGateway({ apiKey: 'test-key', seed: 5 });
    open.push(gw);
    gw.profile('deepseek-v3.2', { quality: 1 });
    gw.profile('mistral-small-3.2', { quality: 0 });
    const { deps, llm } = await setup({
      gateway: gw,
      edit: (t) => {
        t.tiers.parse.policy = { kind: 'split', weights: { 'deepseek-v3.2': 75, 'mistral-small-3.2': 25 } };
      },
      router: { random: seededRng(13).uniform },
    });
    const n = 200;
    for (let i = 0; i < n; i++) await llm.complete({ tier: 'parse', tool: 't', messages: user(`intent ${i}`), responseFormat: format });
    const served = chatRequests(gw).map((r) => r.model);
    const small = served.filter((m) => m === 'mistral-small-3.2').length;
    // 4.5 sd of a 25% arm over 200 draws
    expect(Math.abs(small / n - 0.25)).toBeLessThanOrEqual(4.5 * Math.sqrt((0.25 * 0.75) / n));
    expect(new Set((await (await getLedger(deps)).recent(n)).map((r) => r.route))).toEqual(new Set(['split:deepseek-v3.2=75,mistral-small-3.2=25']));
    const report = (await usageReport(deps)).routing.tiers.find((t) => t.tier === 'parse')!;
    expect(report.policy).toBe('split');
    expect(report.models.map((m) => [m.model, m.weight, m.calls, m.validRate])).toEqual([
      ['deepseek-v3.2', 75, n - small, 1],
      ['mistral-small-3.2', 25, small, 0],
    ]);
  });
});

describe('the catalog: models and prices from GET /models', () => {
  const withCatalog = (t: TierTable) => {
    t.catalog = { refreshSec: 1 };
  };

  it('a model the gateway stops listing is skipped, never called, and reported; listing it again brings it back', async () => {
    const { gw, llm } = await setup({ edit: withCatalog });
    // this test's router (usageReport would read the process's own, getLlm's)
    const unlisted = () => routingReport({ ...llm.routingSources!(), stats: [] }).catalog.unlisted;
    await llm.complete({ tier: 'options', tool: 't', messages: user('a') });
    expect(chatRequests(gw).map((r) => r.model)).toEqual(['kimi-k2']);
    gw.unlist('kimi-k2');
    await new Promise((r) => setTimeout(r, 1100));
    await llm.complete({ tier: 'options', tool: 't', messages: user('b') }); // starts the refresh
    await waitFor(() => unlisted().length > 0);
    const before = chatRequests(gw).length;
    const r = await llm.complete({ tier: 'options', tool: 't', messages: user('c') });
    expect(r.modelServed).toBe('deepseek-v3.2');
    expect(
      chatRequests(gw)
        .slice(before)
        .map((q) => q.model),
    ).toEqual(['deepseek-v3.2']);
    expect(unlisted()).toEqual([
      { tier: 'options', model: 'kimi-k2', provider: 'gateway' },
      { tier: 'reasoning', model: 'kimi-k2', provider: 'gateway' },
    ]);
    gw.list('kimi-k2', loadTierTable().models['kimi-k2']);
    await new Promise((r) => setTimeout(r, 1100));
    await llm.complete({ tier: 'options', tool: 't', messages: user('d') });
    await waitFor(() => unlisted().length === 0);
    expect((await llm.complete({ tier: 'options', tool: 't', messages: user('e') })).modelServed).toBe('kimi-k2');
  });

  it('no Opus model listed: the confirmation is refused before anything is sent (not_listed)', async () => {
    const table = loadTierTable();
    const models = Object.entries(table.models)
      .filter(([id]) => !id.startsWith('claude-opus'))
      .map(([id, price]) => ({ id, price }));
    const gw = await startFakeGateway({ apiKey: 'test-key', models });
    open.push(gw);
    const { llm } = await setup({ gateway: gw, edit: withCatalog });
    const err = await toolErrorOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') }));
    expect([err.code, err.details.reason]).toEqual(['GATEWAY_UNAVAILABLE', 'not_listed']);
    expect(chatRequests(gw)).toHaveLength(0);
  });

  it('a price change is picked up at the next refresh, without a restart', async () => {
    const { gw, deps, llm } = await setup({ edit: withCatalog });
    const first = await llm.complete({ tier: 'parse', tool: 't', messages: user('same prompt') });
    gw.list('deepseek-v3.2', { inputPerM: 2.8, outputPerM: 4.2, cachedInputPerM: 0.28 });
    await new Promise((r) => setTimeout(r, 1100));
    await llm.complete({ tier: 'parse', tool: 't', messages: user('same prompt') });
    await new Promise((r) => setTimeout(r, 100));
    const later = await llm.complete({ tier: 'parse', tool: 't', messages: user('same prompt') });
    const rows = await (await getLedger(deps)).recent(3);
    expect(later.costUsd).toBeCloseTo(first.costUsd * 10, 9);
    expect(rows[0]!.reserved_nano).toBeGreaterThan(rows[2]!.reserved_nano * 9);
  });
});

describe("a tier's own provider, the gateway as fallback", () => {
  async function direct() {
    const anthropic = await startFakeGateway({ apiKey: 'anthropic-key' });
    open.push(anthropic);
    return anthropic;
  }
  const viaDirect = (url: string) => (t: TierTable) => {
    t.providers = { anthropic: { baseUrl: url, keyEnv: 'TEST_ANTHROPIC_KEY', listsModels: true } };
    t.tiers.critical.providers = ['anthropic', 'gateway'];
  };

  it('the critical tier goes straight to its provider, with the attribution; the ledger names the provider', async () => {
    const anthropic = await direct();
    const { gw, deps, llm } = await setup({ edit: viaDirect(anthropic.url), router: { env: { TEST_ANTHROPIC_KEY: 'anthropic-key' } } });
    const r = await llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') });
    expect([chatRequests(anthropic).length, chatRequests(gw).length]).toEqual([1, 0]);
    expect(chatRequests(anthropic)[0]!.headers).toMatchObject({
      'x-request-id': r.callId,
      'x-trading-mcp-tier': 'critical',
      authorization: 'Bearer anthropic-key',
    });
    expect((await (await getLedger(deps)).rowsForCall(r.callId)).map((x) => x.provider)).toEqual(['anthropic']);
  });

  it('the provider failing: the same Opus model through the gateway', async () => {
    const anthropic = await direct();
    anthropic.when(/opus/, { status: 500 }, { times: Infinity });
    const { gw, deps, llm } = await setup({ edit: viaDirect(anthropic.url), router: { env: { TEST_ANTHROPIC_KEY: 'anthropic-key' } } });
    const r = await llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') });
    expect(r.modelServed).toBe('claude-opus-4-6');
    expect(chatRequests(gw).map((q) => q.model)).toEqual(['claude-opus-4-6']);
    expect((await (await getLedger(deps)).rowsForCall(r.callId)).map((x) => [x.provider, x.model_requested, x.state])).toEqual([
      ['anthropic', 'claude-opus-4-6', 'released'],
      ['gateway', 'claude-opus-4-6', 'settled'],
    ]);
  });

  it('the provider substituting a model is refused there as anywhere (charged, not used), and the gateway answers', async () => {
    const anthropic = await direct();
    anthropic.when(/opus/, { model: 'claude-sonnet-4-5' }, { times: Infinity });
    const { deps, llm } = await setup({ edit: viaDirect(anthropic.url), router: { env: { TEST_ANTHROPIC_KEY: 'anthropic-key' } } });
    const r = await llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') });
    expect(r.modelServed).toBe('claude-opus-4-6');
    const rows = (await (await getLedger(deps)).rowsForCall(r.callId)).map((x) => [x.provider, x.outcome]);
    expect(rows).toEqual([
      ['anthropic', 'rejected_substitution'],
      ['gateway', 'ok'],
    ]);
  });

  it('no key for the provider: skipped, the gateway takes the call', async () => {
    const anthropic = await direct();
    const { gw, llm } = await setup({ edit: viaDirect(anthropic.url), router: { env: {} } });
    await llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') });
    expect([chatRequests(anthropic).length, chatRequests(gw).length]).toEqual([0, 1]);
  });

  it('the critical envelope binds on the direct path too: past the cap nothing is sent anywhere', async () => {
    const anthropic = await direct();
    const { gw, llm } = await setup({
      edit: viaDirect(anthropic.url),
      env: { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '0.00001' },
      router: { env: { TEST_ANTHROPIC_KEY: 'anthropic-key' } },
    });
    const err = await toolErrorOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') }));
    expect([err.code, err.details.reason]).toEqual(['BUDGET_EXHAUSTED', 'critical_daily_cap']);
    expect([chatRequests(anthropic).length, chatRequests(gw).length]).toEqual([0, 0]);
  });

  it.each([
    ['at $0', { inputPerM: 0, outputPerM: 0, cachedInputPerM: 0 }],
    ['at a hundredth of the table', { inputPerM: 0.05, outputPerM: 0.25, cachedInputPerM: 0.005 }],
  ])('a provider listing Opus %s never loosens the critical envelope: the table’s price is the floor, the cap binds, nothing is sent', async (_name, price) => {
    const shipped = loadTierTable();
    // both providers list Opus that cheap (the highest listing would otherwise be the table's)
    const listing = Object.entries(shipped.models).map(([id, p]) => ({ id, price: /^claude-opus/.test(id) ? price : p }));
    const anthropic = await startFakeGateway({ apiKey: 'anthropic-key', models: listing });
    const gateway = await startFakeGateway({ apiKey: 'test-key', models: listing });
    open.push(anthropic, gateway);
    const worstAtTable = fullPriceQuote(shipped, { tier: 'critical', tool: 'place_order', messages: user('order_hash: x') }).candidates[0]!.worstNano;
    const { gw, llm } = await setup({
      gateway,
      edit: (t) => {
        viaDirect(anthropic.url)(t);
        t.catalog = { refreshSec: 60 };
      },
      // room for a confirmation at the listed price, not at the table's
      env: { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: String((worstAtTable / 1e9) * 0.5) },
      router: { env: { TEST_ANTHROPIC_KEY: 'anthropic-key' } },
    });
    const err = await toolErrorOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') }));
    expect([err.code, err.details.reason]).toEqual(['BUDGET_EXHAUSTED', 'critical_daily_cap']);
    expect([chatRequests(anthropic).length, chatRequests(gw).length]).toEqual([0, 0]);
    // both listings were read (a price above the table's would be taken)
    expect([anthropic, gw].map((x) => x.requests.some((r) => r.path === '/v1/models'))).toEqual([true, true]);
    expect(llm.routingSources!().table.models['claude-opus-4-6']).toEqual(shipped.models['claude-opus-4-6']);
  });

  it('only the tier’s own provider, its key unset: GATEWAY_NOT_CONFIGURED for that tier, nothing sent', async () => {
    const anthropic = await direct();
    const { gw, llm } = await setup({
      edit: (t) => {
        viaDirect(anthropic.url)(t);
        t.tiers.critical.providers = ['anthropic'];
      },
      router: { env: {} },
    });
    const err = await toolErrorOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') }));
    expect(err.code).toBe('GATEWAY_NOT_CONFIGURED');
    expect(gw.requests.length + anthropic.requests.length).toBe(0);
  });
});

describe('the tier table, edited while the router runs', () => {
  it('a valid edit is picked up without a restart; an invalid one is ignored', async () => {
    const { gw, llm, path } = await setup({ edit: () => undefined });
    await llm.complete({ tier: 'parse', tool: 't', messages: user('a') });
    const table = loadTierTable(path);
    table.tiers.parse.models = ['mistral-small-3.2', 'deepseek-v3.2'];
    writeFileSync(path!, JSON.stringify(table));
    await new Promise((r) => setTimeout(r, 1100));
    await llm.complete({ tier: 'parse', tool: 't', messages: user('b') });
    const broken = structuredClone(table);
    broken.tiers.critical.models = ['deepseek-r1'];
    broken.tiers.parse.models = ['deepseek-v3.2'];
    writeFileSync(path!, JSON.stringify(broken));
    await new Promise((r) => setTimeout(r, 1100));
    await llm.complete({ tier: 'parse', tool: 't', messages: user('c') });
    expect(chatRequests(gw).map((r) => r.model)).toEqual(['deepseek-v3.2', 'mistral-small-3.2', 'mistral-small-3.2']);
  });

  it('an edit that puts the critical tier under an experiment is ignored whole: the last good table routes on', async () => {
    const { gw, deps, llm, path } = await setup({ edit: () => undefined });
    await llm.complete({ tier: 'parse', tool: 't', messages: user('a') });
    const table = loadTierTable(path);
    table.tiers.critical.policy = { kind: 'split', weights: { 'claude-opus-4-5': 100 } };
    table.tiers.parse.models = ['mistral-small-3.2', 'deepseek-v3.2'];
    writeFileSync(path!, JSON.stringify(table));
    await new Promise((r) => setTimeout(r, 1100));
    await llm.complete({ tier: 'parse', tool: 't', messages: user('b') });
    const r = await llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: x') });
    expect(chatRequests(gw).map((q) => q.model)).toEqual(['deepseek-v3.2', 'deepseek-v3.2', 'claude-opus-4-6']);
    expect((await (await getLedger(deps)).rowsForCall(r.callId)).map((x) => x.route)).toEqual(['primary']);
  });
});
