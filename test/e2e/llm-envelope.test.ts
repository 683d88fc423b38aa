/**
 * SPEC §11 through the BUILT server over stdio (executor, loopback gateway + loopback Alpaca): Opus's own
 * envelope refuses with BUDGET_EXHAUSTED at stage `confirmation` without a gateway request, durably
 * across a restart on the same data dir; a confirmation is read strictly; an over-reported reply is
 * flagged in get_llm_usage. Counts come from the gateway's request log and the broker's accepted orders.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callOk, callTool, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';
import { startFakeGateway, type Behaviour, type FakeGateway } from '../support/fake-gateway.js';
import { approve, reject } from '../support/execution-harness.js';

let alpaca: FakeAlpaca;
let gw: FakeGateway;
const servers: RunningServer[] = [];

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  gw = await startFakeGateway();
});
afterAll(async () => {
  await alpaca?.close();
  await gw?.close();
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  gw.resetBehaviours();
});

const env = (extra: Record<string, string> = {}) => ({
  APCA_API_BASE_URL: alpaca.tradingUrl,
  APCA_API_DATA_URL: alpaca.dataUrl,
  APCA_API_KEY_ID: alpaca.keyId,
  APCA_API_SECRET_KEY: alpaca.secret,
  LLM_GATEWAY_BASE_URL: gw.url,
  LLM_GATEWAY_API_KEY: 'test-key',
  TRADING_MCP_ALPACA_TIMEOUT_MS: '3000',
  ...extra,
});

async function start(profile: string, extraEnv: Record<string, string> = {}, dataDir?: string): Promise<RunningServer> {
  const s = await startServer({ profile, env: env(extraEnv), ...(dataDir ? { dataDir } : {}) });
  servers.push(s);
  return s;
}

function profileFile(confirmation: Record<string, number>): string {
  const path = join(tempDataDir('tars-profile-'), 'executor-envelope.json');
  writeFileSync(
    path,
    JSON.stringify({
      name: 'executor-envelope',
      description: 'executor with a small Opus envelope',
      tools: ['place_order', 'check_risk', 'get_llm_usage'],
      confirmation,
    }),
  );
  return path;
}

const order = (cid: string, qty: number) => ({ symbol: 'AAPL', side: 'buy', qty, type: 'market', time_in_force: 'day', client_order_id: cid });
const confirmations = () => gw.requests.filter((r) => r.path === '/v1/chat/completions').length;
const accepted = (prefix: string) => alpaca.submittedOrders.filter((o) => String(o.client_order_id).startsWith(prefix)).length;
const onConfirmations = (b: (req: Parameters<typeof approve>[0]) => Behaviour) =>
  gw.script((req) => (req.path === '/v1/chat/completions' ? b(req) : undefined));

interface Usage {
  critical: { dailyBudgetUsd: number; spentUsd: number; remainingUsd: number; confirmationsLastHour: number; maxConfirmationsPerHour: number };
  usageAnomalies: { today: number; month: number; recent: Array<{ tier: string; modelServed: string | null; detail: string }> };
}

describe('Opus envelope over stdio', () => {
  it('past maxConfirmationsPerHour place_order refuses with BUDGET_EXHAUSTED at confirmation, sends nothing, and stays refused after a restart', async () => {
    onConfirmations((req) => ({ content: reject(req) }));
    const profile = profileFile({ maxConfirmationsPerHour: 2 });
    const dir = tempDataDir();
    const s = await start(profile, {}, dir);
    const before = confirmations();
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) codes.push(errorCode(await callTool(s.client, 'place_order', order(`envh-${i}`, i + 1))));
    expect(codes).toEqual(['CONFIRMATION_REJECTED', 'CONFIRMATION_REJECTED', 'BUDGET_EXHAUSTED']);
    expect(confirmations() - before).toBe(2);
    const usage = await callOk<Usage>(s.client, 'get_llm_usage', {});
    expect(usage.critical).toMatchObject({ dailyBudgetUsd: 5, confirmationsLastHour: 2, maxConfirmationsPerHour: 2 });
    expect(usage.critical.spentUsd).toBeGreaterThan(0);
    await s.close();

    const again = await start(profile, {}, dir);
    const r = await callTool(again.client, 'place_order', order('envh-3', 4));
    expect(errorCode(r)).toBe('BUDGET_EXHAUSTED');
    const details = (r.structuredContent as { details: { stopped_at: string; stages: Array<{ stage: string; code: string | null }> } }).details;
    expect(details.stopped_at).toBe('confirmation');
    expect(details.stages.find((x) => x.stage === 'confirmation')!.code).toBe('BUDGET_EXHAUSTED');
    expect(confirmations() - before).toBe(2);
    expect(accepted('envh-')).toBe(0);
  }, 60_000);

  it('past TRADING_MCP_CRITICAL_DAILY_BUDGET_USD the first confirmation is refused before any request', async () => {
    onConfirmations((req) => ({ content: approve(req) }));
    const s = await start('executor', { TRADING_MCP_CRITICAL_DAILY_BUDGET_USD: '0.01' });
    const before = confirmations();
    const r = await callTool(s.client, 'place_order', order('envd-0', 1));
    expect(errorCode(r)).toBe('BUDGET_EXHAUSTED');
    expect(confirmations()).toBe(before);
    expect(accepted('envd-')).toBe(0);
    const usage = await callOk<Usage>(s.client, 'get_llm_usage', {});
    expect(usage.critical).toMatchObject({ dailyBudgetUsd: 0.01, spentUsd: 0, confirmationsLastHour: 0, maxConfirmationsPerHour: 12 });
  }, 60_000);
});

describe('a confirmation is read strictly, over stdio', () => {
  it('several choices, a cut or filtered APPROVE, and a model outside the one allowed prefix never reach the broker', async () => {
    const s = await start('executor');
    const cases: Array<[Behaviour, string | undefined]> = [
      [{ choices: 2 }, 'CONFIRMATION_INVALID'],
      [{ finishReason: 'length' }, 'CONFIRMATION_INVALID'],
      [{ finishReason: 'content_filter' }, 'CONFIRMATION_INVALID'],
      [{ model: 'openai/claude-opus-4-6' }, 'CONFIRMATION_INVALID'],
      [{ model: 'anthropic/anthropic/claude-opus-4-6' }, 'CONFIRMATION_INVALID'],
      [{ model: 'anthropic/claude-opus-4-6' }, undefined],
    ];
    const codes: Array<string | undefined> = [];
    for (const [i, [behaviour]] of cases.entries()) {
      gw.resetBehaviours();
      onConfirmations((req) => ({ content: approve(req), ...behaviour }));
      codes.push(errorCode(await callTool(s.client, 'place_order', order(`strict-${i}`, i + 1))));
    }
    expect(codes).toEqual(cases.map(([, code]) => code));
    expect(alpaca.submittedOrders.filter((o) => String(o.client_order_id).startsWith('strict-')).map((o) => o.client_order_id)).toEqual(['strict-5']);
  }, 60_000);

  it('an over-reported Opus reply is not used, and get_llm_usage shows the anomaly', async () => {
    onConfirmations((req) => ({ content: approve(req), overReportUsage: 4 }));
    const s = await start('executor');
    const r = await callTool(s.client, 'place_order', order('anom-0', 1));
    expect(errorCode(r)).toBe('CONFIRMATION_UNAVAILABLE');
    expect(accepted('anom-')).toBe(0);
    const usage = await callOk<Usage>(s.client, 'get_llm_usage', {});
    expect(usage.usageAnomalies).toMatchObject({ today: 1, month: 1 });
    expect(usage.usageAnomalies.recent[0]).toMatchObject({ tier: 'critical', modelServed: 'claude-opus-4-6' });
    expect(usage.usageAnomalies.recent[0]!.detail).toMatch(/completion_tokens 4096 > max_tokens 1024/);
  }, 60_000);
});
