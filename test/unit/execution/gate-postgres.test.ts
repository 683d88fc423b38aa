/**
 * Two gates (two replicas: each its own data dir and broker connection) on one PostgreSQL database,
 * through every stage: the same client_order_id is committed once, a council-free halt from one
 * replica's risk state stops the other before its INTENT. (Each replica's sim broker is its own: the orders are summed.) Skipped without TRADING_MCP_TEST_DATABASE_URL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getBroker } from '../../../src/broker/index.js';
import { ToolError } from '../../../src/errors.js';
import { getGateStore } from '../../../src/execution/gate-store.js';
import type { PlaceOrderResult } from '../../../src/execution/result.js';
import { getRiskState } from '../../../src/risk/state.js';
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
});
