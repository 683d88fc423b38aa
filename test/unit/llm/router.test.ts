import { afterEach, describe, expect, it } from 'vitest';
import { isToolError, type ToolError } from '../../../src/errors.js';
import { createLlm, getLedger, receiptSummary } from '../../../src/llm/index.js';
import { loadTierTable } from '../../../src/llm/tiers.js';
import type { Deps } from '../../../src/deps.js';
import { startFakeGateway, orderHashIn, type FakeGateway } from '../../support/fake-gateway.js';
import { chatRequests, gatewayEnv, makeDeps, toolErrorOf as codeOf, userMessages as user, writeTiers } from './helpers.js';
import { tempDataDir } from '../../support/client.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(extraEnv: Record<string, string> = {}, routerOpts: Parameters<typeof createLlm>[1] = {}) {
  const gw = await startFakeGateway({ apiKey: 'test-key' });
  open.push(gw);
  const deps = makeDeps(gatewayEnv(gw.url, extraEnv));
  open.push({ close: () => deps.close() });
  const llm = await createLlm(deps, { retry: { initialDelayMs: 10, maxDelayMs: 50 }, ...routerOpts });
  return { gw, deps, llm };
}

/** Push the day's committed spend to `usd` through the ledger's own API (as other calls would). */
async function spend(deps: Deps, usd: number) {
  const ledger = await getLedger(deps);
  const { rowId } = await ledger.reserve({ callId: `pre-${usd}`, attempt: 1, tool: 'test', tier: 'parse' }, () => ({
    model: 'deepseek-v3.2',
    reserveNano: Math.round(usd * 1e9),
    step: 0,
    route: 'primary',
  }));
  await ledger.settle(rowId, {
    modelServed: 'deepseek-v3.2',
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costNano: Math.round(usd * 1e9),
    latencyMs: 0,
    outcome: 'ok',
  });
}

