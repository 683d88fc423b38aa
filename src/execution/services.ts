/**
 * What the execution gate talks to, and its options. Production wires the real services
 * (defaultServices); tests and benches may wire loopback ones.
 */
import type { Broker } from '../broker/types.js';
import type { Deps } from '../deps.js';
import type { PromptLesson } from '../lessons/prompt.js';
import type { LlmRouter } from '../llm/types.js';
import type { NormalizedOrder, ParsedOrder } from '../orders/order.js';
import type { RiskAction } from '../risk/input.js';
import type { OrderSlot } from '../risk/service.js';
import type { RiskVerdict } from '../risk/verdict.js';
import type { ToolContext } from '../tool.js';

export interface TicketCheck {
  ok: boolean;
  /** The id the gate spends inside the INTENT transaction (a verdict without one is refused). */
  ticketId?: string;
  reason?: string;
  message?: string;
}

/** What the gate talks to. Production wires the real services; tests and benches may wire loopback ones. */
export interface GateServices {
  broker(): Promise<Broker>;
  llm(): Promise<LlmRouter>;
  /** The risk verdict of the order; `action` says when it closes a position or replaces an open order. */
  assessOrder(order: ParsedOrder, action?: RiskAction): Promise<RiskVerdict>;
  /** The order as the rate and duplicate rules record it, and those rules (claimed inside the INTENT transaction). */
  orderSlot(order: NormalizedOrder, at: Date): Promise<OrderSlot>;
  /** Check a council ticket without spending it (the INTENT transaction spends it). */
  verifyTicket(ticket: string, orderHash: string): Promise<TicketCheck>;
  /** The lessons matching the order, for the Opus prompt (SPEC §13); absent: the prompt carries none. */
  lessonsFor?(order: ParsedOrder, at: Date): Promise<PromptLesson[]>;
}

export function defaultServices(deps: Deps): GateServices {
  return {
    broker: async () => (await import('../broker/index.js')).getBroker(deps),
    llm: async () => (await import('../llm/index.js')).getLlm(deps),
    // the lessons' block rules go with every verdict: the risk stage and the re-check before sending alike
    assessOrder: async (order, action) => {
      const rules = await (await import('../lessons/for-order.js')).lessonRulesFor(deps, order);
      return (await import('../risk/service.js')).assessOrder(deps, order, action, rules);
    },
    orderSlot: async (order, at) => (await import('../risk/service.js')).orderSlot(deps, order, at),
    verifyTicket: async (ticket, hash) => (await import('../council/ticket.js')).verifyTicket(deps, ticket, hash),
    lessonsFor: async (order, at) => {
      const { lessonsForOrder } = await import('../lessons/for-order.js');
      const { promptLesson } = await import('../lessons/prompt.js');
      return (await lessonsForOrder(deps, order, at)).map((m) => promptLesson(m.lesson));
    },
  };
}

export interface GateOptions {
  /** Bound on the whole Opus call, retries included (default: the tier's own timeouts, capped at 180 s). */
  confirmationTimeoutMs?: number;
  /** How long to wait for the broker's answer to a submission before looking the order up (default 45 s). */
  brokerTimeoutMs?: number;
  /** A risk verdict older than this when the order is about to be sent is computed again (default 20 s). */
  riskRecheckAfterMs?: number;
  now?: () => Date;
}

export interface PlaceOptions {
  elicit?: ToolContext['elicit'];
  signal?: AbortSignal;
  /** Told as each stage starts (MCP progress notifications keep a long confirmation visible). */
  progress?: ToolContext['progress'];
}
