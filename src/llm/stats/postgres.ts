/**
 * The routing statistics on the shared PostgreSQL (SPEC §15–16): every replica's model attempts and the
 * councils' verdicts in one place, so each replica's adaptive policy learns from the whole fleet.
 *
 * - Memory first: the policy decides synchronously on the window (window.ts). This replica's writes land
 *   there at once; other replicas' arrive by `refresh()`, paged by seq (commit order, see
 *   postgres-sql.ts), which the router awaits before a decision when the last look is older than
 *   `refreshMs` (about 1 s stale at most), for at most `refreshTimeoutMs`.
 * - Writes are fire-and-forget for the router (observe.ts logs a failed one): a routing statistic is
 *   advice, not money. Unlike the money stores, a lost database costs samples and never fails a call:
 *   writes reject with STORE_UNAVAILABLE (failClosed) for the caller to log, refresh never rejects and
 *   leaves memory as it is (logged once per outage), and the first load is retried at the next refresh.
 * - A verdict lands on a call recorded by any replica (an upsert that requires the answered attempt's
 *   row); this replica's own records still in flight are awaited first, so its own call is found.
 */
import { randomUUID } from 'node:crypto';
import { failClosed } from '../../store/postgres/fail-closed.js';
import { type PgPool, query, withTransaction } from '../../store/postgres/pool.js';
import type { Observation } from '../policies/evidence.js';
import * as sql from './postgres-sql.js';
import { KEEP_RECENT, type ObservationInput, type RoutingStatsStore, type SummaryRow, type TierModelStats, toTierModelStats, type Verdict } from './store.js';
import { ObservationWindow } from './window.js';

const STORE = 'the routing statistics';
const PAGE = 5000;

interface Row {
  seq: number;
  at_ms: number;
  call_id: string;
  tier: string;
  model: string;
  outcome: 'ok' | 'failed';
  valid: boolean | null;
  latency_ms: number;
  input_tokens: number;
  cached_tokens: number;
  output_tokens: number;
  cost_nano: number;
  agreed: boolean | null;
}

const toObservation = (r: Row): Observation => ({
  at: r.at_ms,
  callId: r.call_id,
  outcome: r.outcome,
  valid: r.valid,
  agreed: r.agreed,
  latencyMs: r.latency_ms,
  inputTokens: r.input_tokens,
  cachedTokens: r.cached_tokens,
  outputTokens: r.output_tokens,
  costNano: r.cost_nano,
});

export interface PgRoutingStatsOptions {
  /** How stale memory may be before refresh reads (default 1000 ms; 0: every refresh reads). */
  refreshMs?: number;
  /** How long refresh waits for the database before routing on memory (default 250 ms; the read goes on behind). */
  refreshTimeoutMs?: number;
  now?: () => number;
  /** Where a lost or returned database is reported (once per change). */
  onError?: (message: string, err?: unknown) => void;
}

export class PgRoutingStats implements RoutingStatsStore {
  readonly backend = 'postgres' as const;
  /** This store's rows (each replica skips its own when reading the others'). */
  readonly replica = randomUUID();
  private window = new ObservationWindow();
  private loaded = false;
  private observationSeq = 0;
  private agreementSeq = 0;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | null = null;
  private down = false;
  private readonly writes = new Set<Promise<unknown>>();
  private readonly refreshMs: number;
  private readonly refreshTimeoutMs: number;
  private readonly now: () => number;
  private readonly onError: (message: string, err?: unknown) => void;

  constructor(
    private readonly pool: PgPool,
    options: PgRoutingStatsOptions = {},
  ) {
    this.refreshMs = options.refreshMs ?? 1000;
    this.refreshTimeoutMs = options.refreshTimeoutMs ?? 250;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
  }

  /** A store with the database's latest observations loaded (or, when it cannot be read now, loaded at a later refresh). */
  static async open(pool: PgPool, options: PgRoutingStatsOptions = {}): Promise<PgRoutingStats> {
    const store = new PgRoutingStats(pool, options);
    await store.read();
    return store;
  }

