/**
 * Council tickets end to end: a council server and an executor server (requireCouncilTicket) on
 * one data dir, both BUILT servers behind real MCP clients, the loopback gateway for the members and
 * for Opus. Forged, expired, reused, other-order, REJECT and missing tickets are refused by
 * place_order at its council stage: neither Opus nor the broker ever sees those orders.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorCode, startServer, type RunningServer } from '../support/client.js';
import { messageText, orderHashIn, startFakeGateway, type FakeGateway } from '../support/fake-gateway.js';
import { MEMBER_MODELS, THREE_MEMBERS, vote, writeSingleModelTiers } from '../unit/council/gateway-env.js';
import { councilProfile } from '../unit/council/helpers.js';
import { LOOSE_RISK, MARKET_OPEN_INSTANT } from '../support/execution-harness.js';

let gw: FakeGateway;
let council: RunningServer;
let shortTtlCouncil: RunningServer;
let executor: RunningServer;
const servers: RunningServer[] = [];

const isOpus = (model: string | null) => /claude-.*opus/.test(model ?? '');
const opusRequests = () => gw.requests.filter((r) => r.path.endsWith('/chat/completions') && isOpus(r.model)).length;

beforeAll(async () => {
  gw = await startFakeGateway({ apiKey: 'e2e-key' });
  // Opus approves whatever order_hash it is shown; council members keep their own scripted/default votes.
  gw.script((req) => (isOpus(req.model) ? { content: JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['fine'] }) } : undefined));
  const dir = mkdtempSync(join(tmpdir(), 'tars-ticket-e2e-'));
  const dataDir = join(dir, 'data');
  const tiersPath = writeSingleModelTiers(dir);
  const councilPath = join(dir, 'council.json');
  writeFileSync(councilPath, JSON.stringify(councilProfile({ members: THREE_MEMBERS, quorum: 2, memberTimeoutMs: 2000, ticketTtlSec: 600 })));
  const shortPath = join(dir, 'council-short.json');
  writeFileSync(shortPath, JSON.stringify(councilProfile({ members: THREE_MEMBERS, quorum: 2, memberTimeoutMs: 2000, ticketTtlSec: 1 })));
  const executorPath = join(dir, 'executor.json');
  writeFileSync(
    executorPath,
    JSON.stringify({
      name: 'executor-council',
      description: 'executor that requires a council ticket',
      tools: ['place_order', 'check_risk'],
      requireCouncilTicket: true,
      risk: LOOSE_RISK,
    }),
  );
  const env = { LLM_GATEWAY_BASE_URL: gw.url, LLM_GATEWAY_API_KEY: 'e2e-key', TRADING_MCP_TIERS: tiersPath, TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT };
  // a user lesson on AAPL: the council prompt of an AAPL order carries it, and the result names it
  mkdirSync(join(dataDir, 'lessons'), { recursive: true });
  writeFileSync(
    join(dataDir, 'lessons', 'aapl-council.md'),
    '---\nid: aapl-council-e2e\ntitle: "AAPL orders want a second look"\nseverity: medium\ntags: [execution]\ncreated: 2026-12-01\nsymbols: [AAPL]\n---\nWhat happened.\n\n## Prevention\n\nLook twice.\n',
  );
  council = await startServer({ profile: councilPath, dataDir, env });
  shortTtlCouncil = await startServer({ profile: shortPath, dataDir, env });
  executor = await startServer({ profile: executorPath, dataDir, env });
  servers.push(council, shortTtlCouncil, executor);
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await gw.close();
});

let n = 0;
/** A fresh order each time (distinct client_order_id), so idempotency never masks the council stage. */
const order = (qty = 2) => ({ symbol: 'AAPL', side: 'buy', qty, type: 'market', time_in_force: 'day', client_order_id: `council-e2e-${process.pid}-${++n}` });

interface CouncilOut {
  council_id: string;
  ticket: string;
  decision: string;
  order_hash: string;
  lessons: Array<{ id: string; title: string }> | null;
}

async function councilTicket(server: RunningServer, o: Record<string, unknown>): Promise<CouncilOut> {
  const r = await callTool(server.client, 'council_vote', { question: 'Place this order?', order: o });
  expect(r.isError, JSON.stringify(r.structuredContent)).toBeFalsy();
  return r.structuredContent as CouncilOut;
}

async function place(o: Record<string, unknown>, ticket?: string) {
  const r = await callTool(executor.client, 'place_order', { ...o, ...(ticket !== undefined ? { council_ticket: ticket } : {}) });
  const body = (r.isError ? (r.structuredContent as { details: Record<string, any> }).details : r.structuredContent) as Record<string, any>;
  return { code: errorCode(r), body };
}

