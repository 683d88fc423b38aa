/**
 * The routing statistics through the real router on PostgreSQL (TRADING_MCP_DATABASE_URL set): two
 * replicas, each with its own data dir, on one database — a call answered on one is in the other's
 * totals and, after its next refresh, in the evidence its routing decides on; a council verdict given on
 * the other lands on it. And a statistics database lost mid-run never fails a call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLlm, getLedger, getRoutingStats } from '../../../src/llm/index.js';
import { createRouter } from '../../../src/llm/router.js';
import { PgRoutingStats } from '../../../src/llm/stats/postgres.js';
import { loadTierTable } from '../../../src/llm/tiers.js';
import { ADVICE_POOL_MAX, getAdvicePostgres, openPostgres } from '../../../src/store/postgres/index.js';
import { startFakeGateway, type FakeGateway } from '../../support/fake-gateway.js';
import { type FreshDatabase, freshDatabase, PG_TEST_URL } from '../../support/postgres.js';
import { gatewayEnv, makeDeps, userMessages as user } from './helpers.js';

const open: Array<{ close(): Promise<unknown> }> = [];
const waitFor = async (cond: () => Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!PG_TEST_URL)('routing statistics through the router on PostgreSQL', () => {
  let db: FreshDatabase;
  let gw: FakeGateway;
  beforeEach(async () => {
    db = await freshDatabase('routing');
    gw = await startFakeGateway({ apiKey: 'test-key' });
  });
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
    await gw.close();
    await db.drop();
  });

  const replica = async () => {
    const deps = makeDeps(gatewayEnv(gw.url, { TRADING_MCP_DATABASE_URL: db.url }));
    open.push({ close: () => deps.close() });
    return { deps, llm: await createLlm(deps, { retry: { maxAttempts: 0 } }) };
  };

  it('a call on replica A is in replica B’s totals and evidence; B’s council verdict lands on it', async () => {
    const a = await replica();
    const b = await replica();
    const [statsA, statsB] = await Promise.all([getRoutingStats(a.deps), getRoutingStats(b.deps)]);
    expect([statsA.backend, statsB.backend]).toEqual(['postgres', 'postgres']);
    const r = await a.llm.complete({ tier: 'reasoning', tool: 'council_vote', messages: user('vote') });
    const row = async () => (await statsB.summary()).find((s) => s.tier === 'reasoning' && s.model === r.modelServed);
    await waitFor(async () => (await row())?.calls === 1);
    b.llm.feedback!(r.callId, { agreedWithMajority: false });
    await waitFor(async () => (await statsA.summary()).some((s) => s.agreementN === 1 && s.agreementRate === 0));
    await new Promise((r) => setTimeout(r, 1100)); // past the refresh interval: B's next decision reads first
    await b.llm.complete({ tier: 'parse', tool: 't', messages: user('x') });
    expect(statsB.recent('reasoning', r.modelServed).map((o) => [o.callId, o.agreed])).toEqual([[r.callId, false]]);
  });

  it('the statistics write through a small pool of their own: with it all held, a priced call still answers and its statistic lands once the pool is free', async () => {
    const a = await replica();
    const b = await replica();
    const statsB = await getRoutingStats(b.deps);
    await getRoutingStats(a.deps);
    const advice = (await getAdvicePostgres(a.deps)).pool;
    const held = await Promise.all(Array.from({ length: ADVICE_POOL_MAX }, () => advice.connect()));
    const t0 = Date.now();
    const r = await a.llm.complete({ tier: 'parse', tool: 't', messages: user('x') });
    expect(Date.now() - t0).toBeLessThan(3_000); // the ledger's reserve and settle took the main pool
    const calls = async () => (await statsB.summary()).find((s) => s.model === r.modelServed)?.calls ?? 0;
    await new Promise((r) => setTimeout(r, 300));
    expect(await calls()).toBe(0); // the statistic waits for the advice pool
    for (const c of held) c.release();
    await waitFor(async () => (await calls()) === 1);
  });

  it('a statistics database lost mid-run never fails a call: the answer comes, the lost write is logged', async () => {
    const deps = makeDeps(gatewayEnv(gw.url));
    open.push({ close: () => deps.close() });
    const pg = await openPostgres(db.url, { max: 2 });
    const stats = await PgRoutingStats.open(pg.pool);
    await pg.pool.end(); // lost
    const router = createRouter(deps, { table: loadTierTable(), ledger: await getLedger(deps), stats }, { retry: { maxAttempts: 0 } });
    const reply = await router.complete({ tier: 'parse', tool: 't', messages: user('still answered') });
    expect(reply.content.length).toBeGreaterThan(0);
    expect(stats.recent('parse', reply.modelServed)).toHaveLength(1);
    await stats.close();
  });
});
