/**
 * The council's schema on PostgreSQL (src/council/store/postgres.ts): the decision log and the one shared
 * ticket key. Spent tickets live in the gate's `gate_consumed_tickets` (its primary key is the single-use
 * constraint the INTENT transaction and verifyAndConsumeTicket both insert under).
 */
import type { Migration } from '../migrations.js';

export const component = 'council';

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'decision log and the shared ticket key',
    sql: `
      CREATE TABLE councils (
        seq bigserial UNIQUE,
        id text PRIMARY KEY,
        at text NOT NULL,
        question text NOT NULL,
        order_hash text,
        members_total integer NOT NULL,
        quorum integer NOT NULL,
        status text NOT NULL CHECK (status IN ('running','done','failed')),
        decision text,
        consensus double precision,
        valid_votes integer,
        wall_ms double precision,
        cost_usd double precision,
        ticket_id text UNIQUE,
        ticket_expires_at text,
        failure text,
        result_json text
      );
      CREATE INDEX councils_at ON councils (at);
      CREATE TABLE council_votes (
        council_id text NOT NULL REFERENCES councils (id),
        member integer NOT NULL,
        tier text NOT NULL,
        model_requested text,
        model_served text,
        status text NOT NULL,
        vote text,
        confidence double precision,
        reasoning text,
        error_code text,
        error_message text,
        latency_ms double precision NOT NULL,
        cost_usd double precision NOT NULL,
        raw_content text,
        at text NOT NULL,
        PRIMARY KEY (council_id, member)
      );
      CREATE TABLE council_ticket_key (
        id integer PRIMARY KEY CHECK (id = 1),
        key_hex text NOT NULL CHECK (key_hex ~ '^[0-9a-f]{64}$'),
        created_at text NOT NULL
      );`,
  },
];