describe('place_order with requireCouncilTicket', () => {
  it('accepts an APPROVE ticket for the same order once; the same ticket is refused as reused', async () => {
    const o = order();
    const sent = gw.requests.length;
    const t = await councilTicket(council, o);
    expect(t.decision).toBe('APPROVE');
    // the result names the lessons the members were shown: every one is in each member's prompt, the AAPL lesson among them
    const ids = t.lessons!.map((l) => l.id);
    expect(ids).toContain('aapl-council-e2e');
    const prompts = gw.requests.slice(sent).filter((r) => r.path.endsWith('/chat/completions') && !isOpus(r.model));
    expect(prompts.length).toBeGreaterThanOrEqual(2);
    for (const p of prompts) for (const id of ids) expect(messageText(p)).toContain(id);
    // and so does its row in the decision log (trading://council)
    const log = await council.client.readResource({ uri: 'trading://council' });
    const rows = JSON.parse((log.contents[0] as { text: string }).text) as { councils: Array<{ council_id: string; lessons: string[] | null }> };
    expect(rows.councils.find((c) => c.council_id === t.council_id)?.lessons).toEqual(ids);
    const opusBefore = opusRequests();
    const first = await place(o, t.ticket);
    expect(first.code, JSON.stringify(first.body)).toBeUndefined();
    expect(first.body).toMatchObject({ status: 'submitted', order_hash: t.order_hash, council: { ok: true } });
    expect(first.body.broker_order?.id).toBeTruthy();
    expect(opusRequests()).toBe(opusBefore + 1);

    // Re-sending the same client_order_id would stop at idempotency (duplicate) before the council stage,
    // so reuse is shown with an order without client_order_id: same hash each time, a fresh generated id.
    const anon = { symbol: 'MSFT', side: 'buy', qty: 1, type: 'market', time_in_force: 'day' };
    const t2 = await councilTicket(council, anon);
    expect((await place(anon, t2.ticket)).body.status).toBe('submitted');
    const again = await place(anon, t2.ticket);
    expect(again.code).toBe('COUNCIL_REQUIRED');
    expect(again.body).toMatchObject({ status: 'refused', stopped_at: 'council', council: { ok: false, reason: 'reused' }, broker_order: null });
    expect(opusRequests()).toBe(opusBefore + 2); // the refused attempt never reached Opus
  });

  it('refuses a missing ticket', async () => {
    const r = await place(order());
    expect(r.code).toBe('COUNCIL_REQUIRED');
    expect(r.body).toMatchObject({ stopped_at: 'council', broker_order: null });
  });

  it('refuses a ticket for another order (qty 2 → 3)', async () => {
    const o = order(2);
    const t = await councilTicket(council, o);
    const opusBefore = opusRequests();
    const r = await place({ ...o, qty: 3 }, t.ticket);
    expect(r.code).toBe('COUNCIL_REQUIRED');
    expect(r.body).toMatchObject({ stopped_at: 'council', council: { ok: false, reason: 'other_order' }, broker_order: null });
    expect(opusRequests()).toBe(opusBefore);
  });

  it('refuses forged tickets (edited payload, foreign signature)', async () => {
    const o = order();
    const t = await councilTicket(council, o);
    const [prefix, payload, sig] = t.ticket.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const stretched = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, exp: (claims.exp as number) + 86_400 })).toString('base64url')}.${sig}`;
    const resigned = `${prefix}.${payload}.${Buffer.alloc(32, 7).toString('base64url')}`;
    for (const forged of [stretched, resigned]) {
      const r = await place(o, forged);
      expect(r.code).toBe('COUNCIL_REQUIRED');
      expect(r.body).toMatchObject({ stopped_at: 'council', council: { ok: false, reason: 'forged' }, broker_order: null });
    }
    // the genuine ticket still works afterwards: forgeries did not spend it
    expect((await place(o, t.ticket)).body.status).toBe('submitted');
  });

  it('refuses an expired ticket (ticketTtlSec 1)', async () => {
    const o = order();
    const t = await councilTicket(shortTtlCouncil, o);
    await new Promise((r) => setTimeout(r, 2100));
    const r = await place(o, t.ticket);
    expect(r.code).toBe('COUNCIL_REQUIRED');
    expect(r.body).toMatchObject({ stopped_at: 'council', council: { ok: false, reason: 'expired' } });
  });

  it('refuses a REJECT ticket', async () => {
    const o = order();
    gw.when(MEMBER_MODELS.reasoning, { content: vote('REJECT', 0.9) });
    gw.when(MEMBER_MODELS.options, { content: vote('REJECT', 0.8) });
    const t = await councilTicket(council, o);
    expect(t.decision).toBe('REJECT');
    expect(t.ticket).toMatch(/^ctk1\./);
    const r = await place(o, t.ticket);
    expect(r.code).toBe('COUNCIL_REQUIRED');
    expect(r.body).toMatchObject({ stopped_at: 'council', council: { ok: false, reason: 'not_approved' } });
  });
});
