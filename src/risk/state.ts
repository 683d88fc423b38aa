/**
 * Durable risk state behind one asynchronous interface: the kill switch (reason, time, by whom, with a
 * history), the starting equity of each US trading day, and the orders submitted (for the rate and
 * duplicate checks). Two stores: `<dataDir>/risk.sqlite` (state/sqlite.ts, the embedded default) or the
 * shared PostgreSQL of TRADING_MCP_DATABASE_URL (state/postgres.ts), where the halt is the one row every
 * replica's INTENT transaction reads, and the orders are the gate's shared order slots.
 *
 * @example
 *   const state = await getRiskState(deps);
 *   await state.halt('manual stop', 'cli');
 *   (await state.isHalted()).halted === true   // in this and every other process, after restarts too
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import { notify } from '../telemetry/notify.js';
import type { RecentOrder } from './engine.js';

export interface HaltStatus {
  halted: boolean;
  reason: string | null;
  at: string | null;
  by: string | null;
}

export interface HaltEvent {
  action: 'halt' | 'resume';
  at: string;
  by: string;
  reason: string | null;
}

export interface SubmittedOrder {
  at: string;
  hash: string;
  fingerprint: string;
  canonical: string;
  symbol: string | null;
}

export interface ClaimRules {
  maxPerMinute: number;
  maxPerHour: number;
  duplicateWindowSec: number;
}

export type ClaimResult = { ok: true } | { ok: false; code: 'RISK_RATE_MINUTE' | 'RISK_RATE_HOUR' | 'RISK_DUPLICATE_ORDER'; message: string };

export interface DayEquity {
  /** The broker account the day's base belongs to (accountKey); '' for a row recorded before days were keyed by account. */
  account: string;
  tradingDay: string;
  equity: number;
  recordedAt: string;
}

export interface RiskState {
  readonly backend: 'sqlite' | 'postgres';
  /** The SQLite file, or where on the database the halt lives. */
  readonly path: string;
  isHalted(): Promise<HaltStatus>;
  /** Halt trading. A second halt keeps the first reason and time (the history records both). */
  halt(reason: string, by?: string, at?: Date): Promise<HaltStatus & { alreadyHalted: boolean }>;
  /** Clear the halt (CLI only). Returns whether it was halted. */
  resume(by?: string, at?: Date): Promise<{ wasHalted: boolean; previous: HaltStatus }>;
  /**
   * The first equity recorded for an account's trading day; records `candidate` if it has none yet (atomic).
   * Keyed by account (accountKey): a paper and a live fleet on one store each keep their own day base.
   */
  startOfDayEquity(account: string, tradingDay: string, candidate: number | null, at?: Date): Promise<number | null>;
  dayEquities(limit?: number): Promise<DayEquity[]>;
  recordOrder(order: SubmittedOrder): Promise<void>;
  /**
   * Atomically (one BEGIN IMMEDIATE across every process) re-check the rate and duplicate rules
   * against the recorded orders and, if they hold, record this one. Closes the window between a
   * passing verdict and recordOrder in which concurrent submissions could all pass.
   */
  claimOrder(order: SubmittedOrder, rules: ClaimRules): Promise<ClaimResult>;
  /** Orders submitted at or after `since`, oldest first. */
  recentOrders(since: Date): Promise<RecentOrder[]>;
  lastOrders(limit: number): Promise<SubmittedOrder[]>;
  haltHistory(limit?: number): Promise<HaltEvent[]>;
  close(): void;
}

/** The key a day's starting equity is recorded under: the trading mode and the broker's account id. */
export const accountKey = (a: { mode: string; id: string }): string => `${a.mode}:${a.id}`;

/** Recent orders are kept this long (the rate and duplicate windows are far shorter). */
export const KEEP_ORDERS_MS = 7 * 86_400_000;

export const RISK_DB_FILE = 'risk.sqlite';

/** Open (creating if needed) the SQLite risk state at `path` (better-sqlite3 loads on first use). */
export async function openRiskState(path: string): Promise<RiskState> {
  return (await import('./state/sqlite.js')).openSqliteRiskState(path);
}

/** The process's risk state: PostgreSQL when TRADING_MCP_DATABASE_URL is set, else SQLite under the data dir. */
export const getRiskState = (deps: Deps): Promise<RiskState> =>
  deps.service('risk-state', async (d) => {
    const state = await openFor(d);
    // a new halt, from whichever path (the tool, the CLI, the dashboard), goes to the notification sinks
    const halt = state.halt.bind(state);
    state.halt = async (reason, by, at) => {
      const r = await halt(reason, by, at);
      if (!r.alreadyHalted) notify(d, 'halt', `TRADING HALTED by ${by ?? 'server'}: ${reason}`);
      return r;
    };
    return state;
  });

async function openFor(d: Deps): Promise<RiskState> {
  const { storeBackend } = await import('../store/backend.js');
  if (storeBackend(d) === 'sqlite') {
    const state = await openRiskState(join(d.dataDir, RISK_DB_FILE));
    d.onClose(() => state.close());
    return state;
  }
  const [{ getPostgres }, { PgRiskState }] = await Promise.all([import('../store/postgres/index.js'), import('./state/postgres.js')]);
  const pg = await getPostgres(d);
  const shared = new PgRiskState(pg.pool, pg.where);
  await carryLocalHalt(d, shared);
  return withLocalHalt(d, shared);
}

/**
 * On PostgreSQL the shared row is the halt, but this data dir's risk.sqlite still counts: a halt written
 * there afterwards (the CLI run without TRADING_MCP_DATABASE_URL, a server on this data dir without it)
 * must stop this replica's next order too, not wait for a restart to be carried. Halted if either says so.
 */
async function withLocalHalt(d: Deps, shared: RiskState): Promise<RiskState> {
  const local = await openRiskState(join(d.dataDir, RISK_DB_FILE));
  d.onClose(() => local.close());
  const sharedHalt = shared.isHalted.bind(shared);
  shared.isHalted = async () => {
    const [mine, fleet] = await Promise.all([local.isHalted(), sharedHalt()]);
    return mine.halted ? mine : fleet;
  };
  return shared;
}

/**
 * A halt this data dir's risk.sqlite holds from before the database was configured is carried into the
 * shared halt (the safe direction: it stops the fleet until someone resumes), then cleared locally so it
 * is carried once; from then on the shared row is the one halt, cleared by `resume` like any other.
 */
async function carryLocalHalt(d: Deps, shared: RiskState): Promise<void> {
  const path = join(d.dataDir, RISK_DB_FILE);
  if (!existsSync(path)) return;
  const local = await openRiskState(path);
  try {
    const h = await local.isHalted();
    if (!h.halted) return;
    await shared.halt(h.reason ?? 'halted on this data dir', `${h.by ?? 'server'} (carried from ${path})`, h.at ? new Date(h.at) : new Date());
    await local.resume('carried to the shared database');
    d.log.warn('a halt recorded on this data dir was carried into the shared database: every replica is halted until resume', { reason: h.reason, at: h.at });
  } finally {
    local.close();
  }
}
