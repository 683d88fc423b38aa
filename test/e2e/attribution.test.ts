/**
 * SPEC §15 over stdio against the built server: every request any tool sends to the loopback gateway
 * carries its attribution — x-request-id (the ledger's call id), x-trading-mcp-tool, x-trading-mcp-tier,
 * x-trading-mcp-profile and `user: "tars-trading-mcp:<profile>"` — for every tool that calls the gateway,
 * in each profile: get_technicals (narrative), search_lessons and record_lesson (embeddings), draft_order
 * (the parse tier), council_vote, place_order / replace_order / close_position (the Opus confirmation, whose
 * call id is also in the order audit). The routing statistics they leave are in get_llm_usage's `routing`.
 *
 * The gateway answers by the attribution it receives (the confirmation by its tier header, the draft by its
 * tool header): a call without it would get the default reply and its tool would fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callOk, startServer, type RunningServer } from '../support/client.js';
import { approve, MARKET_OPEN_INSTANT } from '../support/execution-harness.js';
import { startFakeGateway, type FakeGateway, type GatewayRequest, type RecordedRequest } from '../support/fake-gateway.js';
import { cents, lastPrice, roomyExecutorProfile } from '../support/order-kinds.js';

let gw: FakeGateway;
const servers: RunningServer[] = [];
const header = (r: { headers: GatewayRequest['headers'] }, name: string) => {
  const v = r.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const DRAFT = {
  order: {
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    notional: null,
    type: 'limit',
    time_in_force: 'gtc',
    limit_price: 185,
    stop_price: null,
    trail_price: null,
    trail_percent: null,
    extended_hours: null,
    order_class: null,
    take_profit: null,
    stop_loss: null,
    position_intent: null,
    legs: null,
  },
  ambiguities: [],
};

beforeAll(async () => {
  gw = await startFakeGateway({ apiKey: 'attr-key' });
  gw.script((req) => {
    if (!req.path.endsWith('/chat/completions')) return undefined;
    if (header(req, 'x-trading-mcp-tier') === 'critical') return { content: approve(req) };
    if (header(req, 'x-trading-mcp-tool') === 'draft_order') {
      return { content: JSON.stringify(/qty as text/.test(JSON.stringify(req.body)) ? { ...DRAFT, order: { ...DRAFT.order, qty: -3 } } : DRAFT) };
    }
    return undefined;
  });
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await gw?.close();
});

async function start(profile: string): Promise<RunningServer> {
  const s = await startServer({
    profile,
    env: { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'attr-key', TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT },
  });
  servers.push(s);
  return s;
}

interface DraftOut {
  valid: boolean;
  order: Record<string, unknown> | null;
  order_hash: string | null;
  problems: string[];
  llm: { tier: string };
}
interface RiskOut {
  order_hash: string;
}
interface Usage {
  routing: {
    tiers: Array<{ tier: string; policy: string; models: Array<{ model: string; calls: number; validRate: number | null; agreementRate: number | null }> }>;
  };
}

describe('attribution on every gateway call of every tool (stdio, built server)', () => {
  it('analyst, council and executor tools: each request names its call, tool, tier and profile', async () => {
    const analyst = await start('analyst');
    const council = await start('council');
    const executor = await start(roomyExecutorProfile());

    // analyst: narrative, lessons (embeddings), the parse tier's draft
    await callOk(analyst.client, 'get_technicals', { symbol: 'AAPL', timeframe: '1Day', lookback: 60, narrative: true });
    await callOk(analyst.client, 'search_lessons', { query: 'stop loss discipline', k: 3 });
    await callOk(analyst.client, 'record_lesson', {
      title: 'Attribution lesson',
      body: 'Every gateway call says who made it, so spend can be split by tool.',
      tags: ['operations'],
      severity: 'low',
    });
    const draft = await callOk<DraftOut>(analyst.client, 'draft_order', { intent: 'buy 10 AAPL at 185 limit, good till cancelled' });
    expect(draft).toMatchObject({ valid: true, order: { symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 185, time_in_force: 'gtc' } });
    const risk = await callOk<RiskOut>(analyst.client, 'check_risk', draft.order!);
    expect(draft.order_hash).toBe(risk.order_hash);
    const bad = await callOk<DraftOut>(analyst.client, 'draft_order', { intent: 'buy qty as text of AAPL' });
    expect(bad.valid).toBe(false);
    expect(bad.problems.join(' ')).toContain('qty');

    // council: the members' votes
    await callOk(council.client, 'council_vote', { question: 'Is AAPL a buy here?', order: { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' } });

    // executor: a confirmation per order tool
    const px = await lastPrice(executor.client, 'AAPL');
    await callOk(executor.client, 'place_order', {
      symbol: 'AAPL',
      side: 'buy',
      qty: 2,
      type: 'market',
      client_order_id: 'attr-open',
      rationale: 'attribution',
    });
    await callOk(executor.client, 'place_order', {
      symbol: 'AAPL',
      side: 'buy',
      qty: 1,
      type: 'limit',
      limit_price: cents(px * 0.98),
      time_in_force: 'gtc',
      client_order_id: 'attr-rest',
    });
    await callOk(executor.client, 'replace_order', { client_order_id: 'attr-rest', limit_price: cents(px * 0.975), new_client_order_id: 'attr-rest-2' });
    const closed = await callOk<{ confirmation: { call_id: string | null } }>(executor.client, 'close_position', {
      symbol: 'AAPL',
      client_order_id: 'attr-close',
    });

    const sent = gw.requests.filter((r) => r.path === '/v1/chat/completions' || r.path === '/v1/embeddings');
    const profiles = new Set(['analyst', 'council', 'executor-kinds']);
    for (const r of sent) {
      const what = `${r.path} ${r.model} ${header(r, 'x-trading-mcp-tool')}`;
      expect(header(r, 'x-request-id'), what).toMatch(/^[0-9a-f-]{36}$/);
      expect(header(r, 'x-trading-mcp-tool'), what).toMatch(/^[a-z_]+$/);
      expect(['parse', 'analysis', 'options', 'reasoning', 'critical', 'embedding'], what).toContain(header(r, 'x-trading-mcp-tier'));
      expect(profiles, what).toContain(header(r, 'x-trading-mcp-profile'));
      expect(r.body?.user, what).toBe(`tars-trading-mcp:${header(r, 'x-trading-mcp-profile')}`);
    }
    const byTool = (tool: string) => sent.filter((r) => header(r, 'x-trading-mcp-tool') === tool);
    const seen = (tool: string) => [...new Set(byTool(tool).map((r) => `${header(r, 'x-trading-mcp-profile')}:${header(r, 'x-trading-mcp-tier')}`))].sort();
    expect(seen('get_technicals')).toEqual(['analyst:analysis']);
    expect(seen('search_lessons')).toEqual(['analyst:embedding']);
    expect(seen('record_lesson')).toEqual(['analyst:embedding']);
    expect(seen('draft_order')).toEqual(['analyst:parse']);
    expect(seen('council_vote')).toEqual(['council:options', 'council:reasoning']);
    for (const tool of ['place_order', 'replace_order', 'close_position']) expect(seen(tool)).toEqual(['executor-kinds:critical']);
    expect(byTool('place_order')).toHaveLength(2);

    // the confirmation's call id: the gateway's x-request-id, and the audit's
    const lastClose = byTool('close_position').at(-1) as RecordedRequest;
    expect(closed.confirmation.call_id).toBe(header(lastClose, 'x-request-id'));
    const audit = await executor.client.readResource({ uri: 'trading://audit' });
    const recent = (JSON.parse((audit.contents[0] as { text: string }).text) as { recent: Array<{ confirmation: { call_id: string | null } | null }> }).recent;
    const auditIds = new Set(recent.map((a) => a.confirmation?.call_id).filter(Boolean));
    for (const r of byTool('place_order').concat(byTool('replace_order'), byTool('close_position'))) expect(auditIds).toContain(header(r, 'x-request-id'));

    // what they left in the routing statistics, and the council's agreement on its members
    const usage = await callOk<Usage>(council.client, 'get_llm_usage', {});
    const reasoning = usage.routing.tiers.find((t) => t.tier === 'reasoning')!;
    expect(reasoning.models.find((m) => m.model === 'deepseek-r1')).toMatchObject({ calls: 1, validRate: 1, agreementRate: 1 });
    const critical = usage.routing.tiers.find((t) => t.tier === 'critical')!;
    expect(critical.policy).toBe('fixed');
    expect(critical.models.find((m) => m.model === 'claude-opus-4-6')!.calls).toBe(0); // another data dir: each server keeps its own
  });
});
