/**
 * Council tickets across two replicas (SPEC §16): two BUILT servers behind real MCP clients over stdio,
 * each with its own data dir and sim broker, on one fresh PostgreSQL database. A ticket a council issues
 * on one verifies on the other (the key is the database's, not a data dir's), and when six place_order
 * attempts carrying it race — three on each replica — exactly one reaches a broker; the five others are
 * refused as reused (at the council stage, or at the INTENT commit where the spend lands). Skipped
 * without TRADING_MCP_TEST_DATABASE_URL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, errorCode, type RunningServer, startServer, tempDataDir } from '../support/client.js';
import { LOOSE_RISK, MARKET_OPEN_INSTANT } from '../support/execution-harness.js';
import { type FakeGateway, orderHashIn, startFakeGateway } from '../support/fake-gateway.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../support/postgres.js';
import { THREE_MEMBERS, writeSingleModelTiers } from '../unit/council/gateway-env.js';

const isOpus = (model: string | null) => /claude-.*opus/.test(model ?? '');

describe.skipIf(!PG_TEST_URL)('council tickets on PostgreSQL, two replicas', () => {
  let gw: FakeGateway;
  let db: FreshDatabase;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    db = await freshDatabase('ticket_e2e');
    gw = await startFakeGateway({ apiKey: 'e2e-key' });
    // Opus approves what it is shown, slowly enough that the six attempts are all in flight together
    gw.script((req) =>
      isOpus(req.model) ? { content: JSON.stringify({ decision: 'APPROVE', order_hash: orderHashIn(req), reasons: ['fine'] }), latencyMs: 150 } : undefined,
    );
    const dir = tempDataDir('tars-ticket-pg-');
    const profilePath = join(dir, 'desk.json');
    writeFileSync(
      profilePath,
      JSON.stringify({
        name: 'desk-council',
        description: 'votes and places, a council ticket required',
        tools: ['council_vote', 'place_order', 'check_risk', 'get_orders'],
        requireCouncilTicket: true,
        risk: LOOSE_RISK,
        council: { members: THREE_MEMBERS, quorum: 2, memberTimeoutMs: 2000, ticketTtlSec: 600 },
      }),
    );
    const env = {
      LLM_GATEWAY_BASE_URL: gw.url,
      LLM_GATEWAY_API_KEY: 'e2e-key',
      TRADING_MCP_TIERS: writeSingleModelTiers(dir),
      TRADING_MCP_SIM_CLOCK: MARKET_OPEN_INSTANT,
      TRADING_MCP_DATABASE_URL: db.url,
    };
    [a, b] = await Promise.all([
      startServer({ profile: profilePath, dataDir: tempDataDir('tars-ticket-pg-a-'), env }),
      startServer({ profile: profilePath, dataDir: tempDataDir('tars-ticket-pg-b-'), env }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await gw?.close();
    await db?.drop();
  });

  const brokerOrders = async (s: RunningServer) =>
    ((await callTool(s.client, 'get_orders', { status: 'all' })).structuredContent as { orders: unknown[] }).orders.length;

  it('a ticket issued on one replica is spent once across both when six place_order attempts race', async () => {
    // no client_order_id: each attempt gets a fresh one, the order_hash (which the ticket binds) is the same
    const order = { symbol: 'AAPL', side: 'buy', qty: 2, type: 'market', time_in_force: 'day' };
    const vote = await callTool(a.client, 'council_vote', { question: 'Place this order?', order });
    expect(vote.isError, JSON.stringify(vote.structuredContent)).toBeFalsy();
    const { ticket, decision } = vote.structuredContent as { ticket: string; decision: string };
    expect(decision).toBe('APPROVE');

    // warm replica b (its modules, pool, the key row) with a vote on another order, so the six start level
    expect((await callTool(b.client, 'council_vote', { question: 'And this one?', order: { ...order, qty: 1 } })).isError).toBeFalsy();
    const racers = [a, b, a, b, a, b].map((s) => callTool(s.client, 'place_order', { ...order, council_ticket: ticket }));
    const results = await Promise.all(racers);
    const codes = results.map((r) => errorCode(r) ?? (r.structuredContent as { status: string }).status);
    expect(
      codes.filter((c) => c === 'submitted'),
      codes.join(', '),
    ).toHaveLength(1);
    expect(codes.filter((c) => c === 'COUNCIL_REQUIRED')).toHaveLength(5);
    for (const r of results.filter((x) => x.isError)) {
      const details = (r.structuredContent as { details: { council?: { reason?: string }; message?: string } }).details;
      // refused as reused: at the council stage (the spend had committed), or by the INTENT commit's spend
      expect(JSON.stringify(details)).toMatch(/reused/);
      expect(['council', 'broker']).toContain((r.structuredContent as { details: { stopped_at: string } }).details.stopped_at);
    }
    expect((await brokerOrders(a)) + (await brokerOrders(b))).toBe(1);

    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const spent = await pool.query('SELECT ticket_id FROM gate_consumed_tickets');
      expect(spent.rows).toHaveLength(1);
      const intents = await pool.query("SELECT 1 FROM gate_journal WHERE type = 'INTENT'");
      expect(intents.rows).toHaveLength(1);
    } finally {
      await pool.end();
    }
    // and the spent ticket is refused on either replica afterwards
    for (const s of [a, b]) expect(errorCode(await callTool(s.client, 'place_order', { ...order, council_ticket: ticket }))).toBe('COUNCIL_REQUIRED');
  }, 60_000);
});
