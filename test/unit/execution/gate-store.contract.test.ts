/**
 * The gate store's contract (DESIGN.md: one interface per store, the same tests on both backends):
 * every body below runs on SQLite under a temp data dir and on PostgreSQL in a fresh database
 * (skipped without TRADING_MCP_TEST_DATABASE_URL).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderSubmission } from '../../../src/broker/types.js';
import { type GateStore, SqliteGateStore } from '../../../src/execution/gate-store.js';
import type { IntentRecord, OutcomeRecord } from '../../../src/execution/journal.js';
import { PgGateStore, type RunTransaction } from '../../../src/execution/postgres/gate-store.js';
import { GATE_MIGRATIONS } from '../../../src/execution/postgres/schema.js';
import type { CommitGuard, RecordedOutcome } from '../../../src/execution/store-schema.js';
import { openRiskState, RISK_DB_FILE } from '../../../src/risk/state.js';

const PG_URL = process.env.TRADING_MCP_TEST_DATABASE_URL;

interface Place {
  store: GateStore;
  halt(halted: boolean): Promise<void>;
  cleanup(): Promise<void>;
}

/** BEGIN … COMMIT on one pooled connection, ROLLBACK on a throw. */
const transactionOn =
  (pool: pg.Pool): RunTransaction =>
  async (fn) => {
    const c = await pool.connect();
    try {
      await c.query('BEGIN');
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  };

async function sqlitePlace(): Promise<Place> {
  const dir = mkdtempSync(join(tmpdir(), 'gate-contract-'));
  const store = await SqliteGateStore.open(dir);
  const risk = await openRiskState(join(dir, RISK_DB_FILE));
  return {
    store,
    halt: async (halted) => void (halted ? await risk.halt('contract test', 'test') : await risk.resume('test')),
    cleanup: async () => {
      await store.close();
      risk.close();
    },
  };
}

async function postgresPlace(): Promise<Place> {
  const name = `gate_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(PG_URL as string);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 8 });
  pool.on('error', () => undefined); // dropping the database terminates idle clients: expected, not a crash
  for (const m of GATE_MIGRATIONS) await pool.query(m.sql);
  const store = new PgGateStore(pool, transactionOn(pool));
  return {
    store,
    halt: (halted) => store.setHalt(halted, halted ? 'contract test' : null, 'test', new Date().toISOString()),
    cleanup: async () => {
      await pool.end();
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

const BACKENDS = [
  { name: 'sqlite', available: true, open: sqlitePlace },
  { name: 'postgres', available: Boolean(PG_URL), open: postgresPlace },
];

const HASH = 'a'.repeat(64);
const intent = (id: string, auditId: string): IntentRecord => ({
  type: 'INTENT',
  at: new Date().toISOString(),
  pid: process.pid,
  audit_id: auditId,
  client_order_id: id,
  order_hash: HASH,
  mode: 'paper',
  order: { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day', client_order_id: id } as unknown as OrderSubmission,
});
const guard = (over: Partial<CommitGuard> = {}, fingerprint = 'fp'): CommitGuard => ({
  slot: { at: new Date().toISOString(), hash: HASH, fingerprint, canonical: '{}', symbol: 'AAPL' },
  rules: { maxPerMinute: 1_000, maxPerHour: 1_000, duplicateWindowSec: 0 },
  ticketId: null,
  ticketRequired: false,
  rejectionKeys: [HASH],
  nowMs: Date.now(),
  ...over,
});
const outcome = (id: string, auditId: string): OutcomeRecord => ({
  type: 'OUTCOME',
  at: new Date().toISOString(),
  pid: process.pid,
  audit_id: auditId,
  client_order_id: id,
  order_hash: HASH,
  result: 'submitted',
  broker_order_id: 'b-1',
  broker_status: 'accepted',
  code: null,
  message: 'reconciled',
  reconciled: true,
});
const recorded: RecordedOutcome = { status: 'submitted', code: null, message: 'ok', broker_order: null, at: new Date().toISOString() };
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'THREW',
  );

describe.each(BACKENDS)('the gate store on $name', ({ available, open }) => {
  let place: Place | undefined;
  afterEach(async () => {
    await place?.cleanup();
    place = undefined;
  });
  const ready = async () => {
    place = await open();
    return place;
  };

  it.skipIf(!available)('a client_order_id is claimed once; a released one may be claimed again', async () => {
    const { store } = await ready();
    expect(await store.claim('c-1', HASH, 'a-1', new Date())).toEqual({ claimed: true });
    const second = await store.claim('c-1', HASH, 'a-2', new Date());
    expect(second.claimed).toBe(false);
    if (!second.claimed) expect([second.row.state, second.row.audit_id]).toEqual(['claimed', 'a-1']);
    await store.release('c-1', 'a-1', { ...recorded, status: 'refused' });
    expect(await store.claim('c-1', HASH, 'a-3', new Date())).toEqual({ claimed: true });
    expect((await store.getOrder('c-1'))?.audit_id).toBe('a-3');
  });

  it.skipIf(!available)('commitIntent makes the INTENT durable and the row `intent`; its OUTCOME closes it', async () => {
    const { store } = await ready();
    await store.claim('c-2', HASH, 'a-1', new Date());
    const entry = await store.commitIntent(intent('c-2', 'a-1'), guard());
    expect(entry.seq).toBeGreaterThan(0);
    expect((await store.getOrder('c-2'))?.state).toBe('intent');
    expect((await store.journalStatus()).pending.map((p) => p.client_order_id)).toEqual(['c-2']);
    expect(await store.writeOutcome(outcome('c-2', 'a-1'), 'submitted', recorded, ['intent', 'unknown'])).toBe(true);
    const status = await store.journalStatus();
    expect([status.pending.length, status.sequence]).toEqual([0, entry.seq + 1]);
  });

  it.skipIf(!available)('a halt refuses the INTENT and leaves nothing spent: after resume the one slot is still free', async () => {
    const p = await ready();
    await p.store.claim('c-3', HASH, 'a-1', new Date());
    await p.halt(true);
    const oneSlot = guard({ rules: { maxPerMinute: 1, maxPerHour: 10, duplicateWindowSec: 0 }, ticketId: 't-halt' });
    expect(await codeOf(p.store.commitIntent(intent('c-3', 'a-1'), oneSlot))).toBe('TRADING_HALTED');
    expect((await p.store.getOrder('c-3'))?.state).toBe('claimed');
    await p.halt(false);
    expect(await codeOf(p.store.commitIntent(intent('c-3', 'a-1'), oneSlot))).toBe('ok');
  });

  it.skipIf(!available)('the order-rate slot and a claim taken over are re-checked in the transaction', async () => {
    const { store } = await ready();
    const rules = { maxPerMinute: 1, maxPerHour: 10, duplicateWindowSec: 0 };
    await store.claim('r-1', HASH, 'a-1', new Date());
    await store.claim('r-2', HASH, 'a-2', new Date());
    expect(await codeOf(store.commitIntent(intent('r-1', 'a-1'), guard({ rules })))).toBe('ok');
    expect(await codeOf(store.commitIntent(intent('r-2', 'a-2'), guard({ rules }, 'other')))).toBe('RISK_REJECTED');
    expect(await codeOf(store.commitIntent(intent('r-2', 'a-stolen'), guard()))).toBe('DUPLICATE_ORDER');
    await store.recordRejection([HASH], Date.now() + 60_000, 'claude-opus-4-6', ['no']);
    expect((await store.activeRejection([HASH], Date.now()))?.reasons).toEqual(['no']);
    expect(await codeOf(store.commitIntent(intent('r-2', 'a-2'), guard()))).toBe('CONFIRMATION_REJECTED');
  });

  it.skipIf(!available)('six racers for one council ticket: exactly one INTENT is written', async () => {
    const { store } = await ready();
    const ids = Array.from({ length: 6 }, (_, i) => `t-${i}`);
    for (const id of ids) await store.claim(id, HASH, `a-${id}`, new Date());
    const codes = await Promise.all(ids.map((id) => codeOf(store.commitIntent(intent(id, `a-${id}`), guard({ ticketId: 'ticket-1' }, id)))));
    expect(codes.filter((c) => c === 'ok')).toHaveLength(1);
    expect(codes.filter((c) => c === 'COUNCIL_REQUIRED')).toHaveLength(5);
    expect((await store.journalStatus()).pending).toHaveLength(1);
  });

  it.skipIf(!available)('two reconcilers of one INTENT write one OUTCOME', async () => {
    const { store } = await ready();
    await store.claim('k-1', HASH, 'a-1', new Date());
    await store.commitIntent(intent('k-1', 'a-1'), guard());
    const written = await Promise.all([1, 2].map(() => store.writeOutcome(outcome('k-1', 'a-1'), 'submitted', recorded, ['intent', 'unknown'])));
    expect(written.filter(Boolean)).toHaveLength(1);
    const status = await store.journalStatus();
    expect([status.pending.length, status.sequence]).toEqual([0, 2]);
  });

  it.skipIf(!available)('a close lock is held by one live attempt; the audit reads back', async () => {
    const { store } = await ready();
    expect(await store.lockClose('AAPL', 'a-1', new Date(), () => false)).toBeNull();
    expect((await store.lockClose('AAPL', 'a-2', new Date(), () => false))?.audit_id).toBe('a-1');
    expect(await store.lockClose('AAPL', 'a-2', new Date(), () => true)).toBeNull();
    await store.unlockCloses('a-2');
    expect(await store.lockClose('AAPL', 'a-3', new Date(), () => false)).toBeNull();
    const entry = {
      audit_id: 'au-1',
      at: new Date().toISOString(),
      order_hash: HASH,
      client_order_id: 'x-1',
      status: 'refused',
      stopped_at: 'risk',
      code: 'RISK_REJECTED',
      message: 'no',
      stages: [{ name: 'risk' }],
      risk: null,
      confirmation: null,
      broker_order: null,
      latency_ms: 1.5,
      gate_latency_ms: 1,
      cost_usd: 0,
    };
    await store.insertAudit(entry as never);
    expect((await store.auditFor('x-1'))[0]).toMatchObject({ audit_id: 'au-1', code: 'RISK_REJECTED', stages: [{ name: 'risk' }] });
    expect(await store.auditCounts()).toEqual({ refused: 1 });
    expect(await store.ordersInState('unknown')).toEqual([]);
  });
});

describe('the PostgreSQL gate store fails closed', () => {
  it('an unreachable database rejects the claim and the commit: no INTENT, so no order can be sent', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 2_000 });
    const store = new PgGateStore(pool, transactionOn(pool));
    try {
      expect(await codeOf(store.claim('d-1', HASH, 'a-1', new Date()))).not.toBe('ok');
      expect(await codeOf(store.commitIntent(intent('d-1', 'a-1'), guard()))).not.toBe('ok');
      expect(await codeOf(store.journalStatus())).not.toBe('ok');
    } finally {
      await pool.end();
    }
  });
});