  refresh(): Promise<void> {
    if (this.now() - this.refreshedAt < this.refreshMs) return Promise.resolve();
    this.reading ??= this.read().finally(() => {
      this.reading = null;
    });
    if (this.down) return Promise.resolve(); // known lost: read again behind, decide on memory now
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.refreshTimeoutMs);
      timer.unref();
    });
    return Promise.race([this.reading, late]).finally(() => clearTimeout(timer));
  }

  /** Load or catch up; never rejects (an unreadable database is retried after refreshMs, reported once). */
  private async read(): Promise<void> {
    try {
      if (this.loaded) await this.pull();
      else await this.load();
      if (this.down) this.onError('routing statistics readable again');
      this.down = false;
    } catch (err) {
      if (!this.down) this.onError('routing statistics not refreshed; routing on what this replica holds', err);
      this.down = true;
    }
    this.refreshedAt = this.now();
  }

  /** The latest KEEP_RECENT per arm and the counter, in one snapshot: paging resumes exactly after them. */
  private async load(): Promise<void> {
    const { n, rows } = await withTransaction(
      this.pool,
      async (c) => ({
        n: ((await c.query<{ n: number }>(sql.COUNTER)).rows[0]?.n ?? 0) as number,
        rows: (await c.query<Row>(sql.LATEST, [KEEP_RECENT])).rows,
      }),
      { isolation: 'repeatable read' },
    );
    // a load that comes late (the database was down at start) replaces what this replica held meanwhile
    const window = new ObservationWindow();
    for (const r of rows) window.add(r.tier, r.model, toObservation(r));
    this.window = window;
    this.observationSeq = this.agreementSeq = n;
    this.loaded = true;
  }

  private async pull(): Promise<void> {
    for (let more = true; more; ) {
      const rows = await query<Row>(this.pool, sql.OBSERVATIONS_SINCE, [this.observationSeq, this.replica, PAGE]);
      for (const r of rows) this.window.add(r.tier, r.model, toObservation(r));
      if (rows.length) this.observationSeq = rows.at(-1)!.seq;
      more = rows.length === PAGE;
    }
    for (let more = true; more; ) {
      const rows = await query<{ seq: number; call_id: string; agreed: boolean }>(this.pool, sql.AGREEMENTS_SINCE, [this.agreementSeq, PAGE]);
      for (const r of rows) this.window.agree(r.call_id, r.agreed);
      if (rows.length) this.agreementSeq = rows.at(-1)!.seq;
      more = rows.length === PAGE;
    }
  }

  /** Follow a write until it ends (close and the verdicts wait for the writes in flight). */
  private track<T>(p: Promise<T>): Promise<T> {
    this.writes.add(p);
    const done = () => this.writes.delete(p);
    p.then(done, done);
    return p;
  }

  record(o: ObservationInput): Promise<void> {
    this.window.addOwn(o);
    const params = [this.replica, o.at, o.callId, o.tier, o.model, o.provider, o.outcome, o.valid, Math.round(o.latencyMs * 100) / 100];
    params.push(o.inputTokens, o.cachedTokens, o.outputTokens, o.costNano);
    return this.track(
      failClosed(STORE, async () => {
        await query(this.pool, sql.INSERT_OBSERVATION, params);
      }),
    );
  }

  async recordAgreement(callId: string, agreed: boolean): Promise<boolean> {
    return (await this.recordAgreements([{ callId, agreed }])) === 1;
  }

  recordAgreements(verdicts: readonly Verdict[]): Promise<number> {
    const before = [...this.writes];
    return this.track(
      failClosed(STORE, async () => {
        await Promise.allSettled(before); // this replica's record of the call lands first
        const ids = verdicts.map((v) => v.callId);
        const rows = await query<{ call_id: string; agreed: boolean }>(this.pool, sql.UPSERT_AGREEMENTS, [
          ids,
          verdicts.map((v) => v.agreed),
          this.replica,
          this.now(),
        ]);
        for (const r of rows) this.window.agree(r.call_id, r.agreed);
        return rows.length;
      }),
    );
  }

  recent(tier: string, model: string): readonly Observation[] {
    return this.window.recent(tier, model);
  }

  summary(): Promise<TierModelStats[]> {
    return failClosed(STORE, async () => {
      const rows = await query<SummaryRow & { p50: number | null; p95: number | null }>(this.pool, sql.SUMMARY, [KEEP_RECENT]);
      return rows.map((r) => toTierModelStats(r, r.p50, r.p95));
    });
  }

  /** The writes and the read in flight end first; the pool belongs to the process's database service, which ends it. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.writes, this.reading]);
  }
}
