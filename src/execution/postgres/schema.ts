/**
 * The gate's tables on PostgreSQL (the `gate` component's migrations): claims, close locks, the
 * journal (INTENT/OUTCOME rows, committed before the broker call), REJECT cool-downs, the audit,
 * and the records commitIntent checks in its one transaction — the halt row, the submitted-order
 * slots (rate and duplicate windows) behind one lock row, and spent council tickets under a
 * primary key (single-use across hosts).
 */
export interface GateMigration {
  version: number;
  name: string;
  sql: string;
}

export const GATE_COMPONENT = 'gate';

export const GATE_MIGRATIONS: GateMigration[] = [
  {
    version: 1,
    name: 'claims, journal, halt, slots, tickets, rejections, audit',
    sql: `
CREATE TABLE IF NOT EXISTS gate_orders (
  client_order_id text PRIMARY KEY,
  order_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('claimed','released','intent','submitted','rejected','unknown')),
  audit_id text NOT NULL,
  pid integer NOT NULL,
  outcome jsonb,
  submission jsonb,
  created_at text NOT NULL,
  updated_at text NOT NULL
);
CREATE INDEX IF NOT EXISTS gate_orders_state ON gate_orders (state, updated_at);
CREATE TABLE IF NOT EXISTS gate_close_locks (symbol text PRIMARY KEY, audit_id text NOT NULL, pid integer NOT NULL, at text NOT NULL);
CREATE TABLE IF NOT EXISTS gate_journal (
  seq bigserial PRIMARY KEY,
  type text NOT NULL CHECK (type IN ('INTENT','OUTCOME')),
  client_order_id text NOT NULL,
  record jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS gate_journal_id ON gate_journal (client_order_id, type);
CREATE TABLE IF NOT EXISTS gate_rejections (order_hash text PRIMARY KEY, until_ms bigint NOT NULL, model text NOT NULL, reasons jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS gate_audit (
  seq bigserial PRIMARY KEY,
  audit_id text NOT NULL,
  at text NOT NULL,
  order_hash text,
  client_order_id text,
  status text NOT NULL,
  stopped_at text,
  code text,
  message text NOT NULL,
  stages jsonb,
  risk jsonb,
  confirmation jsonb,
  broker_order jsonb,
  latency_ms double precision NOT NULL,
  gate_latency_ms double precision NOT NULL,
  cost_usd double precision NOT NULL
);
CREATE INDEX IF NOT EXISTS gate_audit_id ON gate_audit (client_order_id);
CREATE TABLE IF NOT EXISTS gate_halt (
  id integer PRIMARY KEY CHECK (id = 1),
  halted boolean NOT NULL,
  reason text,
  at text,
  by text
);
INSERT INTO gate_halt (id, halted) VALUES (1, false) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS gate_slot_lock (id integer PRIMARY KEY CHECK (id = 1));
INSERT INTO gate_slot_lock (id) VALUES (1) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS gate_submitted_orders (
  seq bigserial PRIMARY KEY,
  at_ms bigint NOT NULL,
  at text NOT NULL,
  hash text NOT NULL,
  fingerprint text NOT NULL,
  canonical text NOT NULL,
  symbol text
);
CREATE INDEX IF NOT EXISTS gate_submitted_at ON gate_submitted_orders (at_ms);
CREATE INDEX IF NOT EXISTS gate_submitted_fp ON gate_submitted_orders (fingerprint, at_ms);
CREATE TABLE IF NOT EXISTS gate_consumed_tickets (ticket_id text PRIMARY KEY, order_hash text NOT NULL, consumed_at text NOT NULL, pid integer NOT NULL);
`,
  },
  {
    version: 2,
    name: 'owner host beside the owner pid (liveness is judged only on the owner host)',
    sql: `
ALTER TABLE gate_orders ADD COLUMN IF NOT EXISTS host text NOT NULL DEFAULT '';
ALTER TABLE gate_close_locks ADD COLUMN IF NOT EXISTS host text NOT NULL DEFAULT '';
`,
  },
];
