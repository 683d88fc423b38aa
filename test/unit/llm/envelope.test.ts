/**
 * SPEC §11 against the loopback gateway, through the real router and ledger: the critical tier's own
 * envelope (daily cap, confirmations per hour), the gateway's word on usage (anomalies), and a cap that,
 * once reached, sends nothing more. Each test counts the requests the gateway received.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isToolError, type ToolError } from '../../../src/errors.js';
import { worstCaseInputTokens } from '../../../src/llm/budget.js';
import { createLlm, getLedger } from '../../../src/llm/index.js';
import { SqliteLedger } from '../../../src/llm/ledger/sqlite.js';
import { loadTierTable, validateTierTable } from '../../../src/llm/tiers.js';
import { usageReport } from '../../../src/llm/usage.js';
import type { Profile } from '../../../src/profiles.js';
import { tempDataDir } from '../../support/client.js';
import { orderHashIn, startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { chatRequests as chat, gatewayEnv, makeDeps, toolErrorOf as failure, userMessages as user, writeTiers } from './helpers.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(
  extraEnv: Record<string, string> = {},
  opts: { confirmation?: Partial<Profile['confirmation']>; router?: Parameters<typeof createLlm>[1] } = {},
) {
  const gw = await startFakeGateway({ apiKey: 'test-key' });
  open.push(gw);
  const deps = makeDeps(gatewayEnv(gw.url, extraEnv), undefined, opts.confirmation);
  open.push({ close: () => deps.close() });
  const llm = await createLlm(deps, { retry: { initialDelayMs: 10, maxDelayMs: 50 }, ...opts.router });
  return { gw, deps, llm };
}

const confirmCall = (llm: Awaited<ReturnType<typeof createLlm>>, i: number) =>
  llm.complete({ tier: 'critical', tool: 'place_order', messages: user(`order_hash: ${String(i).padStart(64, '0')}`) });
const settle = <T>(ps: Array<Promise<T>>) => Promise.allSettled(ps);

describe('the critical envelope: confirmations per hour', () => {
  it('counts every critical call sent (a failover is the same call) and refuses the next one without sending it', async () => {
    const { gw, deps, llm } = await setup({}, { confirmation: { maxConfirmationsPerHour: 3 }, router: { retry: { maxAttempts: 0 } } });
    gw.when('claude-opus-4-6', { status: 500 }); // the first call fails over to claude-opus-4-5: one confirmation, two requests
    for (let i = 0; i < 3; i++) expect((await confirmCall(llm, i)).modelServed).toMatch(/^claude-opus-4-[56]$/);
    expect(chat(gw)).toHaveLength(4);
    const err = await failure(confirmCall(llm, 3));
    expect(err.code).toBe('BUDGET_EXHAUSTED');
    expect(err.details).toMatchObject({ envelope: 'critical', reason: 'confirmations_per_hour', confirmationsLastHour: 3, maxConfirmationsPerHour: 3 });
    expect(chat(gw)).toHaveLength(4);
    const ledger = await getLedger(deps);
    expect((await ledger.recent(1))[0]).toMatchObject({ state: 'refused', tier: 'critical', outcome: 'budget_exhausted' });
    expect((await ledger.view()).critical.confirmationsLastHour).toBe(3);
    // the window rolls: an hour on, the same ledger counts none of them
    const later = new SqliteLedger(deps.dataDir, { dailyNano: 1e9, monthlyNano: 1e9 }, () => new Date(Date.now() + 61 * 60_000));
    expect((await later.view()).critical.confirmationsLastHour).toBe(0);
    await later.close();
  });

  it('concurrent confirmations cannot pass the limit together', async () => {
    const { gw, llm } = await setup({}, { confirmation: { maxConfirmationsPerHour: 2 } });
    gw.script(() => ({ latencyMs: 200 }));
    const results = await settle(Array.from({ length: 6 }, (_, i) => confirmCall(llm, i)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(4).fill('BUDGET_EXHAUSTED'));
    expect(chat(gw)).toHaveLength(2);
  });
});

describe('the critical envelope: its own daily cap', () => {
  it('concurrent confirmations reserve their worst case against it and cannot overshoot', async () => {
    // one critical worst case here is about $0.026 (1024 output tokens at $25/M): two fit in $0.06, three do not
    const { gw, deps, llm } = await setup({ TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '0.06' });
    gw.script(() => ({ latencyMs: 200 }));
    const results = await settle(Array.from({ length: 6 }, (_, i) => confirmCall(llm, i)));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as ToolError);
    expect(results.length - refused.length).toBe(2);
    expect(refused.map((e) => [e.code, e.details.reason])).toEqual(Array(4).fill(['BUDGET_EXHAUSTED', 'critical_daily_cap']));
    expect(chat(gw)).toHaveLength(2);
    const view = await (await getLedger(deps)).view();
    expect(view.critical.committedNano).toBe(Math.round(gw.totalCostUsd() * 1e9));
    expect(view.critical.dailyBudgetNano).toBe(60_000_000);
  });

  it('a cap below one worst case refuses the first confirmation; the shared budget is not what stops it', async () => {
    const { gw, llm } = await setup({ TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '0.01', TRADING_MCP_DAILY_BUDGET_USD: '100' });
    const err = await failure(confirmCall(llm, 0));
    expect(err.details).toMatchObject({ envelope: 'critical', reason: 'critical_daily_cap', dailyBudgetUsd: 0.01 });
    expect(gw.requests).toHaveLength(0);
    // cheap tiers still have their own (shared) budget
    expect((await llm.complete({ tier: 'parse', tool: 't', messages: user('x') })).modelServed).toBe('deepseek-v3.2');
  });

  it('the shared budget spent to nothing never stops a confirmation (its own envelope is what bounds it)', async () => {
    const { gw, deps, llm } = await setup({ TRADING_MCP_DAILY_BUDGET_USD: '0.0001' });
    expect((await failure(llm.complete({ tier: 'parse', tool: 't', messages: user('x') }))).code).toBe('BUDGET_EXHAUSTED');
    expect((await confirmCall(llm, 0)).modelServed).toBe('claude-opus-4-6');
    expect(chat(gw)).toHaveLength(1);
    const report = await usageReport(deps);
    expect(report.critical).toMatchObject({ dailyBudgetUsd: 5, confirmationsLastHour: 1, maxConfirmationsPerHour: 12 });
    expect(report.critical.spentUsd).toBeCloseTo(gw.totalCostUsd(), 9);
    expect(report.critical.remainingUsd).toBeCloseTo(5 - gw.totalCostUsd(), 9);
  });
});

describe("the gateway's word on usage", () => {
  it('a completion above max_tokens is charged as reported, flagged, and isolates that model until its break ends', async () => {
    const { gw, deps, llm } = await setup({}, { router: { breaker: { halfOpenAfterMs: 400 } } });
    gw.when('deepseek-v3.2', { overReportUsage: 10 });
    const r = await llm.complete({ tier: 'parse', tool: 'get_technicals', messages: user('parse this') });
    expect(r.costUsd).toBeCloseTo(gw.totalCostUsd(), 12);
    expect(r.outputTokens).toBe(10_240);
    const row = (await (await getLedger(deps)).rowsForCall(r.callId))[0]!;
    expect(row.usage_anomaly).toMatch(/completion_tokens 10240 > max_tokens 1024/);
    expect(row.cost_nano).toBe(Math.round(gw.totalCostUsd() * 1e9));
    // isolated: the next parse call goes to the fallback without a request to deepseek-v3.2
    expect((await llm.complete({ tier: 'parse', tool: 't', messages: user('again') })).modelServed).toBe('mistral-small-3.2');
    expect(chat(gw).map((q) => q.model)).toEqual(['deepseek-v3.2', 'mistral-small-3.2']);
    await new Promise((res) => setTimeout(res, 450));
    expect((await llm.complete({ tier: 'parse', tool: 't', messages: user('later') })).modelServed).toBe('deepseek-v3.2');
    const report = await usageReport(deps);
    expect(report.usageAnomalies).toMatchObject({ today: 1, month: 1 });
    expect(report.usageAnomalies.recent[0]).toMatchObject({ tool: 'get_technicals', tier: 'parse', modelServed: 'deepseek-v3.2', costUsd: r.costUsd });
  });

  it('prompt tokens above twice the worst-case estimate are an anomaly; below it they are not', async () => {
    const { gw, deps, llm } = await setup();
    const content = 'a prompt of some length for the estimate';
    const estimate = worstCaseInputTokens([content]);
    gw.when('deepseek-v3.2', [{ usage: { prompt_tokens: 2 * estimate } }, { usage: { prompt_tokens: 2 * estimate + 1 } }]);
    const plausible = await llm.complete({ tier: 'parse', tool: 't', messages: user(content) });
    const inflated = await llm.complete({ tier: 'parse', tool: 't', messages: user(content) });
    const ledger = await getLedger(deps);
    expect((await ledger.rowsForCall(plausible.callId))[0]!.usage_anomaly).toBeNull();
    expect((await ledger.rowsForCall(inflated.callId))[0]!.usage_anomaly).toBe(`prompt_tokens ${2 * estimate + 1} > 2 × the worst-case estimate ${estimate}`);
    expect((await ledger.view()).dayCommittedNano).toBe(Math.round(gw.totalCostUsd() * 1e9));
  });

  it('critical: an over-reported reply is charged but not used, and no other Opus model is paid for', async () => {
    const { gw, deps, llm } = await setup();
    gw.when(
      { tier: 'critical' },
      { overReportUsage: 3, content: (req) => JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['ok'] }) },
      { times: Infinity },
    );
    const err = await failure(confirmCall(llm, 0));
    expect([err.code, err.details.reason]).toEqual(['GATEWAY_UNAVAILABLE', 'usage_anomaly']);
    expect(chat(gw).map((q) => q.model)).toEqual(['claude-opus-4-6']);
    const [row] = await (await getLedger(deps)).recent(1);
    expect(row).toMatchObject({ state: 'settled', outcome: 'rejected_usage', cost_nano: Math.round(gw.totalCostUsd() * 1e9) });
  });

  it('critical: after a burst of over-reported replies settles past the cap, a second burst sends nothing', async () => {
    const { gw, deps, llm } = await setup({ TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '0.06' });
    gw.when({ tier: 'critical' }, { overReportUsage: 20, latencyMs: 200 }, { times: Infinity });
    await settle(Array.from({ length: 6 }, (_, i) => confirmCall(llm, i)));
    const first = chat(gw).length;
    expect(first).toBe(2);
    const view = await (await getLedger(deps)).view();
    expect(view.critical.committedNano).toBe(Math.round(gw.totalCostUsd() * 1e9));
    expect(view.critical.committedNano).toBeGreaterThan(view.critical.dailyBudgetNano);
    gw.resetBehaviours();
    const second = await settle(Array.from({ length: 6 }, (_, i) => confirmCall(llm, 10 + i)));
    expect(second.every((r) => r.status === 'rejected' && (r.reason as ToolError).code === 'BUDGET_EXHAUSTED')).toBe(true);
    expect(chat(gw)).toHaveLength(first);
  });

  it('shared: once settled spend reaches the cap nothing is sent, not even a model priced at zero', async () => {
    const path = writeTiers(tempDataDir('tars-tiers-'), (t) => {
      t.models['mistral-small-3.2'] = { inputPerM: 0, outputPerM: 0, cachedInputPerM: 0 };
      t.models['text-embedding-3-small'] = { inputPerM: 0, outputPerM: 0, cachedInputPerM: 0 };
    });
    const { gw, deps, llm } = await setup({ TRADING_MCP_TIERS: path, TRADING_MCP_DAILY_BUDGET_USD: '0.002' });
    // settled spend lands exactly on the cap (as a reply billed to the last nano-dollar would leave it)
    const ledger = await getLedger(deps);
    const { rowId } = await ledger.reserve({ callId: 'pre', attempt: 1, tool: 't', tier: 'parse' }, () => ({
      model: 'deepseek-v3.2',
      reserveNano: 1,
      step: 0,
      route: 'primary',
    }));
    await ledger.settle(rowId, {
      modelServed: 'deepseek-v3.2',
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      costNano: 2_000_000,
      latencyMs: 0,
      outcome: 'ok',
    });
    expect((await ledger.view()).dayLeftNano).toBe(0);
    const err = await failure(llm.complete({ tier: 'parse', tool: 't', messages: user('y') }));
    expect(err.code).toBe('BUDGET_EXHAUSTED');
    expect((await failure(llm.embed({ tool: 't', texts: ['y'] }))).code).toBe('BUDGET_EXHAUSTED');
    expect(gw.requests).toHaveLength(0);
  });
});

describe('what the router passes through for a strict confirmation read', () => {
  it('the number of choices and the finish_reason of the reply', async () => {
    const { gw, llm } = await setup();
    gw.when({ tier: 'critical' }, [{ choices: 3 }, { finishReason: 'length' }, { choices: 0 }]);
    const three = await confirmCall(llm, 0);
    const cut = await confirmCall(llm, 1);
    const none = await confirmCall(llm, 2);
    expect([three.choiceCount, three.finishReason]).toEqual([3, 'stop']);
    expect([cut.choiceCount, cut.finishReason]).toEqual([1, 'length']);
    expect([none.choiceCount, none.content, none.finishReason]).toEqual([0, '', null]);
  });

  it('critical: a served model with a vendor prefix outside the fixed list is a substitution; anthropic/ once is Opus', async () => {
    const { gw, llm } = await setup();
    for (const served of ['openai/claude-opus-4-6', 'anthropic/anthropic/claude-opus-4-6']) {
      gw.when({ tier: 'critical' }, { model: served }, { times: 2 });
      const before = chat(gw).length;
      const err = await failure(confirmCall(llm, 0));
      expect([err.code, err.details.reason, err.details.modelServed], served).toEqual(['GATEWAY_UNAVAILABLE', 'model_substituted', served]);
      expect(
        chat(gw)
          .slice(before)
          .map((q) => q.model),
      ).toEqual(['claude-opus-4-6', 'claude-opus-4-5']);
    }
    gw.when({ tier: 'critical' }, { model: 'anthropic/claude-opus-4-6' });
    expect((await confirmCall(llm, 1)).modelServed).toBe('anthropic/claude-opus-4-6');
  });

  it('the tier table: the same rule refuses openai/claude-opus-4-6 and takes anthropic/claude-opus-4-6', () => {
    for (const [model, ok] of [
      ['openai/claude-opus-4-6', false],
      ['anthropic/anthropic/claude-opus-4-6', false],
      ['anthropic/claude-opus-4-6', true],
    ] as const) {
      const t = structuredClone(loadTierTable());
      t.tiers.critical.models = [model];
      t.models[model] = { inputPerM: 5, outputPerM: 25, cachedInputPerM: 0.5 };
      if (ok) expect(validateTierTable(t, 'x.json').tiers.critical.models).toEqual([model]);
      else expect(() => validateTierTable(t, 'x.json'), model).toThrow(/Claude Opus models only/);
    }
  });
});
