/**
 * What a gate attempt was asked to do. `place` is an order as the agent wrote it; `replace` and
 * `close` are resolved against the broker (the open order, the held position) into the order as it
 * will stand, which then runs the same stages, is hashed and Opus-confirmed like any order.
 */
import type { BrokerOrder, OrderReplacement, Position } from '../../broker/types.js';
import type { RiskAction } from '../../risk/input.js';

export type GateRequestKind = 'place' | 'replace' | 'close';

/** What changes on a replace (the replacement's client_order_id is the gate's, added at submit). */
export type ReplacementChange = Omit<OrderReplacement, 'client_order_id'>;

/** The request once resolved: what the order does, in words the confirmation and the result carry. */
export type ResolvedAction =
  | { kind: 'place' }
  | { kind: 'replace'; target: BrokerOrder; change: ReplacementChange; summary: string }
  | { kind: 'close'; position: Position; summary: string };

/** The risk engine's view of the action (risk/ knows no gate types). */
export function riskActionOf(a: ResolvedAction): RiskAction {
  if (a.kind === 'replace') return { kind: 'replace', replaces: a.target };
  if (a.kind === 'close') return { kind: 'close' };
  return { kind: 'place' };
}

/**
 * Text the broker reported (an order id, a client_order_id, a symbol), quoted as a JSON string: an
 * order placed outside the gate can carry anything, and a newline in it must not start a line of
 * its own in the Opus prompt.
 */
export const brokerText = (v: unknown): string => JSON.stringify(String(v));

/** A line for the Opus prompt and the result: null for a plain new order. */
export const actionSummary = (a: ResolvedAction): string | null => (a.kind === 'place' ? null : a.summary);
