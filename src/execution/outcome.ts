/**
 * Every way an order's OUTCOME is recorded, in one table: the journal record and the orders row's
 * recorded outcome (what a duplicate attempt is answered with) are built together from one kind.
 */
import type { BrokerOrder } from '../broker/types.js';
import type { ErrorCode } from '../errors.js';
import { summariseBrokerOrder } from './describe.js';
import type { OutcomeRecord } from './journal.js';
import type { GateStore } from './gate-store.js';
import type { OrderState, RecordedOutcome } from './store.js';

/** The attempt an outcome belongs to. */
export type OutcomeKey = Pick<OutcomeRecord, 'audit_id' | 'client_order_id' | 'order_hash'>;

/** Outcomes where the broker holds the order. */
export type PlacedKind = 'submitted' | 'submitted_by_lookup' | 'late_answer' | 'reconciled_at_startup' | 'reconciled_on_duplicate';

export type Outcome =
  | { kind: PlacedKind; placed: BrokerOrder }
  | { kind: 'rejected'; code: ErrorCode; message: string }
  | { kind: 'unknown'; code: ErrorCode; message: string }
  | { kind: 'not_found_at_startup' };

interface PlacedWording {
  journal: string;
  recorded: string;
  reconciled: boolean;
  /** Written only over a row in one of these states (reconciliation must not overwrite an owner). */
  onlyFrom?: OrderState[];
}

const BY_LOOKUP = 'submitted (confirmed by looking the order up by client_order_id)';

const PLACED: Record<PlacedKind, PlacedWording> = {
  submitted: { journal: 'submitted', recorded: 'submitted', reconciled: false },
  submitted_by_lookup: { journal: BY_LOOKUP, recorded: BY_LOOKUP, reconciled: true },
  late_answer: {
    journal: 'the broker answered after the deadline',
    recorded: 'submitted (the broker answered late)',
    reconciled: true,
    onlyFrom: ['intent', 'unknown'],
  },
  reconciled_at_startup: {
    journal: 'reconciled at start-up: the broker has the order',
    recorded: 'submitted (reconciled at start-up)',
    reconciled: true,
    onlyFrom: ['claimed', 'intent', 'unknown'],
  },
  reconciled_on_duplicate: {
    journal: 'reconciled on a duplicate attempt',
    recorded: 'submitted (reconciled by client_order_id)',
    reconciled: true,
    onlyFrom: ['unknown', 'intent', 'claimed'],
  },
};

export interface BuiltOutcome {
  record: OutcomeRecord;
  state: OrderState;
  recorded: RecordedOutcome;
  onlyFrom?: OrderState[];
}

export function buildOutcome(key: OutcomeKey, outcome: Outcome, at: string): BuiltOutcome {
  const base = { type: 'OUTCOME' as const, pid: process.pid, audit_id: key.audit_id, client_order_id: key.client_order_id, order_hash: key.order_hash, at };
  if (outcome.kind === 'rejected' || outcome.kind === 'unknown') {
    const { kind, code, message } = outcome;
    return {
      record: { ...base, result: kind, broker_order_id: null, broker_status: null, code, message, reconciled: kind === 'unknown' },
      state: kind,
      recorded: { status: kind === 'rejected' ? 'refused' : 'unknown', code, message, broker_order: null, at },
    };
  }
  if (outcome.kind === 'not_found_at_startup') {
    return {
      record: {
        ...base,
        result: 'not_found',
        broker_order_id: null,
        broker_status: null,
        code: 'BROKER_UNAVAILABLE',
        message: 'reconciled at start-up: the broker has no order with this client_order_id',
        reconciled: true,
      },
      state: 'unknown',
      recorded: {
        status: 'unknown',
        code: 'BROKER_UNAVAILABLE',
        message: 'the process stopped after recording the intent; the broker had no such order at start-up; this client_order_id stays blocked',
        broker_order: null,
        at,
      },
      onlyFrom: ['claimed', 'intent'],
    };
  }
  const w = PLACED[outcome.kind];
  const { placed } = outcome;
  return {
    record: {
      ...base,
      result: 'submitted',
      broker_order_id: placed.id,
      broker_status: placed.status,
      code: null,
      message: w.journal,
      reconciled: w.reconciled,
    },
    state: 'submitted',
    recorded: { status: 'submitted', code: null, message: w.recorded, broker_order: summariseBrokerOrder(placed), at },
    ...(w.onlyFrom ? { onlyFrom: w.onlyFrom } : {}),
  };
}

/** The OUTCOME in the journal and the row's final state, under one lock. False when the row was not in an expected state. */
export async function recordOutcome(store: GateStore, key: OutcomeKey, outcome: Outcome, at: string): Promise<boolean> {
  const b = buildOutcome(key, outcome, at);
  return store.writeOutcome(b.record, b.state, b.recorded, b.onlyFrom);
}
