/**
 * LlmRouter.quote against the loopback gateway: it sends and reserves nothing, and what it says is what
 * the next complete() reserves, refuses, or skips.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isToolError } from '../../../src/errors.js';
import { createLlm, getLedger } from '../../../src/llm/index.js';
import type { Deps } from '../../../src/deps.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { gatewayEnv, makeDeps } from './helpers.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function setup(extraEnv: Record<string, string> = {}, routerOpts: Parameters<typeof createLlm>[1] = {}) {
  const gw = await startFakeGateway({ apiKey: 'test-key' });
  open.push(gw);
  const deps = makeDeps(gatewayEnv(gw.url, extraEnv));
  open.push({ close: () => deps.close() });
  const llm = await createLlm(deps, { retry: { maxAttempts: 0 }, ...routerOpts });
  return { gw, deps, llm };
}

const messages = [{ role: 'user' as const, content: 'analyse AAPL' }];
const chatRequests = (gw: FakeGateway) => gw.requests.filter((r) => r.path === '/v1/chat/completions');
const committed = async (deps: Deps) => (await (await getLedger(deps)).view()).dayCommittedNano;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isToolError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a ToolError');
}

describe('router.quote', () => {
  it('sends and reserves nothing; the next call reserves the quoted model, worst case and route', async () => {
    const { gw, deps, llm } = await setup();
    const q = await llm.quote({ tier: 'analysis', tool: 't', messages, maxTokens: 500 });
    expect(q.refusal).toBeNull();
    expect(q.candidates.map((c) => [c.model, c.route])).toEqual([
      ['mistral-medium-3', 'primary'],
      ['deepseek-v3.2', 'fallback'],
    ]);
    expect([gw.requests.length, await committed(deps), await (await getLedger(deps)).recent(5)]).toEqual([0, 0, []]);
    const r = await llm.complete({ tier: 'analysis', tool: 't', messages, maxTokens: 500 });
    const [row] = await (await getLedger(deps)).rowsForCall(r.callId);
    expect([row!.model_requested, row!.reserved_nano, row!.route, row!.downgrade_step]).toEqual([
      q.candidates[0]!.model,
      q.candidates[0]!.worstNano,
      'primary',
      q.downgradeStep,
    ]);
  });

  it('on a drained budget it says BUDGET_EXHAUSTED, and so does the call, which sends nothing', async () => {
    const { gw, llm } = await setup({ TRADING_MCP_DAILY_BUDGET_USD: '0.0001' });
    const q = await llm.quote({ tier: 'parse', tool: 't', messages });
    expect([q.downgradeStep, q.candidates, q.refusal?.code, q.remainingDailyNano]).toEqual([0, [], 'BUDGET_EXHAUSTED', 100_000]);
    expect(q.cheapestWorstCaseNano).toBeGreaterThan(100_000);
    expect(await codeOf(llm.complete({ tier: 'parse', tool: 't', messages }))).toBe('BUDGET_EXHAUSTED');
    // critical is quoted on Opus all the same: its own envelope bounds it, not the shared budget
    expect((await llm.quote({ tier: 'critical', tool: 'place_order', messages })).candidates.map((c) => c.model)).toEqual([
      'claude-opus-4-6',
      'claude-opus-4-5',
    ]);
    expect(gw.requests).toHaveLength(0);
  });

  it('a model whose circuit opened is no longer quoted, and the call does not send it', async () => {
    const { gw, llm } = await setup({}, { breaker: { consecutiveFailures: 1, halfOpenAfterMs: 60_000 } });
    gw.when('kimi-k2', { status: 502 }, { times: Infinity });
    expect((await llm.quote({ tier: 'options', tool: 't', messages })).candidates[0]!.model).toBe('kimi-k2');
    expect((await llm.complete({ tier: 'options', tool: 't', messages })).modelServed).toBe('deepseek-v3.2');
    const q = await llm.quote({ tier: 'options', tool: 't', messages });
    expect(q.candidates.map((c) => c.model)).toEqual(['deepseek-v3.2']);
    const sent = chatRequests(gw).length;
    expect((await llm.complete({ tier: 'options', tool: 't', messages })).modelServed).toBe('deepseek-v3.2');
    expect(
      chatRequests(gw)
        .slice(sent)
        .map((x) => x.model),
    ).toEqual(['deepseek-v3.2']);
  });

  it('without a gateway key: GATEWAY_NOT_CONFIGURED', async () => {
    const deps = makeDeps({});
    open.push({ close: () => deps.close() });
    const llm = await createLlm(deps);
    expect(await codeOf(llm.quote({ tier: 'parse', tool: 't', messages }))).toBe('GATEWAY_NOT_CONFIGURED');
  });
});
