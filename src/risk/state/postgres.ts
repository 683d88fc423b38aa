/**
 * The risk state on the shared PostgreSQL (SPEC §16): one halt, one day-start equity per account and trading day, and
 * one set of order slots for every replica on any host.
 *
 * Transaction design (READ COMMITTED, explicit row locks):
 * - halt / resume: `SELECT … FROM gate_halt FOR UPDATE`, the history row and the UPDATE in one
 *   transaction. gate_halt is the row the gate's INTENT transaction reads FOR SHARE, so a halt waits for
 *   the INTENTs committing now and every later INTENT sees it: it lands wholly before or after an INTENT,
 *   never inside. Two halts serialise on the lock: the first reason stays, the history records one halt.
 * - startOfDayEquity: INSERT … ON CONFLICT DO NOTHING on the (account, day) primary key, then a fresh
 *   SELECT (a new statement's snapshot sees the winner's committed row): the first equity of the day wins
 *   on every replica of that account, as the daily-loss check needs one base; a paper and a live fleet on
 *   one database each keep their own.
 * - order slots: the rate and duplicate windows are counted under the one `gate_slot_lock` row FOR
 *   UPDATE, then the slot inserted into gate_submitted_orders — the same function the INTENT
 *   transaction runs (claimSlotPg), so the risk engine and the gate count the same orders.
 * Every method fails closed: any database error rejects with STORE_UNAVAILABLE (failClosed); a missing
 * halt row reads as halted.
 */
import { failClosed } from '../../store/postgres/fail-closed.js';
import { type PgClient, type PgPool, query, withTransaction } from '../../store/postgres/pool.js';
import type { RecentOrder } from '../engine.js';
import {
  type ClaimResult,
  type ClaimRules,
  type DayEquity,
  type HaltEvent,
  type HaltStatus,
  KEEP_ORDERS_MS,
  type RiskState,
  type SubmittedOrder,
} from '../state.js';

const STORE = 'the risk state';

interface HaltRow {
  halted: boolean;
  reason: string | null;
  at: string | null;
  by: string | null;
}

const statusOf = (row: HaltRow | undefined): HaltStatus =>
  row
    ? { halted: row.halted, reason: row.reason ?? null, at: row.at ?? null, by: row.by ?? null }
    : { halted: true, reason: 'the shared risk state has no halt record', at: null, by: null };

async function insertSlot(c: PgClient, o: SubmittedOrder): Promise<void> {
  const atMs = Date.parse(o.at);
  await c.query('INSERT INTO gate_submitted_orders (at_ms, at, hash, fingerprint, canonical, symbol) VALUES ($1, $2, $3, $4, $5, $6)', [
    atMs,
    new Date(atMs).toISOString(),
    o.hash,
    o.fingerprint,
    o.canonical,
    o.symbol,
  ]);
  await c.query('DELETE FROM gate_submitted_orders WHERE at_ms < $1', [atMs - KEEP_ORDERS_MS]);
}

/**
 * Re-check the rate and duplicate rules against every replica's submitted orders and, if they hold,
 * take the slot — inside the caller's transaction, under the slot lock (the gate's INTENT transaction
 * calls this too). Same windows as the engine: an order exactly one window old is outside it.
 */
export async function claimSlotPg(c: PgClient, o: SubmittedOrder, rules: ClaimRules): Promise<ClaimResult> {
  await c.query('SELECT id FROM gate_slot_lock WHERE id = 1 FOR UPDATE');
  const atMs = Date.parse(o.at);
  const count = async (sql: string, params: unknown[]) => Number((await c.query(sql, params)).rows[0].n);
  const since = (ms: number) => count('SELECT COUNT(*) AS n FROM gate_submitted_orders WHERE at_ms > $1', [ms]);
  const minute = await since(atMs - 60_000);
  if (minute + 1 > rules.maxPerMinute)
    return { ok: false, code: 'RISK_RATE_MINUTE', message: `${minute} orders already in the last minute (limit ${rules.maxPerMinute})` };
  const hour = await since(atMs - 3_600_000);
  if (hour + 1 > rules.maxPerHour) return { ok: false, code: 'RISK_RATE_HOUR', message: `${hour} orders already in the last hour (limit ${rules.maxPerHour})` };
  if (rules.duplicateWindowSec > 0) {
    const same = await count('SELECT COUNT(*) AS n FROM gate_submitted_orders WHERE fingerprint = $1 AND at_ms > $2', [
      o.fingerprint,
      atMs - rules.duplicateWindowSec * 1000,
    ]);
    if (same > 0) return { ok: false, code: 'RISK_DUPLICATE_ORDER', message: `an identical order was submitted in the last ${rules.duplicateWindowSec} s` };
  }
  await insertSlot(c, o);
  return { ok: true };
}

export class PgRiskState implements RiskState {
  readonly backend = 'postgres' as const;
  readonly path: string;

  constructor(
    private readonly pool: PgPool,
    where = 'postgres',
  ) {
    this.path = `${where} (shared halt: gate_halt)`;
  }

