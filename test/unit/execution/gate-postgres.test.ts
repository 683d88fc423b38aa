/**
 * Two gates (two replicas: each its own data dir and broker connection) on one PostgreSQL database,
 * through every stage: the same client_order_id is committed once, a council-free halt from one
 * replica's risk state stops the other before its INTENT. (Each replica's sim broker is its own: the orders are summed.) Skipped without TRADING_MCP_TEST_DATABASE_URL.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
import { ToolError } from '../../../src/errors.js';
import { getGateStore } from '../../../src/execution/gate-store.js';
import { OWNER_HOST } from '../../../src/execution/owner-host.js';
import type { PlaceOrderResult } from '../../../src/execution/result.js';
import { getRiskState, openRiskState, RISK_DB_FILE } from '../../../src/risk/state.js';
import { approve, BUY_AAPL, type Harness, startHarness } from '../../support/execution-harness.js';
import { type FakeGateway, startFakeGateway } from '../../support/fake-gateway.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';

let harnesses: Harness[] = [];
let gw: FakeGateway | undefined;
let db: FreshDatabase | undefined;
afterEach(async () => {
  for (const h of harnesses) await h.close();
  harnesses = [];
  await gw?.close();
  await db?.drop();
  gw = undefined;
  db = undefined;
});

const outcome = (s: PromiseSettledResult<PlaceOrderResult>) =>
  s.status === 'fulfilled' ? s.value.status : s.reason instanceof ToolError ? s.reason.code : `threw ${String(s.reason)}`;

async function replicas(n: number): Promise<Harness[]> {
  db = await freshDatabase('gate');
  gw = await startFakeGateway();
  const gateway = gw;
  gateway.script((req) => (req.path.endsWith('/chat/completions') ? { content: approve(req), latencyMs: 200 } : undefined));
  for (let i = 0; i < n; i++) harnesses.push(await startHarness({ gatewayUrl: gateway.url, databaseUrl: db.url }));
  return harnesses;
}

describe.skipIf(!PG_TEST_URL)('the execution gate on PostgreSQL, two replicas', () => {
  it('the same client_order_id from both replicas is committed and sent once', async () => {
    const [a, b] = await replicas(2);
    const settled = await Promise.allSettled([
      a!.gate.place({ ...BUY_AAPL, client_order_id: 'shared-1' }),
      b!.gate.place({ ...BUY_AAPL, client_order_id: 'shared-1' }),
    ]);
    const results = settled.map(outcome).sort();
    expect(results).toEqual(['DUPLICATE_ORDER', 'submitted']);
    const sent = await Promise.all([a!, b!].map(async (h) => (await getBroker(h.deps)).listOrders({ status: 'all', limit: 10 })));
    expect(sent.flat().length).toBe(1);
    const store = await getGateStore(a!.deps);
    expect(store.backend).toBe('postgres');
    expect((await store.getOrder('shared-1'))?.state).toBe('submitted');
    expect((await store.journalStatus()).sequence).toBe(2); // one INTENT, one OUTCOME
  });

  it("a halt through one replica's risk state stops the other before its INTENT; resume lets it through", async () => {
    const [a, b] = await replicas(2);
    await (await getRiskState(a!.deps)).halt('desk stop', 'test');
    const refused = await Promise.allSettled([b!.gate.place({ ...BUY_AAPL, client_order_id: 'after-halt' })]);
    expect(outcome(refused[0]!)).toBe('TRADING_HALTED');
    expect((await (await getGateStore(b!.deps)).journalStatus()).sequence).toBe(0);
    await (await getRiskState(a!.deps)).resume('test');
    const placed = await Promise.allSettled([b!.gate.place({ ...BUY_AAPL, client_order_id: 'after-resume' })]);
    expect(outcome(placed[0]!)).toBe('submitted');
  });

  it("a halt written to this data dir's own risk.sqlite (a CLI run without the database variable) stops this replica's next order, and the broker sees nothing", async () => {
    const [a] = await replicas(1);
    await (await getRiskState(a!.deps)).isHalted(); // the replica is up on PostgreSQL
    const local = await openRiskState(join(a!.dataDir, RISK_DB_FILE));
    try {
      await local.halt('operator halt without the database variable', 'cli');
    } finally {
      local.close();
    }
    expect((await (await getRiskState(a!.deps)).isHalted()).halted).toBe(true);
    const refused = await Promise.allSettled([a!.gate.place({ ...BUY_AAPL, client_order_id: 'local-halt' })]);
    expect(outcome(refused[0]!)).toBe('TRADING_HALTED');
    expect((await (await getGateStore(a!.deps)).journalStatus()).sequence).toBe(0);
    expect((await (await getBroker(a!.deps)).listOrders({ status: 'all', limit: 10 })).length).toBe(0);
  });

  /** A pid that no process has now: a child that has exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

  /** Copies replica a's real INTENT of `from` as a pending INTENT of `id` owned by (host, pid). */
  async function pendingIntent(url: string, from: string, id: string, host: string, pid: number): Promise<void> {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const { rows } = await pool.query("SELECT record FROM gate_journal WHERE type = 'INTENT' AND client_order_id = $1", [from]);
      const record = { ...rows[0].record, client_order_id: id, pid, audit_id: `audit-${id}` };
      await pool.query("INSERT INTO gate_journal (type, client_order_id, record) VALUES ('INTENT', $1, $2)", [id, record]);
      await pool.query(
        "INSERT INTO gate_orders (client_order_id, order_hash, state, audit_id, pid, host, created_at, updated_at) VALUES ($1, $2, 'intent', $3, $4, $5, $6, $6)",
        [id, record.order_hash, record.audit_id, pid, host, record.at],
      );
    } finally {
      await pool.end();
    }
  }

  it("never takes another host's INTENT or claim for dead: a pid means nothing off its host (only this host's dead owners are reconciled)", async () => {
    const [a] = await replicas(1);
    expect(outcome((await Promise.allSettled([a!.gate.place({ ...BUY_AAPL, client_order_id: 'seed-1' })]))[0]!)).toBe('submitted');
    await pendingIntent(db!.url, 'seed-1', 'elsewhere-1', 'another-host', deadPid());
    await pendingIntent(db!.url, 'seed-1', 'here-1', OWNER_HOST, deadPid());
    // a replica starting now reconciles at its first order: this host's dead owner only
    harnesses.push(await startHarness({ gatewayUrl: gw!.url, databaseUrl: db!.url }));
    const b = harnesses[1]!;
    expect(outcome((await Promise.allSettled([b.gate.place({ ...BUY_AAPL, client_order_id: 'seed-2' })]))[0]!)).toBe('submitted');
    const store = await getGateStore(b.deps);
    expect((await store.journalStatus()).pending.map((p) => p.client_order_id)).toEqual(['elsewhere-1']);
    expect((await store.getOrder('here-1'))?.state).not.toBe('intent');
    // a retry of the other host's id is answered as a duplicate, nothing sent
    const retry = await Promise.allSettled([b.gate.place({ ...BUY_AAPL, client_order_id: 'elsewhere-1' })]);
    expect(outcome(retry[0]!)).not.toBe('submitted');
    expect((await store.getOrder('elsewhere-1'))?.state).toBe('intent');
    const sent = await Promise.all([a!, b].map(async (h) => (await getBroker(h.deps)).listOrders({ status: 'all', limit: 10 })));
    expect(
      sent
        .flat()
        .map((o) => o.clientOrderId)
        .sort(),
    ).toEqual(['seed-1', 'seed-2']);
  });
});
