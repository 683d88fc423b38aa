/**
 * Council tickets through the real gate on PostgreSQL, two replicas (each its own data dir and sim
 * broker) on one database: a ticket issued by one replica verifies on the other (the key is the
 * database's), and a database lost mid-run refuses the order with STORE_UNAVAILABLE — nothing sent,
 * the ticket left unspent — and the same ticket goes through once the database is back. Skipped without
 * TRADING_MCP_TEST_DATABASE_URL.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
import { issueTicket, verifyTicket } from '../../../src/council/ticket.js';
import { ToolError } from '../../../src/errors.js';
import { validateStage } from '../../../src/execution/stages/validate.js';
import { approve, BUY_AAPL, type Harness, startHarness } from '../../support/execution-harness.js';
import { type FakeGateway, startFakeGateway } from '../../support/fake-gateway.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';
import { contextAfter } from '../../support/stage-context.js';

let harnesses: Harness[] = [];
let gw: FakeGateway | undefined;
let db: FreshDatabase | undefined;
afterEach(async () => {
  for (const h of harnesses) await h.close();
  harnesses = [];
  await gw?.close();
  if (db) await admin((c) => c.query(`ALTER DATABASE "${db!.name}" ALLOW_CONNECTIONS true`));
  await db?.drop();
  [gw, db] = [undefined, undefined];
});

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: PG_TEST_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function replicas(n: number): Promise<Harness[]> {
  db = await freshDatabase('ticket');
  gw = await startFakeGateway();
  const gateway = gw;
  gateway.script((req) => (req.path.endsWith('/chat/completions') ? { content: approve(req) } : undefined));
  for (let i = 0; i < n; i++) harnesses.push(await startHarness({ gatewayUrl: gateway.url, databaseUrl: db.url, requireCouncilTicket: true }));
  return harnesses;
}

const codeOf = (run: Promise<unknown>) =>
  run.then(
    () => 'submitted',
    (err: unknown) => (err instanceof ToolError ? err.code : `threw ${String(err)}`),
  );
const sentBy = async (hs: Harness[]) =>
  (await Promise.all(hs.map(async (h) => (await getBroker(h.deps)).listOrders({ status: 'all', limit: 50 })))).flat().length;

describe.skipIf(!PG_TEST_URL)('council tickets through the gate on PostgreSQL', () => {
  it('a ticket issued on one replica verifies on the other, whose data dir never saw a key', async () => {
    const [a, b] = await replicas(2);
    const { order } = await contextAfter(a!, BUY_AAPL, [validateStage]);
    const t = await issueTicket(a!.deps, { orderHash: order.hash, decision: 'APPROVE', councilId: 'c1' });
    expect(await verifyTicket(b!.deps, t.ticket, order.hash)).toMatchObject({ ok: true, ticketId: t.ticketId });
    expect(await codeOf(b!.gate.place({ ...BUY_AAPL, council_ticket: t.ticket }))).toBe('submitted');
    expect(await verifyTicket(a!.deps, t.ticket, order.hash)).toMatchObject({ ok: false, reason: 'reused' });
    expect(await sentBy([a!, b!])).toBe(1);
  });

  it('a database lost mid-run refuses with STORE_UNAVAILABLE (nothing sent, the ticket unspent); back, the same ticket goes through once', async () => {
    const [a] = await replicas(1);
    const { order } = await contextAfter(a!, BUY_AAPL, [validateStage]);
    const t = await issueTicket(a!.deps, { orderHash: order.hash, decision: 'APPROVE', councilId: 'c1' });
    await admin(async (c) => {
      await c.query(`ALTER DATABASE "${db!.name}" ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db!.name]);
    });
    expect(await codeOf(a!.gate.place({ ...BUY_AAPL, council_ticket: t.ticket }))).toBe('STORE_UNAVAILABLE');
    expect(await sentBy([a!])).toBe(0);
    await admin((c) => c.query(`ALTER DATABASE "${db!.name}" ALLOW_CONNECTIONS true`));
    expect(await verifyTicket(a!.deps, t.ticket, order.hash)).toMatchObject({ ok: true });
    expect(await codeOf(a!.gate.place({ ...BUY_AAPL, council_ticket: t.ticket }))).toBe('submitted');
    expect(await codeOf(a!.gate.place({ ...BUY_AAPL, council_ticket: t.ticket }))).toBe('COUNCIL_REQUIRED');
    expect(await sentBy([a!])).toBe(1);
  });
});