  isHalted(): Promise<HaltStatus> {
    return failClosed(STORE, async () => statusOf((await query<HaltRow>(this.pool, 'SELECT halted, reason, at, by FROM gate_halt WHERE id = 1'))[0]));
  }

  halt(reason: string, by = 'server', at = new Date()): Promise<HaltStatus & { alreadyHalted: boolean }> {
    const when = at.toISOString();
    return failClosed(STORE, () =>
      withTransaction(this.pool, async (c) => {
        const before = await this.lockHalt(c);
        if (before.halted) return { ...before, alreadyHalted: true }; // the history records changes, not repeats
        await c.query("INSERT INTO risk_halt_events (action, at, by, reason) VALUES ('halt', $1, $2, $3)", [when, by, reason]);
        await c.query('UPDATE gate_halt SET halted = true, reason = $1, at = $2, by = $3 WHERE id = 1', [reason, when, by]);
        return { halted: true, reason, at: when, by, alreadyHalted: false };
      }),
    );
  }

  resume(by = 'cli', at = new Date()): Promise<{ wasHalted: boolean; previous: HaltStatus }> {
    return failClosed(STORE, () =>
      withTransaction(this.pool, async (c) => {
        const previous = await this.lockHalt(c);
        if (!previous.halted) return { wasHalted: false, previous };
        await c.query('UPDATE gate_halt SET halted = false, reason = NULL, at = NULL, by = NULL WHERE id = 1');
        await c.query("INSERT INTO risk_halt_events (action, at, by, reason) VALUES ('resume', $1, $2, NULL)", [at.toISOString(), by]);
        return { wasHalted: true, previous };
      }),
    );
  }

  /** The halt row FOR UPDATE (created if a database lost it: a missing row would refuse every INTENT). */
  private async lockHalt(c: PgClient): Promise<HaltStatus> {
    await c.query('INSERT INTO gate_halt (id, halted) VALUES (1, true) ON CONFLICT (id) DO NOTHING');
    const row = (await c.query<HaltRow>('SELECT halted, reason, at, by FROM gate_halt WHERE id = 1 FOR UPDATE')).rows[0];
    return statusOf(row);
  }

  startOfDayEquity(account: string, tradingDay: string, candidate: number | null, at = new Date()): Promise<number | null> {
    return failClosed(STORE, async () => {
      if (candidate !== null && Number.isFinite(candidate) && candidate > 0)
        await query(
          this.pool,
          // the upgrade day: a row from before the account key (account '') was the day's base; never start below it
          `INSERT INTO risk_day_equity (account, trading_day, equity, recorded_at)
           SELECT $1, $2, GREATEST($3::float8, (SELECT equity FROM risk_day_equity WHERE account = '' AND $1 <> '' AND trading_day = $2)), $4
           ON CONFLICT (account, trading_day) DO NOTHING`,
          [account, tradingDay, candidate, at.toISOString()],
        );
      const [row] = await query<{ equity: number }>(this.pool, 'SELECT equity FROM risk_day_equity WHERE account = $1 AND trading_day = $2', [
        account,
        tradingDay,
      ]);
      return row?.equity ?? null;
    });
  }

  dayEquities(limit = 5): Promise<DayEquity[]> {
    return failClosed(STORE, () =>
      query<DayEquity>(
        this.pool,
        'SELECT account, trading_day AS "tradingDay", equity, recorded_at AS "recordedAt" FROM risk_day_equity ORDER BY trading_day DESC, account LIMIT $1',
        [limit],
      ),
    );
  }

  recordOrder(order: SubmittedOrder): Promise<void> {
    return failClosed(STORE, () =>
      withTransaction(this.pool, async (c) => {
        await c.query('SELECT id FROM gate_slot_lock WHERE id = 1 FOR UPDATE');
        await insertSlot(c, order);
      }),
    );
  }

  claimOrder(order: SubmittedOrder, rules: ClaimRules): Promise<ClaimResult> {
    return failClosed(STORE, () => withTransaction(this.pool, (c) => claimSlotPg(c, order, rules)));
  }

  recentOrders(since: Date): Promise<RecentOrder[]> {
    return failClosed(STORE, () =>
      query<RecentOrder>(this.pool, 'SELECT at, hash, fingerprint, canonical FROM gate_submitted_orders WHERE at_ms >= $1 ORDER BY at_ms, seq', [
        since.getTime(),
      ]),
    );
  }

  lastOrders(limit: number): Promise<SubmittedOrder[]> {
    return failClosed(STORE, () =>
      query<SubmittedOrder>(this.pool, 'SELECT at, hash, fingerprint, canonical, symbol FROM gate_submitted_orders ORDER BY at_ms DESC, seq DESC LIMIT $1', [
        limit,
      ]),
    );
  }

  haltHistory(limit = 10): Promise<HaltEvent[]> {
    return failClosed(STORE, () => query<HaltEvent>(this.pool, 'SELECT action, at, by, reason FROM risk_halt_events ORDER BY seq DESC LIMIT $1', [limit]));
  }

  /** The pool belongs to the process's database service, which ends it. */
  close(): void {}
}
