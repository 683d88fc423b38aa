/**
 * Trade memory's tables on PostgreSQL (src/memory/store/postgres.ts): fills and fees stored once by
 * (account, id), the broker cursors, the gate's order metadata, the trips handed over, and one counter
 * row per account and kind that numbers the rows each write adds (`seq`): the writer holds that row's
 * lock until it commits, so rows are numbered in commit order and a reader's `seq > cursor` skips none.
 */
import type { Migration } from '../migrations.js';

export const component = 'memory';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'fills, fees, cursors, order metadata, hand-overs and commit-ordered counters',
    sql: `
      CREATE TABLE memory_counters (
        account text NOT NULL, kind text NOT NULL CHECK (kind IN ('fills', 'fees', 'meta')), n bigint NOT NULL,
        PRIMARY KEY (account, kind)
      );
      CREATE TABLE memory_fills (
        account text NOT NULL, id text NOT NULL, seq bigint NOT NULL,
        order_id text NOT NULL, client_order_id text NOT NULL, symbol text NOT NULL, side text NOT NULL,
        qty double precision NOT NULL, price double precision NOT NULL, fee double precision, at text NOT NULL,
        parent_order_id text, asset_class text, multiplier integer, stored_at text NOT NULL,
        PRIMARY KEY (account, id)
      );
      CREATE UNIQUE INDEX memory_fills_seq ON memory_fills (account, seq);
      CREATE INDEX memory_fills_order ON memory_fills (account, client_order_id);
      CREATE TABLE memory_cursors (account text PRIMARY KEY, cursor text, updated_at text NOT NULL);
      CREATE TABLE memory_order_meta (
        account text NOT NULL, client_order_id text NOT NULL, seq bigint NOT NULL,
        broker_order_id text, symbol text, strategy text, tags text NOT NULL DEFAULT '[]', rationale text, audit_id text,
        regime_state text NOT NULL DEFAULT 'pending' CHECK (regime_state IN ('pending', 'set', 'unavailable')),
        regime_trend text, regime_volatility text, created_at text NOT NULL,
        PRIMARY KEY (account, client_order_id)
      );
      CREATE UNIQUE INDEX memory_order_meta_seq ON memory_order_meta (account, seq);
      CREATE INDEX memory_order_meta_pending ON memory_order_meta (account) WHERE regime_state = 'pending';
      CREATE TABLE memory_fees (
        account text NOT NULL, id text NOT NULL, seq bigint NOT NULL, amount double precision NOT NULL,
        order_id text, symbol text, date text, stored_at text NOT NULL,
        PRIMARY KEY (account, id)
      );
      CREATE UNIQUE INDEX memory_fees_seq ON memory_fees (account, seq);
      CREATE TABLE memory_handed_over (account text NOT NULL, trip_id text NOT NULL, at text NOT NULL, PRIMARY KEY (account, trip_id));`,
  },
];
