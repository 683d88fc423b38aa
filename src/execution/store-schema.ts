/**
 * The shapes of the execution store (src/execution/store.ts): the states of a client_order_id, its
 * row, the audit entry, the commit guard, and the SQL schema of orders.sqlite.
 */
import type { OrderSubmission } from '../broker/types.js';
import type { ClaimRules, SubmittedOrder } from '../risk/state.js';

export type OrderState = 'claimed' | 'released' | 'intent' | 'submitted' | 'rejected' | 'unknown';

/** What a duplicate attempt gets back. */
export interface RecordedOutcome {
  status: 'submitted' | 'refused' | 'unknown' | 'pending';
  code: string | null;
  message: string;
  broker_order: Record<string, unknown> | null;
  at: string;
}

/** Who holds a symbol's close lock. */
export interface CloseLockHolder {
  audit_id: string;
  pid: number;
  /** As OrderRow.host. */
  host?: string;
  at: string;
}

export interface OrderRow {
  client_order_id: string;
  order_hash: string;
  state: OrderState;
  audit_id: string;
  pid: number;
  /** The owner's host, where the store is shared by hosts (PostgreSQL); absent on SQLite (one host). */
  host?: string;
  outcome: RecordedOutcome | null;
  /** The order as sent (set with the INTENT). */
  submission: OrderSubmission | null;
  created_at: string;
  updated_at: string;
}

export interface AuditEntry {
  audit_id: string;
  at: string;
  order_hash: string | null;
  client_order_id: string | null;
  status: string;
  stopped_at: string | null;
  code: string | null;
  message: string;
  stages: unknown;
  risk: unknown;
  confirmation: unknown;
  broker_order: unknown;
  latency_ms: number;
  gate_latency_ms: number;
  cost_usd: number;
}

/** What must still hold, checked under the lock, for the INTENT to be written. */
export interface CommitGuard {
  /** The order as the rate and duplicate rules record it. */
  slot: SubmittedOrder;
  rules: ClaimRules;
  /** The council ticket to spend, or null when the profile needs none. */
  ticketId: string | null;
  /** The profile requires a council ticket: a missing ticketId is refused here too. */
  ticketRequired: boolean;
  rejectionKeys: string[];
  nowMs: number;
}

export interface Rejection {
  order_hash: string;
  until: string;
  model: string;
  reasons: string[];
}

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  client_order_id TEXT PRIMARY KEY,
  order_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  audit_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  outcome TEXT,
  submission TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
-- one closing order per symbol in flight at a time (risk check through the broker's answer)
CREATE TABLE IF NOT EXISTS close_locks (
  symbol TEXT PRIMARY KEY,
  audit_id TEXT NOT NULL,
  pid INTEGER NOT NULL,
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejections (
  order_hash TEXT PRIMARY KEY,
  until_ms INTEGER NOT NULL,
  model TEXT NOT NULL,
  reasons TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  audit_id TEXT NOT NULL UNIQUE,
  at TEXT NOT NULL,
  order_hash TEXT,
  client_order_id TEXT,
  status TEXT NOT NULL,
  stopped_at TEXT,
  code TEXT,
  message TEXT NOT NULL,
  stages TEXT NOT NULL,
  risk TEXT,
  confirmation TEXT,
  broker_order TEXT,
  latency_ms REAL NOT NULL,
  gate_latency_ms REAL NOT NULL,
  cost_usd REAL NOT NULL
);
`;

export interface RawOrderRow extends Omit<OrderRow, 'outcome' | 'submission'> {
  outcome: string | null;
  submission: string | null;
}

export const toRow = (raw: RawOrderRow | undefined): OrderRow | null =>
  raw
    ? {
        ...raw,
        outcome: raw.outcome ? (JSON.parse(raw.outcome) as RecordedOutcome) : null,
        submission: raw.submission ? (JSON.parse(raw.submission) as OrderSubmission) : null,
      }
    : null;

/** An audit row as stored (either backend) → the entry; `decode` turns a JSON column into its value. */
export function auditEntryFrom(r: Record<string, unknown>, decode: (v: unknown) => unknown): AuditEntry {
  return {
    audit_id: r.audit_id as string,
    at: r.at as string,
    order_hash: (r.order_hash as string | null) ?? null,
    client_order_id: (r.client_order_id as string | null) ?? null,
    status: r.status as string,
    stopped_at: (r.stopped_at as string | null) ?? null,
    code: (r.code as string | null) ?? null,
    message: r.message as string,
    stages: decode(r.stages),
    risk: decode(r.risk),
    confirmation: decode(r.confirmation),
    broker_order: decode(r.broker_order),
    latency_ms: r.latency_ms as number,
    gate_latency_ms: r.gate_latency_ms as number,
    cost_usd: r.cost_usd as number,
  } as AuditEntry;
}
