/**
 * The arena's schema on PostgreSQL (src/arena/store/postgres.ts): the shadow accounts, their fills (a
 * round's or a council's fill per model at most once: the unique key), the equity marks, ModelChat and the
 * round journal (the round id is the primary key).
 */
import type { Migration } from '../migrations.js';

export const component = 'arena';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'shadow accounts, fills, marks, ModelChat and rounds',
    sql: `
      CREATE TABLE arena_accounts (
        model text PRIMARY KEY,
        initial_cash double precision NOT NULL CHECK (initial_cash >= 0),
        opened_at text NOT NULL
      );
      CREATE TABLE arena_fills (
        id bigserial PRIMARY KEY,
        model text NOT NULL REFERENCES arena_accounts (model),
        at text NOT NULL,
        source text NOT NULL CHECK (source IN ('round','council')),
        ref text NOT NULL,
        symbol text NOT NULL,
        side text NOT NULL CHECK (side IN ('buy','sell')),
        qty integer NOT NULL CHECK (qty > 0),
        price double precision NOT NULL,
        mid double precision NOT NULL,
        cash_after double precision NOT NULL,
        UNIQUE (model, source, ref, symbol)
      );
      CREATE INDEX arena_fills_model ON arena_fills (model, id);
      CREATE TABLE arena_marks (
        id bigserial PRIMARY KEY,
        model text NOT NULL,
        at text NOT NULL,
        equity double precision NOT NULL
      );
      CREATE INDEX arena_marks_model ON arena_marks (model, id);
      CREATE TABLE arena_chat (
        id bigserial PRIMARY KEY,
        at text NOT NULL,
        kind text NOT NULL,
        ref text NOT NULL,
        model text NOT NULL,
        model_requested text,
        model_served text,
        tier text,
        symbols jsonb NOT NULL,
        prompt_digest text NOT NULL,
        reply text,
        action text,
        symbol text,
        qty_fraction double precision,
        confidence double precision,
        reasoning text,
        status text NOT NULL,
        error_code text,
        error_message text,
        cost_usd double precision NOT NULL,
        latency_ms double precision NOT NULL,
        call_id text,
        fill_id bigint,
        fill_note text
      );
      CREATE INDEX arena_chat_at ON arena_chat (at);
      CREATE INDEX arena_chat_ref ON arena_chat (ref);
      CREATE TABLE arena_rounds (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        at text NOT NULL,
        symbols jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('running','done','failed')),
        result text
      );
      CREATE INDEX arena_rounds_at ON arena_rounds (at);`,
  },
];
