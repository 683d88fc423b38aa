/**
 * The dashboard approvals' contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL:
 * bound to the hash, decided once, taken once — also when the takes and decisions race from separate
 * handles (two processes; separate pools on PostgreSQL). A lost database rejects with STORE_UNAVAILABLE.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type ApprovalStore, openApprovalStore } from '../../../src/execution/approvals.js';
import { PgApprovalStore } from '../../../src/execution/approvals/postgres.js';
import { ToolError } from '../../../src/errors.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { contract, type StorePlace } from '../../support/backends.js';

const H = 'a'.repeat(64);
const summary = { order: 'BUY 1 AAPL at market (day)', kind: 'place', risk: { passed: true }, confirmation: null };

contract('dashboard approvals', (backend) => {
  let place: StorePlace;
  const pools: Postgres[] = [];
  const stores: ApprovalStore[] = [];
  const open = async (): Promise<ApprovalStore> => {
    let store: ApprovalStore;
    if (place.databaseUrl) {
      const pg = await openPostgres(place.databaseUrl, { max: 2 });
      pools.push(pg);
      store = new PgApprovalStore(pg.pool, pg.where);
    } else store = await openApprovalStore(place.dataDir);
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    place = await backend.place();
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of pools.splice(0)) await p.pool.end();
    await place.cleanup();
  });

  it('bound to the hash, decided once, taken once; an expired request cannot be approved', async () => {
    const [gate, page] = [await open(), await open()];
    const t0 = new Date('2026-12-02T10:00:00Z');
    const req = await gate.request(H, 'aud_1', summary, t0, 60);
    expect((await page.pending(t0)).map((r) => r.id)).toEqual([req.id]);
    expect(await page.get(req.id)).toEqual(req);
    expect(await gate.take(req.id, H)).toBe(false); // nothing approved yet
    expect(await page.decide(req.id, 'b'.repeat(64), 'approve', t0)).toEqual({ ok: false, reason: 'other_order' });
    expect(await page.decide('00000000-0000-0000-0000-000000000000', H, 'approve', t0)).toEqual({ ok: false, reason: 'unknown' });
    expect(await page.decide(req.id, H, 'approve', t0)).toEqual({ ok: true, status: 'approved' });
    expect(await page.decide(req.id, H, 'decline', t0)).toEqual({ ok: false, reason: 'not_pending' });
    expect(await gate.take(req.id, 'b'.repeat(64))).toBe(false);
    expect(await gate.take(req.id, H)).toBe(true);
    expect(await gate.take(req.id, H)).toBe(false);
    expect((await page.get(req.id))?.status).toBe('used');
    const late = await gate.request(H, 'aud_2', summary, t0, 60);
    expect(await page.decide(late.id, H, 'approve', new Date(t0.getTime() + 61_000))).toEqual({ ok: false, reason: 'expired' });
    expect(await page.pending(new Date(t0.getTime() + 61_000))).toEqual([]);
    expect((await page.recent(10)).map((r) => r.audit_id)).toEqual(['aud_2', 'aud_1']);
  });

  it('an approval not taken is expired and cannot be taken afterwards; a declined one never', async () => {
    const store = await open();
    const now = new Date();
    const a = await store.request(H, 'aud_e', summary, now, 60);
    await store.decide(a.id, H, 'approve', now);
    await store.expire(a.id, now);
    expect(await store.take(a.id, H)).toBe(false);
    expect((await store.get(a.id))?.status).toBe('expired');
    const d = await store.request(H, 'aud_d', summary, now, 60);
    expect(await store.decide(d.id, H, 'decline', now)).toEqual({ ok: true, status: 'declined' });
    await store.expire(d.id, now); // a decided decline stays declined
    expect((await store.get(d.id))?.status).toBe('declined');
    expect(await store.take(d.id, H)).toBe(false);
  });

  it('racing handles: of six takes of one approval exactly one wins; of an approve and a decline exactly one lands', async () => {
    const handles = await Promise.all(Array.from({ length: 6 }, () => open()));
    const now = new Date();
    const req = await handles[0]!.request(H, 'aud_r', summary, now, 60);
    await handles[1]!.decide(req.id, H, 'approve', now);
    const takes = await Promise.all(handles.map((h) => h.take(req.id, H)));
    expect(takes.filter(Boolean)).toHaveLength(1);
    const second = await handles[0]!.request(H, 'aud_r2', summary, now, 60);
    const decisions = await Promise.all([handles[2]!.decide(second.id, H, 'approve', now), handles[3]!.decide(second.id, H, 'decline', now)]);
    expect(decisions.filter((d) => d.ok)).toHaveLength(1);
    expect(decisions.filter((d) => !d.ok)).toEqual([{ ok: false, reason: 'not_pending' }]);
  });

  if (backend.name === 'postgres') {
    it('fails closed: an unreachable database rejects with STORE_UNAVAILABLE, never "not approved yet"', async () => {
      const gone = createPool('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
      const store = new PgApprovalStore(gone);
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: unknown) => (e instanceof ToolError ? e.code : `raw ${String(e)}`),
        );
      expect(await code(store.get('00000000-0000-0000-0000-000000000000'))).toBe('STORE_UNAVAILABLE');
      expect(await code(store.take('00000000-0000-0000-0000-000000000000', H))).toBe('STORE_UNAVAILABLE');
      expect(await code(store.request(H, 'aud', summary, new Date(), 60))).toBe('STORE_UNAVAILABLE');
      await gone.end();
    });
  }
});
