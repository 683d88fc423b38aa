/**
 * The council store's contract, run on SQLite and (with TRADING_MCP_TEST_DATABASE_URL) on PostgreSQL: the
 * decision log, one ticket key per store, and a ticket spent once by six racers each on its own
 * connection (six pools on PostgreSQL, six council.sqlite handles on SQLite). On PostgreSQL a lost or
 * broken database rejects with STORE_UNAVAILABLE, never a pass.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { MemberOutcome } from '../../../src/council/aggregate.js';
import { COUNCIL_DB_FILE, type CouncilStore } from '../../../src/council/store.js';
import { PgCouncilStore } from '../../../src/council/store/postgres.js';
import { openCouncilStore } from '../../../src/council/store/sqlite.js';
import { ToolError } from '../../../src/errors.js';
import { openPostgres, type Postgres } from '../../../src/store/postgres/index.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { contract, type StorePlace } from '../../support/backends.js';

const outcome = (member: number, vote: 'APPROVE' | 'REJECT' | null, status: MemberOutcome['status'] = 'valid'): MemberOutcome => ({
  member,
  tier: 'reasoning',
  model_requested: 'm',
  model_served: 'm',
  status,
  vote,
  confidence: vote ? 0.8 : null,
  reasoning: vote ? `because ${member}` : null,
  error: vote ? null : { code: 'INVALID_VOTE', message: 'not json' },
  latency_ms: 12.5,
  cost_usd: 0.000123,
  downgrade_step: 0,
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: unknown) => (e instanceof ToolError ? e.code : `raw ${String(e)}`),
  );

contract('the council store', (backend) => {
  let place: StorePlace;
  const pools: Postgres[] = [];
  const stores: CouncilStore[] = [];
  /** A store on its own connection(s): a fresh pool on PostgreSQL, a fresh handle on council.sqlite. */
  const open = async (): Promise<CouncilStore> => {
    let store: CouncilStore;
    if (place.databaseUrl) {
      const pg = await openPostgres(place.databaseUrl, { max: 2 });
      pools.push(pg);
      store = new PgCouncilStore(pg.pool, pg.where);
    } else {
      const { default: Database } = await import('better-sqlite3');
      store = openCouncilStore(Database, join(place.dataDir, COUNCIL_DB_FILE));
    }
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

  it('journals a council and its votes (a re-recorded member replaces its vote); recent reads them back newest first', async () => {
    const store = await open();
    await store.begin({ id: 'c1', at: '2026-12-02T10:00:00.000Z', question: 'buy?', orderHash: 'h'.repeat(64), membersTotal: 3, quorum: 2 });
    await store.recordVote('c1', outcome(0, 'REJECT'), null);
    await store.recordVote('c1', outcome(0, 'APPROVE'), null);
    await store.recordVote('c1', outcome(2, null, 'invalid'), 'x'.repeat(3000));
    await store.finish('c1', {
      decision: 'APPROVE',
      consensus: 0.5,
      validVotes: 1,
      wallMs: 40.25,
      costUsd: 0.000246,
      ticketId: 't'.repeat(32),
      ticketExpiresAt: '2026-12-02T10:15:00.000Z',
      result: { lessons: [{ id: 'l-1' }, { id: 'l-2' }] },
    });
    await store.begin({ id: 'c2', at: '2026-12-02T10:01:00.000Z', question: 'sell?', orderHash: null, membersTotal: 3, quorum: 2 });
    await store.fail('c2', 'BUDGET_EXHAUSTED');
    await store.fail('c1', 'too late'); // only a running council can fail
    // a second handle (another process) reads what the first wrote
    const [c2, c1] = await (await open()).recent(10);
    expect(c2).toMatchObject({ council_id: 'c2', status: 'failed', order_hash: null, votes: [], lessons: null });
    expect(c1).toMatchObject({
      council_id: 'c1',
      status: 'done',
      decision: 'APPROVE',
      consensus: 0.5,
      valid_votes: 1,
      quorum: 2,
      members_total: 3,
      wall_ms: 40.25,
      cost_usd: 0.000246,
      ticket_id: 't'.repeat(32),
      lessons: ['l-1', 'l-2'],
    });
    expect(c1!.votes.map((v) => [v.member, v.vote, v.status])).toEqual([
      [0, 'APPROVE', 'valid'],
      [2, null, 'invalid'],
    ]);
    expect(c1!.votes[0]).toMatchObject({ confidence: 0.8, reasoning: 'because 0', latency_ms: 12.5, cost_usd: 0.000123, model_served: 'm' });
    expect(await store.recent(1)).toHaveLength(1);
  });

  it('six racers, each on its own connection, spend one ticket: exactly one wins, and it stays spent for all', async () => {
    const racers = await Promise.all(Array.from({ length: 6 }, () => open()));
    const ticket = 'a1'.repeat(16);
    for (const r of racers) expect(await r.ticketSpent(ticket)).toBe(false);
    const won = await Promise.all(racers.map((r, i) => r.consumeTicket(ticket, 'h'.repeat(64), new Date(Date.now() + i).toISOString())));
    expect(won.filter(Boolean)).toHaveLength(1);
    for (const r of racers) expect(await r.ticketSpent(ticket)).toBe(true);
    expect(await racers[0]!.consumeTicket(ticket, 'h'.repeat(64), new Date().toISOString())).toBe(false);
    // another ticket is unaffected
    expect(await racers[3]!.consumeTicket('b2'.repeat(16), 'h'.repeat(64), new Date().toISOString())).toBe(true);
  });

  it('one ticket key per store: created once, the same for every handle, even when they race to create it', async () => {
    const handles = await Promise.all(Array.from({ length: 4 }, () => open()));
    const keys = await Promise.all(handles.map((h) => h.ticketKey()));
    expect(keys[0]!.length).toBe(32);
    for (const k of keys) expect(k.equals(keys[0]!)).toBe(true);
    expect((await (await open()).ticketKey()).equals(keys[0]!)).toBe(true);
  });

  if (backend.name === 'postgres') {
    it('fails closed: a database that cannot be reached, or refuses a statement, rejects with STORE_UNAVAILABLE', async () => {
      const gone = createPool('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
      const lost = new PgCouncilStore(gone);
      expect(await codeOf(lost.consumeTicket('c3'.repeat(16), 'h', 'now'))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(lost.ticketSpent('c3'.repeat(16)))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(lost.ticketKey())).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(lost.begin({ id: 'x', at: 'now', question: 'q', orderHash: null, membersTotal: 1, quorum: 1 }))).toBe('STORE_UNAVAILABLE');
      await gone.end();
      const store = await open();
      await pools[0]!.pool.query('DROP TABLE gate_consumed_tickets');
      expect(await codeOf(store.consumeTicket('c4'.repeat(16), 'h', 'now'))).toBe('STORE_UNAVAILABLE');
      expect(await codeOf(store.ticketSpent('c4'.repeat(16)))).toBe('STORE_UNAVAILABLE');
    });
  }
});
