/**
 * What the gate's stages share: the gate's environment (stores, services, clock), the attempt's
 * result, and what earlier stages derived (the order, its hash, the client_order_id, the council
 * ticket id, when the risk verdict was computed), as typed fields that later stages read.
 */
import { performance } from 'node:perf_hooks';
import type { Deps } from '../deps.js';
import type { ErrorCode } from '../errors.js';
import { orderHash, type NormalizedOrder, type ParsedOrder } from '../orders/order.js';
import type { GateRequestKind, ResolvedAction } from './actions/types.js';
import type { Attempt } from './attempt.js';
import type { PlaceOrderResult, StageName } from './result.js';
import type { GateOptions, GateServices, PlaceOptions } from './services.js';
import type { GateStore } from './gate-store.js';
import type { OrderRow, Rejection } from './store.js';

/** The gate's side of every attempt. */
export interface GateEnv {
  readonly deps: Deps;
  readonly store: GateStore;
  readonly services: GateServices;
  readonly options: GateOptions;
  now(): Date;
  /** Is the attempt that holds this row gone (ended in this process, or its process dead)? */
  ownerGone(row: Pick<OrderRow, 'pid' | 'audit_id' | 'host'>): boolean;
  /** First use: the journal validated and INTENTs left by a dead process reconciled. */
  ensureReady(): Promise<void>;
}

/** A stage's verdict: it passed or was skipped, or the attempt stops here with an answer (not a refusal). */
export type StageOutcome =
  | { outcome: 'passed' | 'skipped'; message: string }
  | { outcome: 'stop'; message: string; code: ErrorCode; answer: () => Promise<void> };

/** One stage of the gate: refuses by throwing (a Refusal, or a ToolError whose code it keeps). */
export interface GateStage {
  readonly name: StageName;
  run(ctx: AttemptContext): Promise<StageOutcome>;
}

/** The order as the validate stage derived it. */
export interface ValidatedOrder {
  parsed: ParsedOrder;
  order: NormalizedOrder;
  hash: string;
  canonical: string;
  /** The council ticket as given (not part of the hash). */
  ticket: string | null;
}

export class AttemptContext {
  private validated: ValidatedOrder | null = null;
  private clientId: string | null = null;
  /** This attempt claimed the client_order_id (a refusal before the INTENT releases it). */
  holdsClaim = false;
  /** The INTENT is durable: the broker may see the order, the claim is never released. */
  committed = false;
  /** The council ticket the INTENT transaction spends (null when the profile needs none). */
  ticketId: string | null = null;
  /** When the risk verdict was computed (performance.now()): an aged verdict is re-checked before sending. */
  riskAt = performance.now();
  /** What the order does, as the validate stage resolved it (a new order unless replace/close). */
  action: ResolvedAction = { kind: 'place' };

  constructor(
    readonly env: GateEnv,
    readonly attempt: Attempt,
    readonly raw: unknown,
    readonly options: PlaceOptions,
    /** What the tool asked: place an order, replace an open one, close a position. */
    readonly request: GateRequestKind = 'place',
  ) {}

  get result(): PlaceOrderResult {
    return this.attempt.result;
  }

  get mode(): Deps['mode'] {
    return this.env.deps.mode;
  }

  /** The validated order; a stage that runs before validation is a bug and refuses (INTERNAL). */
  get order(): ValidatedOrder {
    if (!this.validated) throw new Error('the order was read before the validate stage ran');
    return this.validated;
  }

  set order(v: ValidatedOrder) {
    this.validated = v;
  }

  get clientOrderId(): string {
    if (this.clientId === null) throw new Error('the client_order_id was read before the idempotency stage ran');
    return this.clientId;
  }

  set clientOrderId(id: string) {
    this.clientId = id;
  }

  /** An Opus REJECT binds the exact hash and the same order under any client_order_id. */
  rejectionKeys(): string[] {
    const { order, hash } = this.order;
    return [hash, orderHash({ ...order, client_order_id: null }, this.mode)];
  }

  activeRejection(): Promise<Rejection | null> {
    return this.env.store.activeRejection(this.rejectionKeys(), this.env.now().getTime());
  }
}