describe('router against the loopback gateway', () => {
  it('answers a json_schema request, reports a receipt and records the cost the gateway billed', async () => {
    const { gw, deps, llm } = await setup();
    const schema = {
      type: 'object',
      properties: { vote: { enum: ['APPROVE', 'REJECT', 'ABSTAIN'] }, confidence: { type: 'number', minimum: 0, maximum: 1 }, reasoning: { type: 'string' } },
      required: ['vote', 'confidence', 'reasoning'],
      additionalProperties: false,
    };
    const r = await llm.complete({ tier: 'reasoning', tool: 'council_vote', messages: user('vote on AAPL'), responseFormat: { name: 'member_vote', schema } });
    expect(JSON.parse(r.content)).toEqual({ vote: 'APPROVE', confidence: 0, reasoning: 'fake' });
    expect(r.modelServed).toBe('deepseek-r1');
    const [req] = chatRequests(gw);
    expect((req!.body!.response_format as { type: string }).type).toBe('json_schema');
    expect(req!.body!.max_tokens).toBe(loadTierTable().tiers.reasoning.maxTokens);
    expect(r.costUsd).toBeCloseTo(gw.totalCostUsd(), 9);
    expect(receiptSummary(r)).toEqual({ tier: 'reasoning', model: 'deepseek-r1', costUsd: r.costUsd, remainingDailyUsd: r.remainingDailyUsd });
    expect(r.remainingDailyUsd).toBeCloseTo(0.83 - r.costUsd, 9);
    const rows = await (await getLedger(deps)).rowsForCall(r.callId);
    expect(rows.map((x) => [x.state, x.tool, x.tier, x.model_requested, x.model_served, x.outcome])).toEqual([
      ['settled', 'council_vote', 'reasoning', 'deepseek-r1', 'deepseek-r1', 'ok'],
    ]);
  });

  it('a reply whose settle cannot be recorded fails closed: STORE_UNAVAILABLE, the reservation stays counted, no fail-over to another paid model', async () => {
    const { gw, deps, llm } = await setup();
    const ledger = await getLedger(deps);
    // fault injection on our own ledger (not an SDK): the reply arrived, recording it fails (a busy file, a statement timeout)
    ledger.settle = async () => {
      throw new Error('database is locked');
    };
    const err = await codeOf(llm.complete({ tier: 'parse', tool: 'draft_order', messages: user('buy 1 AAPL') }));
    expect(err.code).toBe('STORE_UNAVAILABLE');
    expect(chatRequests(gw)).toHaveLength(1);
    const rows = await ledger.recent(10);
    expect(rows.map((x) => x.state)).toEqual(['reserved']);
  });

  it('prices cached input and reasoning tokens (reasoning is part of completion_tokens)', async () => {
    const { gw, llm } = await setup();
    gw.when('deepseek-r1', { usage: { prompt_tokens: 2000, cached_tokens: 1000, completion_tokens: 800, reasoning_tokens: 500 } });
    const r = await llm.complete({ tier: 'reasoning', tool: 't', messages: user('think') });
    expect([r.inputTokens, r.cachedInputTokens, r.outputTokens, r.reasoningTokens]).toEqual([2000, 1000, 800, 500]);
    expect(r.costUsd).toBeCloseTo((1000 * 0.55 + 1000 * 0.14 + 800 * 2.19) / 1e6, 12);
    expect(r.costUsd).toBeCloseTo(gw.totalCostUsd(), 12);
  });

  it('without a key every call is GATEWAY_NOT_CONFIGURED and nothing is sent', async () => {
    const gw = await startFakeGateway();
    open.push(gw);
    const deps = makeDeps({ LLM_GATEWAY_BASE_URL: gw.url });
    open.push({ close: () => deps.close() });
    const llm = await createLlm(deps);
    expect(llm.configured).toBe(false);
    expect((await codeOf(llm.complete({ tier: 'critical', tool: 't', messages: user('x') }))).code).toBe('GATEWAY_NOT_CONFIGURED');
    expect((await codeOf(llm.embed({ tool: 't', texts: ['x'] }))).code).toBe('GATEWAY_NOT_CONFIGURED');
    expect(gw.requests).toHaveLength(0);
  });

  it('a reply without usage is charged its full reservation (never under-counted)', async () => {
    const { gw, deps, llm } = await setup();
    gw.when('deepseek-v3.2', { omitUsage: true });
    const r = await llm.complete({ tier: 'parse', tool: 't', messages: user('x') });
    const row = (await (await getLedger(deps)).rowsForCall(r.callId))[0]!;
    expect(row.cost_nano).toBe(row.reserved_nano);
    expect(r.costUsd * 1e9).toBeCloseTo(row.reserved_nano, 0);
    expect(r.costUsd).toBeGreaterThan(gw.totalCostUsd());
  });

  it('never calls a model without a known price (UNKNOWN_PRICE), nor a preferred unpriced model', async () => {
    const dir = tempDataDir('tars-tiers-');
    const path = writeTiers(dir, (t) => {
      t.tiers.options.models = ['mystery-model-1', 'mystery-model-2'];
    });
    const { gw, llm } = await setup({ TRADING_MCP_TIERS: path });
    const err = await codeOf(llm.complete({ tier: 'options', tool: 't', messages: user('x') }));
    expect(err.code).toBe('UNKNOWN_PRICE');
    expect((await codeOf(llm.complete({ tier: 'parse', tool: 't', messages: user('x'), preferModel: 'mystery-model-1' }))).code).toBe('UNKNOWN_PRICE');
    expect(gw.requests).toHaveLength(0);
  });

  it('honours Retry-After on 429 and stays on the same model', async () => {
    const { gw, llm } = await setup();
    gw.when('mistral-medium-3', { status: 429, retryAfter: 1 });
    const r = await llm.complete({ tier: 'analysis', tool: 't', messages: user('x') });
    const reqs = chatRequests(gw);
    expect(reqs.map((q) => [q.model, q.status])).toEqual([
      ['mistral-medium-3', 429],
      ['mistral-medium-3', 200],
    ]);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(r.modelServed).toBe('mistral-medium-3');
  });

  it('a Retry-After beyond the call deadline fails over at once instead of waiting', async () => {
    const { gw, llm } = await setup();
    gw.when('mistral-medium-3', { status: 429, retryAfter: 30 });
    const t0 = Date.now();
    const r = await llm.complete({ tier: 'analysis', tool: 't', messages: user('x'), timeoutMs: 5000 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(r.modelServed).toBe('deepseek-v3.2');
    expect(chatRequests(gw).map((q) => q.model)).toEqual(['mistral-medium-3', 'deepseek-v3.2']);
  });

  it('retries 5xx and resets with backoff, then fails over along the fallback list; a 400 is not retried', async () => {
    const { gw, deps, llm } = await setup();
    gw.when('kimi-k2', [{ status: 503 }, { reset: true }, { status: 500 }]);
    const r = await llm.complete({ tier: 'options', tool: 't', messages: user('x') });
    expect(r.modelServed).toBe('deepseek-v3.2');
    expect(chatRequests(gw).map((q) => q.model)).toEqual(['kimi-k2', 'kimi-k2', 'kimi-k2', 'deepseek-v3.2']);
    const rows = await (await getLedger(deps)).rowsForCall(r.callId);
    expect(rows.map((x) => [x.state, x.model_requested])).toEqual([
      ['released', 'kimi-k2'],
      ['settled', 'deepseek-v3.2'],
    ]);
    gw.when('kimi-k2', { status: 400 });
    await llm.complete({ tier: 'options', tool: 't', messages: user('y') });
    expect(
      chatRequests(gw)
        .slice(4)
        .map((q) => [q.model, q.status]),
    ).toEqual([
      ['kimi-k2', 400],
      ['deepseek-v3.2', 200],
    ]);
  });

  it('a hung model times out within the tier bound and fails over', async () => {
    const dir = tempDataDir('tars-tiers-');
    const path = writeTiers(dir, (t) => {
      t.tiers.parse.timeoutMs = 300;
      t.tiers.parse.totalTimeoutMs = 5000;
    });
    const { gw, llm } = await setup({ TRADING_MCP_TIERS: path }, { retry: { maxAttempts: 0 } });
    gw.when('deepseek-v3.2', { hang: true });
    const t0 = Date.now();
    const r = await llm.complete({ tier: 'parse', tool: 't', messages: user('x') });
    expect(r.modelServed).toBe('mistral-small-3.2');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('opens a circuit per model after consecutive failures and skips it', async () => {
    const { gw, llm } = await setup({}, { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 60_000 } });
    gw.when('kimi-k2', { status: 502 }, { times: Infinity });
    for (let i = 0; i < 3; i++) expect((await llm.complete({ tier: 'options', tool: 't', messages: user(`x${i}`) })).modelServed).toBe('deepseek-v3.2');
    // two failures opened kimi-k2's circuit: the third call never sent it
    expect(chatRequests(gw).filter((q) => q.model === 'kimi-k2')).toHaveLength(2);
  });

  it('a model whose break has elapsed is probed again and, once it answers, used again', async () => {
    const { gw, llm } = await setup({}, { retry: { maxAttempts: 0 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 200 } });
    gw.when('kimi-k2', { status: 502 }, { times: 2 });
    for (let i = 0; i < 3; i++) expect((await llm.complete({ tier: 'options', tool: 't', messages: user(`x${i}`) })).modelServed).toBe('deepseek-v3.2');
    expect(chatRequests(gw).filter((q) => q.model === 'kimi-k2')).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 250));
    // the gateway has recovered: the half-open probe succeeds and closes the circuit
    expect((await llm.complete({ tier: 'options', tool: 't', messages: user('after') })).modelServed).toBe('kimi-k2');
    expect((await llm.complete({ tier: 'options', tool: 't', messages: user('again') })).modelServed).toBe('kimi-k2');
  });

  it('a malformed body is retried then failed over', async () => {
    const { gw, llm } = await setup({}, { retry: { maxAttempts: 1, initialDelayMs: 5 } });
    gw.when('deepseek-v3.2', { malformed: true }, { times: 2 });
    const r = await llm.complete({ tier: 'parse', tool: 't', messages: user('x') });
    expect(r.modelServed).toBe('mistral-small-3.2');
  });

  it('critical: a substituted model fails (recorded with its cost); only Opus fallbacks are tried', async () => {
    const { gw, deps, llm } = await setup();
    gw.when({ tier: 'critical' }, { model: 'deepseek-v3.2' }, { times: Infinity });
    const err = await codeOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: ' + 'a'.repeat(64)) }));
    expect(err.code).toBe('GATEWAY_UNAVAILABLE');
    expect(err.details.reason).toBe('model_substituted');
    expect(chatRequests(gw).map((q) => q.model)).toEqual(['claude-opus-4-6', 'claude-opus-4-5']);
    const rows = await (await getLedger(deps)).recent(10);
    expect(rows.filter((x) => x.outcome === 'rejected_substitution').map((x) => x.model_served)).toEqual(['deepseek-v3.2', 'deepseek-v3.2']);
    const usage = await (await getLedger(deps)).view();
    expect(usage.dayCommittedNano).toBe(Math.round(gw.totalCostUsd() * 1e9));
  });

  it('critical: a reply that does not name its model is refused, never taken for Opus', async () => {
    const { gw, llm } = await setup();
    gw.when({ tier: 'critical' }, { model: '' }, { times: Infinity });
    const err = await codeOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('order_hash: ' + 'c'.repeat(64)) }));
    expect(err.code).toBe('GATEWAY_UNAVAILABLE');
    expect(err.details.reason).toBe('model_missing');
    expect(chatRequests(gw).map((q) => q.model)).toEqual(['claude-opus-4-6', 'claude-opus-4-5']);
  });

  it('critical: an Opus reply scripted per order hash is accepted; a dated Opus id counts as the same model', async () => {
    const { gw, llm } = await setup();
    const hash = 'b'.repeat(64);
    gw.when(
      { tier: 'critical' },
      { model: 'claude-opus-4-6-20260301', content: (req) => JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['ok'] }) },
    );
    const r = await llm.complete({ tier: 'critical', tool: 'place_order', messages: user(`order_hash: ${hash}`) });
    expect(JSON.parse(r.content)).toEqual({ decision: 'APPROVE', order_hash: hash, reasons: ['ok'] });
    expect(r.modelServed).toBe('claude-opus-4-6-20260301');
  });

  it('non-critical: a substituted model is accepted and recorded as such', async () => {
    const { gw, deps, llm } = await setup();
    gw.when('deepseek-r1', { model: 'kimi-k2' });
    const r = await llm.complete({ tier: 'reasoning', tool: 't', messages: user('x') });
    expect([r.modelRequested, r.modelServed]).toEqual(['deepseek-r1', 'kimi-k2']);
    expect((await (await getLedger(deps)).rowsForCall(r.callId))[0]!.outcome).toBe('substituted');
    // billed at the served model's price
    expect(r.costUsd).toBeCloseTo(gw.totalCostUsd(), 12);
  });

  it('downgrades in the documented order as the budget drains, then refuses before sending', async () => {
    const { gw, deps, llm } = await setup({ TRADING_MCP_DAILY_BUDGET_USD: '0.1' });
    const served: Array<[number, string]> = [];
    const call = async () => {
      const r = await llm.complete({ tier: 'analysis', tool: 't', messages: user('analyse') });
      served.push([r.downgradeStep, r.modelServed]);
    };
    await call(); // 100% left: primary
    await spend(deps, 0.06); // ~40% left
    await call(); // step 1: cheapest of the analysis tier
    await spend(deps, 0.02); // ~20% left
    await call(); // step 2: cheapest chat model overall
    expect(served).toEqual([
      [0, 'mistral-medium-3'],
      [1, 'deepseek-v3.2'],
      [2, 'mistral-small-3.2'],
    ]);
    const before = gw.requests.length;
    await spend(deps, 0.1 - 0.0003 - (await (await getLedger(deps)).view()).dayCommittedNano / 1e9); // leave $0.0003: below any worst case
    const err = await codeOf(llm.complete({ tier: 'analysis', tool: 't', messages: user('analyse') }));
    expect(err.code).toBe('BUDGET_EXHAUSTED');
    expect(err.details.downgradeStep).toBe(2);
    expect(gw.requests.length).toBe(before);
    expect((await (await getLedger(deps)).recent(1))[0]!.state).toBe('refused');
  });

  it('critical on an exhausted budget still goes to Opus, and its cost is recorded', async () => {
    const { gw, deps, llm } = await setup({ TRADING_MCP_DAILY_BUDGET_USD: '0.0001' });
    expect((await codeOf(llm.complete({ tier: 'parse', tool: 't', messages: user('x') }))).code).toBe('BUDGET_EXHAUSTED');
    expect(gw.requests).toHaveLength(0);
    const r = await llm.complete({ tier: 'critical', tool: 'place_order', messages: user('confirm') });
    expect(r.modelServed).toBe('claude-opus-4-6');
    expect(r.remainingDailyUsd).toBe(0);
    const view = await (await getLedger(deps)).view();
    expect(view.dayCommittedNano).toBe(Math.round(gw.totalCostUsd() * 1e9));
    expect(view.dayCommittedNano).toBeGreaterThan(view.dailyBudgetNano);
  });

  it('the monthly budget binds too', async () => {
    const { gw, llm } = await setup({ TRADING_MCP_MONTHLY_BUDGET_USD: '0.0001' });
    const err = await codeOf(llm.complete({ tier: 'parse', tool: 't', messages: user('x') }));
    expect(err.code).toBe('BUDGET_EXHAUSTED');
    expect(err.details.remainingMonthlyUsd).toBe(0.0001);
    expect((await codeOf(llm.embed({ tool: 't', texts: ['x'.repeat(20_000)] }))).code).toBe('BUDGET_EXHAUSTED');
    expect(gw.requests).toHaveLength(0);
  });

  it('critical: hung Opus models fail within the call timeout and give their reservations back', async () => {
    const { gw, deps, llm } = await setup();
    gw.when({ tier: 'critical' }, { hang: true }, { times: Infinity });
    const t0 = Date.now();
    const err = await codeOf(llm.complete({ tier: 'critical', tool: 'place_order', messages: user('confirm'), timeoutMs: 800 }));
    expect(err.code).toBe('GATEWAY_UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(2500);
    const ledger = await getLedger(deps);
    expect((await ledger.view()).dayCommittedNano).toBe(0);
    expect((await ledger.recent(5)).every((r) => r.state === 'released' && r.outcome === 'timeout')).toBe(true);
  });

  it('a caller abort stops the call at once (GATEWAY_UNAVAILABLE, reason aborted)', async () => {
    const { gw, llm } = await setup();
    gw.when('deepseek-r1', { hang: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const err = await codeOf(llm.complete({ tier: 'reasoning', tool: 'council_vote', messages: user('x'), signal: ac.signal }));
    expect(err.code).toBe('GATEWAY_UNAVAILABLE');
    expect(err.details.reason).toBe('aborted');
    expect(chatRequests(gw)).toHaveLength(1);
  });

  it('records the weighted split per call', async () => {
    const dir = tempDataDir('tars-tiers-');
    const path = writeTiers(dir, (t) => {
      t.tiers.parse.split = { 'deepseek-v3.2': 90, 'mistral-small-3.2': 10 };
    });
    const { deps, llm } = await setup({ TRADING_MCP_TIERS: path }, { random: () => 0.95 });
    const r = await llm.complete({ tier: 'parse', tool: 't', messages: user('x') });
    expect(r.modelServed).toBe('mistral-small-3.2');
    expect((await (await getLedger(deps)).rowsForCall(r.callId))[0]!.route).toBe('split:deepseek-v3.2=90,mistral-small-3.2=10');
  });

  it('embeds with the embedding tier: deterministic vectors, cost recorded', async () => {
    const { gw, llm } = await setup();
    const a = await llm.embed({ tool: 'search_lessons', texts: ['stop loss discipline', 'stop loss discipline', 'iron condor'] });
    expect(a.vectors).toHaveLength(3);
    expect(a.vectors[0]).toHaveLength(1536);
    expect(a.vectors[0]).toEqual(a.vectors[1]);
    expect(a.modelServed).toBe(llm.embeddingModel());
    expect(a.costUsd).toBeCloseTo(gw.totalCostUsd(), 12);
  });
});

describe('budget periods', () => {
  it('use the America/New_York calendar day', async () => {
    const { periodKeys, downgradeStep } = await import('../../../src/llm/budget.js');
    expect(periodKeys(new Date('2026-11-22T03:00:00Z'))).toEqual({ day: '2026-11-21', month: '2026-11' }); // 22:00 in New York
    expect(periodKeys(new Date('2026-12-01T04:59:00Z'))).toEqual({ day: '2026-11-30', month: '2026-11' });
    expect(periodKeys(new Date('2026-07-01T04:00:00Z'))).toEqual({ day: '2026-07-01', month: '2026-07' }); // EDT: midnight
    expect([0.51, 0.5, 0.25, 0.2499, 0].map(downgradeStep)).toEqual([0, 1, 1, 2, 2]);
  });
});

describe('tier table validation', () => {
  it('refuses a critical tier that is not Claude Opus', async () => {
    const { validateTierTable } = await import('../../../src/llm/tiers.js');
    const t = structuredClone(loadTierTable());
    t.tiers.critical.models = ['claude-opus-4-6', 'claude-sonnet-4-5'];
    expect(() => validateTierTable(t, 'x.json')).toThrow(/critical tier must use Claude Opus models only, found claude-sonnet-4-5/);
  });

  it('takes only real Opus names for the critical tier, never look-alikes', async () => {
    const { validateTierTable, isOpusModel } = await import('../../../src/llm/tiers.js');
    for (const fake of ['not-claude-opus', 'claude-opusx', 'claude-opus-fake', 'claude-opus-4-6-sonnet', 'my-claude-opus-4-6']) {
      const t = structuredClone(loadTierTable());
      t.tiers.critical.models = [fake];
      t.models[fake] = { inputPerM: 5, outputPerM: 25, cachedInputPerM: 0.5 };
      expect(() => validateTierTable(t, 'x.json'), fake).toThrow(/Claude Opus models only/);
    }
    for (const real of ['claude-opus-4-6', 'anthropic/claude-opus-4.5', 'claude-3-opus-20240229', 'claude-opus-4-5@20251101', 'claude-opus-4-1-v1:0'])
      expect(isOpusModel(real), real).toBe(true);
  });
});
