/**
 * The risk state's own tables on PostgreSQL (src/risk/state/postgres.ts): the halt history and the
 * starting equity of each account's trading day. The halt itself is the gate's `gate_halt` row and the submitted
 * orders are the gate's `gate_submitted_orders` (behind `gate_slot_lock`): the INTENT transaction reads
 * and writes those, so the risk state uses the very same rows.
 */
import type { Migration } from '../migrations.js';

export const component = 'risk';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'halt history and day equity',
    sql: `
      CREATE TABLE risk_halt_events (
        seq bigserial PRIMARY KEY,
        action text NOT NULL CHECK (action IN ('halt', 'resume')),
        at text NOT NULL,
        by text NOT NULL,
        reason text
      );
      CREATE TABLE risk_day_equity (
        trading_day text PRIMARY KEY,
        equity double precision NOT NULL CHECK (equity > 0),
        recorded_at text NOT NULL
      );`,
  },
  {
    // a paper and a live fleet on one database shared one day base: key it by account too. Rows from
    // before keep account '' (listed by status, never an account's base: each account records its own)
    version: 2,
    name: 'day equity keyed by account',
    sql: `
      ALTER TABLE risk_day_equity ADD COLUMN account text NOT NULL DEFAULT '';
      ALTER TABLE risk_day_equity DROP CONSTRAINT risk_day_equity_pkey;
      ALTER TABLE risk_day_equity ADD PRIMARY KEY (account, trading_day);
      ALTER TABLE risk_day_equity ALTER COLUMN account DROP DEFAULT;`,
  },
];
