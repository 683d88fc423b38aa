/**
 * The execution gate (SPEC §6): the only path by which an order reaches the broker.
 *
 *   validate + hash → idempotency claim → risk → council ticket (if the profile wants one)
 *   → Opus confirmation → human confirmation (live only) → INTENT (fsync) → broker → OUTCOME
 *
 * Each stage can stop the order; a stop before INTENT never touches the broker. Any doubt (an
 * unexpected error, a malformed verdict, a timeout) is a refusal. A refusal is thrown as
 * ToolError(code of the refusing stage, message, details = the full PlaceOrderResult), so the
 * caller gets an isError result that still shows every stage's verdict and the audit_id.
 *
 * @example
 *   const gate = await getExecutionGate(deps);
 *   const result = await gate.place(input, { elicit: ctx.elicit, signal: ctx.signal });
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Broker, BrokerOrder, OrderSubmission } from '../broker/types.js';
import type { Deps } from '../deps.js';
import { ToolError, isToolError, type ErrorCode } from '../errors.js';
import type { LlmRouter } from '../llm/types.js';
import { canonicalOrder, normalizeOrder, orderHash, type NormalizedOrder, type ParsedOrder } from '../orders/order.js';
import { RiskVerdictSchema, type RiskVerdict } from '../risk/verdict.js';
import type { OrderSlot } from '../risk/service.js';
import type { ToolContext } from '../tool.js';
import { CONFIRMATION_RESPONSE_FORMAT, buildConfirmationMessages, isOpusModel, readConfirmation } from './confirmation.js';
import type { OutcomeRecord } from './journal.js';
import type { BrokerOrderSummary, ConfirmationVerdict, PlaceOrderResult, StageName, StageVerdict } from './result.js';
import { PlaceOrderInputSchema, STAGES } from './result.js';
import { getExecutionStore, type ExecutionStore, type OrderRow, type OrderState, type RecordedOutcome } from './store.js';

export { PlaceOrderInputSchema, type PlaceOrderInput } from './result.js';

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
  assessOrder(order: ParsedOrder): Promise<RiskVerdict>;
  /** The order as the rate and duplicate rules record it, and those rules (claimed inside the INTENT transaction). */
  orderSlot(order: NormalizedOrder, at: Date): Promise<OrderSlot>;
  /** Check a council ticket without spending it (the INTENT transaction spends it). */
  verifyTicket(ticket: string, orderHash: string): Promise<TicketCheck>;
}

export function defaultServices(deps: Deps): GateServices {
  return {
    broker: async () => (await import('../broker/index.js')).getBroker(deps),
    llm: async () => (await import('../llm/index.js')).getLlm(deps),
    assessOrder: async (order) => (await import('../risk/service.js')).assessOrder(deps, order),
    orderSlot: async (order, at) => (await import('../risk/service.js')).orderSlot(deps, order, at),
    verifyTicket: async (ticket, hash) => (await import('../council/ticket.js')).verifyTicket(deps, ticket, hash),
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

/** Longest wait for the Opus reply (the router has its own per-call timeout and retries inside it). */
const CONFIRMATION_DEADLINE_MS = 180_000;
/** Longest wait for the broker's answer to a submission before looking the order up instead. */
const BROKER_SUBMIT_DEADLINE_MS = 45_000;
/** A risk verdict older than this when the order is about to be sent is computed again. */
const RISK_RECHECK_AFTER_MS = 20_000;
const CRASH_POINTS = new Set(['after_intent', 'after_submit']);

/**
 * Test-only fault hook: TRADING_MCP_TEST_CRASH_AT=after_intent|after_submit makes the process
 * SIGKILL itself at that point. Honoured only when NODE_ENV is 'test'.
 */
function crashPoint(point: 'after_intent' | 'after_submit'): void {
  if (process.env.NODE_ENV === 'test' && CRASH_POINTS.has(process.env.TRADING_MCP_TEST_CRASH_AT ?? '') && process.env.TRADING_MCP_TEST_CRASH_AT === point) {
    process.kill(process.pid, 'SIGKILL');
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
const finiteOrNull = (n: unknown): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);

export function summariseBrokerOrder(o: BrokerOrder): BrokerOrderSummary {
  return {
    id: String(o.id),
    client_order_id: String(o.clientOrderId),
    status: String(o.status),
    symbol: o.symbol ?? null,
    side: o.side ?? null,
    order_class: String(o.orderClass ?? 'simple'),
    type: String(o.type),
    time_in_force: String(o.timeInForce),
    qty: finiteOrNull(o.qty),
    notional: finiteOrNull(o.notional),
    filled_qty: finiteOrNull(o.filledQty),
    filled_avg_price: finiteOrNull(o.filledAvgPrice),
    limit_price: finiteOrNull(o.limitPrice),
    stop_price: finiteOrNull(o.stopPrice),
    submitted_at: o.submittedAt ?? null,
    legs: o.legs ? o.legs.map((l) => ({ symbol: l.symbol, side: l.side, ratio_qty: finiteOrNull(l.ratioQty), position_intent: l.positionIntent ?? null })) : null,
  };
}

/** A client_order_id the gate makes when none is given: bound to the hash prefix, unique by its random tail (38 chars). */
export function generateClientOrderId(hash: string): string {
  return `tmcp-${hash.slice(0, 16)}-${randomBytes(8).toString('hex')}`;
}

/** Human-readable order, for elicitation and messages. */
export function describeOrder(o: NormalizedOrder): string {
  const size = o.qty !== null ? `${o.qty}` : `$${o.notional}`;
  const price = o.type === 'market' ? 'at market' : o.type === 'limit' ? `limit $${o.limit_price}` : o.type === 'stop' ? `stop $${o.stop_price}` : `stop $${o.stop_price} limit $${o.limit_price}`;
  if (o.order_class === 'mleg' && o.legs) {
    const legs = o.legs.map((l) => `${l.side} ${l.ratio_qty}× ${l.symbol} (${l.position_intent})`).join(', ');
    return `${size} multi-leg spread(s) ${price} (${o.time_in_force}): ${legs}`;
  }
  return `${o.side.toUpperCase()} ${size} ${o.symbol} ${price} (${o.time_in_force}${o.extended_hours ? ', extended hours' : ''})`;
}

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The outcome of one attempt in the making; becomes the result, the audit row and the refusal details. */
class Attempt {
  readonly auditId = `aud_${randomUUID()}`;
  readonly started = performance.now();
  readonly startedAt: Date;
  readonly stages: StageVerdict[] = [];
  /** Time spent waiting on the model and the human: not the gate's own latency. */
  externalMs = 0;
  result: PlaceOrderResult;

  constructor(mode: PlaceOrderResult['mode'], now: Date) {
    this.startedAt = now;
    this.result = {
      status: 'refused',
      stopped_at: null,
      code: null,
      message: '',
      order_hash: null,
      client_order_id: null,
      client_order_id_generated: false,
      mode,
      stages: this.stages,
      risk: null,
      council: null,
      confirmation: null,
      human: null,
      broker_order: null,
      duplicate_of: null,
      audit_id: this.auditId,
      latency_ms: 0,
    };
  }

  onStage: ((name: StageName) => void) | null = null;

  async stage<T>(name: StageName, fn: () => Promise<{ value: T; message: string; outcome?: 'passed' | 'skipped' }>): Promise<T> {
    this.onStage?.(name);
    const t = performance.now();
    try {
      const { value, message, outcome } = await fn();
      this.stages.push({ stage: name, outcome: outcome ?? 'passed', code: null, message, latency_ms: round(performance.now() - t) });
      return value;
    } catch (err) {
      const refusal =
        err instanceof Refusal
          ? err
          : isToolError(err)
            ? new Refusal(err.code, err.message)
            : new Refusal('INTERNAL', `${name} stage failed unexpectedly: ${(err as Error)?.message ?? String(err)}`);
      this.stages.push({ stage: name, outcome: 'refused', code: refusal.code, message: refusal.message, latency_ms: round(performance.now() - t) });
      this.result.stopped_at = name;
      this.result.code = refusal.code;
      this.result.message = refusal.message;
      throw refusal;
    }
  }

  finish(): void {
    const reached = new Set(this.stages.map((s) => s.stage));
    for (const s of STAGES) if (!reached.has(s)) this.stages.push({ stage: s, outcome: 'not_reached', code: null, message: 'not reached', latency_ms: 0 });
    this.stages.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
    this.result.latency_ms = round(performance.now() - this.started);
  }

  get gateLatencyMs(): number {
    return round(performance.now() - this.started - this.externalMs);
  }
}

/**
 * Is the order the broker holds under our client_order_id the one we sent, rather than another order
 * placed under the same id elsewhere? Only a difference the broker's answer shows counts: when it
 * leaves a field out, the order is taken as ours (saying "not placed" about a live order is worse).
 */
export function isSameOrder(held: BrokerOrder, sent: OrderSubmission): boolean {
  if (sent.order_class === 'mleg') {
    if (!held.legs?.length) return true;
    const heldLegs = held.legs.map((l) => `${l.symbol}:${l.side}`).sort();
    const sentLegs = (sent.legs ?? []).map((l) => `${l.symbol}:${l.side}`).sort();
    return heldLegs.length === sentLegs.length && heldLegs.every((l, i) => l === sentLegs[i]);
  }
  if (held.symbol !== null && held.symbol !== sent.symbol) return false;
  if (held.side !== null && held.side !== sent.side) return false;
  if (sent.qty !== null && held.qty !== null && Math.abs(held.qty - sent.qty) > 1e-9) return false;
  if (sent.notional !== null && held.notional !== null && Math.abs(held.notional - sent.notional) > 0.005) return false;
  return true;
}

export class ExecutionGate {
  private ready: Promise<void> | null = null;
  /** Audit ids of attempts running in this process (to tell our live claims from a dead predecessor's). */
  private readonly active = new Set<string>();

  constructor(
    private readonly deps: Deps,
    private readonly store: ExecutionStore,
    private readonly services: GateServices,
    private readonly options: GateOptions = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /**
   * First use: validate the journal and reconcile INTENTs without an OUTCOME (left by a process
   * that died between INTENT and OUTCOME) with the broker, by client_order_id.
   */
  private ensureReady(): Promise<void> {
    if (!this.ready) {
      this.ready = this.reconcileAtStartup().catch((err) => {
        this.ready = null;
        throw err;
      });
    }
    return this.ready;
  }

  private async reconcileAtStartup(): Promise<void> {
    this.store.syncJournal();
    const orphans = this.store.journal.pendingIntents().filter((p) => p.pid === process.pid || !pidAlive(p.pid));
    if (!orphans.length) return;
    const broker = await this.services.broker();
    for (const intent of orphans) {
      const found = await broker.getOrderByClientId(intent.client_order_id);
      const at = this.now().toISOString();
      const base = { type: 'OUTCOME' as const, at, pid: process.pid, audit_id: intent.audit_id, client_order_id: intent.client_order_id, order_hash: intent.order_hash, reconciled: true };
      if (found) {
        const summary = summariseBrokerOrder(found);
        const written = this.store.writeOutcome(
          { ...base, result: 'submitted', broker_order_id: found.id, broker_status: found.status, code: null, message: 'reconciled at start-up: the broker has the order' },
          'submitted',
          { status: 'submitted', code: null, message: 'submitted (reconciled at start-up)', broker_order: summary, at },
          ['claimed', 'intent', 'unknown'],
        );
        if (!written) this.deps.log.debug('reconciled order already had an outcome', { clientOrderId: intent.client_order_id });
      } else {
        this.store.writeOutcome(
          { ...base, result: 'not_found', broker_order_id: null, broker_status: null, code: 'BROKER_UNAVAILABLE', message: 'reconciled at start-up: the broker has no order with this client_order_id' },
          'unknown',
          { status: 'unknown', code: 'BROKER_UNAVAILABLE', message: 'the process stopped after recording the intent; the broker had no such order at start-up; this client_order_id stays blocked', broker_order: null, at },
          ['claimed', 'intent'],
        );
      }
      this.deps.log.info('reconciled an order intent left without outcome', { clientOrderId: intent.client_order_id, found: Boolean(found) });
    }
  }

  private ownerGone(row: OrderRow): boolean {
    return row.pid === process.pid ? !this.active.has(row.audit_id) : !pidAlive(row.pid);
  }

  /** Place one order through every stage. Returns a submitted or duplicate result; throws ToolError on refusal. */
  async place(raw: unknown, options: PlaceOptions = {}): Promise<PlaceOrderResult> {
    const attempt = new Attempt(this.deps.mode, this.now());
    if (options.progress) {
      const progress = options.progress;
      attempt.onStage = (name) => void progress(STAGES.indexOf(name), STAGES.length, `place_order: ${name}`).catch(() => undefined);
    }
    this.active.add(attempt.auditId);
    let claimedId: string | null = null;
    let reachedBroker = false;
    try {
      await this.run(attempt, raw, options, (id) => (claimedId = id), () => (reachedBroker = true));
      attempt.finish();
      return attempt.result;
    } catch (err) {
      if (attempt.result.status === 'submitted') {
        // the broker has the order; never report it as refused
        this.deps.log.error('execution gate failed after the order was submitted', { err });
        attempt.finish();
        return attempt.result;
      }
      if (!(err instanceof Refusal)) {
        // only reachable through a bug: still a refusal, never a crash
        this.deps.log.error('execution gate failed unexpectedly', { err });
        attempt.result.code = attempt.result.code ?? 'INTERNAL';
        attempt.result.message = attempt.result.message || `the execution gate failed unexpectedly: ${(err as Error)?.message}`;
      }
      if (attempt.result.status !== 'unknown') attempt.result.status = 'refused';
      if (claimedId && !reachedBroker) {
        this.store.release(claimedId, attempt.auditId, { status: 'refused', code: attempt.result.code, message: attempt.result.message, broker_order: null, at: this.now().toISOString() });
      }
      attempt.finish();
      throw new ToolError((attempt.result.code ?? 'INTERNAL') as ErrorCode, attempt.result.message, attempt.result as unknown as Record<string, unknown>);
    } finally {
      this.active.delete(attempt.auditId);
      this.audit(attempt);
    }
  }

  private audit(attempt: Attempt): void {
    const r = attempt.result;
    try {
      this.store.insertAudit({
        audit_id: r.audit_id,
        at: attempt.startedAt.toISOString(),
        order_hash: r.order_hash,
        client_order_id: r.client_order_id,
        status: r.status,
        stopped_at: r.stopped_at,
        code: r.code,
        message: r.message,
        stages: r.stages,
        risk: r.risk,
        confirmation: r.confirmation,
        broker_order: r.broker_order,
        latency_ms: r.latency_ms,
        gate_latency_ms: attempt.gateLatencyMs,
        cost_usd: r.confirmation?.cost_usd ?? 0,
      });
    } catch (err) {
      this.deps.log.error('could not write the audit record', { err, auditId: r.audit_id });
    }
  }

  private async run(attempt: Attempt, raw: unknown, options: PlaceOptions, onClaim: (id: string) => void, onBroker: () => void): Promise<void> {
    const r = attempt.result;
    const mode = this.deps.mode;

    // 1. validate + hash
    const { parsed, order, hash, canonical, ticket } = await attempt.stage('validate', async () => {
      const checked = PlaceOrderInputSchema.safeParse(raw);
      if (!checked.success) {
        throw new Refusal('INVALID_INPUT', `invalid order: ${checked.error.issues.map((i) => `${i.path.join('.') || '(order)'}: ${i.message}`).join('; ')}`);
      }
      const { council_ticket: councilTicket, ...orderFields } = checked.data;
      const parsedOrder = orderFields as ParsedOrder;
      const normalized = normalizeOrder(parsedOrder);
      const value = { parsed: parsedOrder, order: normalized, hash: orderHash(normalized, mode), canonical: canonicalOrder(normalized, mode), ticket: councilTicket ?? null };
      r.order_hash = value.hash;
      return { value, message: `order_hash ${value.hash}` };
    });

    // 2. idempotency: claim the client_order_id before any side effect
    const claimed = await attempt.stage<{ duplicate: OrderRow | null; clientOrderId: string }>('idempotency', async () => {
      await this.ensureReady();
      const clientOrderId = order.client_order_id ?? generateClientOrderId(hash);
      r.client_order_id = clientOrderId;
      r.client_order_id_generated = order.client_order_id === null;
      let claim = this.store.claim(clientOrderId, hash, attempt.auditId, this.now());
      if (!claim.claimed && claim.row.state === 'claimed' && this.ownerGone(claim.row)) {
        // the attempt that claimed it died before writing an INTENT: the broker never saw the id
        claim = this.store.reclaimStale(clientOrderId, claim.row.audit_id, hash, attempt.auditId, this.now());
      }
      if (!claim.claimed) return { value: { duplicate: claim.row, clientOrderId }, message: `client_order_id ${clientOrderId} was already used (${claim.row.state})` };
      onClaim(clientOrderId);
      return { value: { duplicate: null, clientOrderId }, message: `client_order_id ${clientOrderId}${r.client_order_id_generated ? ' (generated)' : ''} claimed` };
    });
    if (claimed.duplicate) {
      await this.answerDuplicate(attempt, claimed.duplicate, hash);
      return;
    }
    const clientOrderId = claimed.clientOrderId;

    // 3. risk: deterministic, before any paid call
    let riskAt = performance.now();
    await attempt.stage('risk', async () => {
      riskAt = performance.now();
      const raw = await this.services.assessOrder(parsed);
      const verdict = RiskVerdictSchema.safeParse(raw);
      if (!verdict.success) throw new Refusal('RISK_REJECTED', 'the risk check returned a malformed verdict; refusing');
      r.risk = verdict.data;
      if (verdict.data.order_hash !== hash) throw new Refusal('RISK_REJECTED', 'the risk verdict is for a different order hash; refusing');
      const failed = verdict.data.checks.filter((c) => !c.passed);
      if (!verdict.data.passed || failed.length) {
        const halted = failed.some((c) => c.name === 'trading_halted');
        const list = failed.map((c) => `${c.code} (${c.message})`).join('; ');
        throw new Refusal(halted ? 'TRADING_HALTED' : 'RISK_REJECTED', `risk check refused the order: ${list || 'verdict not passed'}`);
      }
      return { value: undefined, message: `all ${verdict.data.checks.length} risk checks passed` };
    });

    // 4. council ticket, where the profile requires one
    const ticketId = await attempt.stage<string | null>('council', async () => {
      if (!this.deps.profile.requireCouncilTicket) return { value: null, message: 'profile does not require a council ticket', outcome: 'skipped' as const };
      if (!ticket) {
        r.council = { ok: false, reason: 'missing', message: 'no council_ticket given' };
        throw new Refusal('COUNCIL_REQUIRED', 'this profile requires a council ticket: run council_vote on this exact order and pass its ticket as council_ticket');
      }
      // an order under an Opus REJECT cool-down is refused at the next stage: do not spend its ticket for nothing
      if (this.activeRejection(order, hash)) {
        return { value: null, message: 'ticket not checked: this order is under an Opus REJECT cool-down', outcome: 'skipped' as const };
      }
      const verdict = await this.services.verifyTicket(ticket, hash);
      const ok = verdict.ok === true && typeof verdict.ticketId === 'string' && verdict.ticketId.length > 0;
      const reason = ok ? null : verdict.ok === true ? 'no_ticket_id' : (verdict.reason ?? 'invalid');
      r.council = { ok, reason, message: verdict.message ?? (ok ? 'ticket verified; spent when the order is committed' : 'ticket refused') };
      if (!ok) throw new Refusal('COUNCIL_REQUIRED', `council ticket refused (${reason}): ${verdict.message ?? ''}`.trim());
      return { value: verdict.ticketId!, message: 'council ticket verified (spent only when the order is committed)' };
    });

    // 5. Opus confirmation bound to the order hash
    await attempt.stage('confirmation', async () => this.confirm(attempt, order, hash, canonical, parsed.rationale ?? null, options));

    // 6. human confirmation (live only)
    await attempt.stage('human', async () => {
      if (mode !== 'live') return { value: undefined, message: `mode ${mode}: no human confirmation needed`, outcome: 'skipped' as const };
      const t = performance.now();
      try {
        let answer: Awaited<ReturnType<ToolContext['elicit']>> = null;
        try {
          answer = options.elicit
            ? await options.elicit(
                `LIVE ORDER — real money. ${describeOrder(order)}. Claude Opus approved it (order_hash ${hash.slice(0, 16)}…). Confirm to send it to the broker.`,
                { confirm: { type: 'boolean', title: 'Send this live order', description: describeOrder(order) } },
              )
            : null;
        } catch (err) {
          r.human = { action: 'error', confirmed: false };
          throw new Refusal('HUMAN_DECLINED', `the human confirmation could not be obtained (${(err as Error).message}); refusing`);
        }
        if (answer === null) {
          r.human = { action: 'unsupported', confirmed: false };
          throw new Refusal('HUMAN_DECLINED', 'live orders need a human confirmation, and this client cannot show one (MCP elicitation); refusing');
        }
        const confirmed = answer.action === 'accept' && answer.content?.confirm === true;
        r.human = { action: answer.action, confirmed };
        if (!confirmed) throw new Refusal('HUMAN_DECLINED', `the human did not confirm the live order (${answer.action})`);
        return { value: undefined, message: 'the human confirmed the live order' };
      } finally {
        attempt.externalMs += performance.now() - t;
      }
    });

    if (options.signal?.aborted) {
      // last point where a cancelled request can still be refused cleanly
      await attempt.stage('broker', async () => {
        throw new Refusal('INTERNAL', 'the request was cancelled before the order was sent');
      });
    }

    // 7. INTENT → broker → OUTCOME
    await this.submit(attempt, parsed, order, hash, clientOrderId, ticketId, performance.now() - riskAt > (this.options.riskRecheckAfterMs ?? RISK_RECHECK_AFTER_MS), onBroker);
  }

  /** An Opus REJECT binds the exact hash and the same order under any client_order_id. */
  private rejectionKeys(order: NormalizedOrder, hash: string): string[] {
    return [hash, orderHash({ ...order, client_order_id: null }, this.deps.mode)];
  }

  private activeRejection(order: NormalizedOrder, hash: string) {
    return this.store.activeRejection(this.rejectionKeys(order, hash), this.now().getTime());
  }

  private async confirm(attempt: Attempt, order: NormalizedOrder, hash: string, canonical: string, rationale: string | null, options: PlaceOptions) {
    const r = attempt.result;
    const cooldown = this.activeRejection(order, hash);
    if (cooldown) {
      r.confirmation = { decision: 'REJECT', reasons: cooldown.reasons, model: cooldown.model, problem: null, latency_ms: null, cost_usd: null, remaining_daily_usd: null };
      throw new Refusal('CONFIRMATION_REJECTED', `Claude Opus rejected this order earlier; the rejection is final until ${cooldown.until}: ${cooldown.reasons.join('; ')}`);
    }
    let llm: LlmRouter;
    let account: unknown;
    try {
      llm = await this.services.llm();
    } catch (err) {
      throw new Refusal('CONFIRMATION_UNAVAILABLE', `the Opus confirmation is unavailable: ${(err as Error).message}`);
    }
    if (!llm.configured) {
      r.confirmation = { decision: null, reasons: [], model: null, problem: 'no gateway key', latency_ms: null, cost_usd: null, remaining_daily_usd: null };
      throw new Refusal(
        'CONFIRMATION_UNAVAILABLE',
        'no LLM gateway key is configured (LLM_GATEWAY_API_KEY or TETRATE_API_KEY), so Claude Opus cannot confirm the order; place_order refuses every order without that confirmation',
      );
    }
    try {
      const broker = await this.services.broker();
      const a = await broker.getAccount();
      account = { equity: a.equity, cash: a.cash, buying_power: a.buyingPower, last_equity: a.lastEquity, status: a.status, pattern_day_trader: a.patternDayTrader, daytrade_count: a.daytradeCount, trading_blocked: a.tradingBlocked, mode: a.mode };
    } catch (err) {
      throw new Refusal(isToolError(err) && err.code === 'BROKER_UNAVAILABLE' ? 'BROKER_UNAVAILABLE' : 'CONFIRMATION_UNAVAILABLE', `could not read the account snapshot for the confirmation: ${(err as Error).message}`);
    }
    const messages = buildConfirmationMessages({ orderHash: hash, canonicalOrder: canonical, mode: this.deps.mode, risk: r.risk, account, rationale });
    const deadline = AbortSignal.timeout(this.options.confirmationTimeoutMs ?? CONFIRMATION_DEADLINE_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
    const t = performance.now();
    let completion;
    try {
      completion = await llm.complete({
        tier: 'critical',
        tool: 'place_order',
        messages,
        responseFormat: CONFIRMATION_RESPONSE_FORMAT,
        signal,
        ...(this.options.confirmationTimeoutMs ? { timeoutMs: this.options.confirmationTimeoutMs } : {}),
      });
    } catch (err) {
      const latency = round(performance.now() - t);
      attempt.externalMs += performance.now() - t;
      const cause = isToolError(err) ? err.code : signal.aborted ? 'TIMEOUT' : 'ERROR';
      const servedBy = isToolError(err) && typeof err.details.modelServed === 'string' ? err.details.modelServed : isToolError(err) && typeof err.details.served === 'string' ? err.details.served : null;
      r.confirmation = { decision: null, reasons: [], model: servedBy, problem: `${cause}: ${(err as Error).message}`, latency_ms: latency, cost_usd: null, remaining_daily_usd: null };
      if (isToolError(err) && err.details.reason === 'model_substituted') {
        throw new Refusal('CONFIRMATION_INVALID', `the gateway answered the confirmation with a model that is not Claude Opus (${(err as Error).message}); refusing`);
      }
      // the critical envelope (daily cap, confirmations per hour) is spent: nothing was sent, and the code says so
      if (isToolError(err) && err.code === 'BUDGET_EXHAUSTED') throw new Refusal('BUDGET_EXHAUSTED', `${err.message}; the order was not sent`);
      throw new Refusal('CONFIRMATION_UNAVAILABLE', `the Opus confirmation failed (${cause}): ${(err as Error).message}; the order was not sent`);
    }
    attempt.externalMs += performance.now() - t;
    const base = {
      model: typeof completion.modelServed === 'string' ? completion.modelServed : null,
      latency_ms: finiteOrNull(completion.latencyMs) ?? round(performance.now() - t),
      cost_usd: finiteOrNull(completion.costUsd),
      remaining_daily_usd: finiteOrNull(completion.remainingDailyUsd),
    };
    if (!isOpusModel(completion.modelServed)) {
      r.confirmation = { decision: null, reasons: [], problem: `the reply was served by ${String(completion.modelServed)}, not a Claude Opus model`, ...base };
      throw new Refusal('CONFIRMATION_INVALID', `the confirmation was answered by ${String(completion.modelServed)}, not Claude Opus; refusing`);
    }
    const parsed = readConfirmation(completion, hash);
    if (!parsed.ok) {
      r.confirmation = { decision: null, reasons: [], problem: parsed.problem, ...base };
      throw new Refusal('CONFIRMATION_INVALID', `the Opus confirmation reply was not acceptable (${parsed.problem}); refusing`);
    }
    r.confirmation = { decision: parsed.decision, reasons: parsed.reasons, problem: null, ...base };
    if (parsed.decision !== 'APPROVE') {
      const cooldownSec = this.deps.profile.confirmation.rejectCooldownSec;
      if (cooldownSec > 0) this.store.recordRejection(this.rejectionKeys(order, hash), this.now().getTime() + cooldownSec * 1000, base.model ?? 'unknown', parsed.reasons);
      throw new Refusal('CONFIRMATION_REJECTED', `Claude Opus rejected the order: ${parsed.reasons.join('; ') || 'no reason given'}`);
    }
    return { value: undefined, message: `approved by ${base.model}: ${parsed.reasons.join('; ')}` };
  }

  private async submit(attempt: Attempt, parsed: ParsedOrder, order: NormalizedOrder, hash: string, clientOrderId: string, ticketId: string | null, recheckRisk: boolean, onBroker: () => void): Promise<void> {
    const r = attempt.result;
    const submission: OrderSubmission = { ...order, client_order_id: clientOrderId };
    await attempt.stage('broker', async () => {
      if (recheckRisk) {
        // the verdict has aged (a slow confirmation, a human taking their time): send only on a current pass
        const again = RiskVerdictSchema.safeParse(await this.services.assessOrder(parsed));
        if (!again.success || again.data.order_hash !== hash) throw new Refusal('RISK_REJECTED', 'the risk re-check before sending returned a malformed verdict; refusing');
        r.risk = again.data;
        const failed = again.data.checks.filter((c) => !c.passed);
        if (!again.data.passed || failed.length) {
          const halted = failed.some((c) => c.name === 'trading_halted');
          throw new Refusal(halted ? 'TRADING_HALTED' : 'RISK_REJECTED', `the risk re-check just before sending refused the order: ${failed.map((c) => `${c.code} (${c.message})`).join('; ')}`);
        }
      }
      // the broker client first: if it cannot be had, nothing is written, no slot is used, the id stays free
      let broker: Broker;
      try {
        broker = await this.services.broker();
      } catch (err) {
        throw new Refusal('BROKER_UNAVAILABLE', `the broker is not available: ${(err as Error).message}; nothing was sent`);
      }
      // The commit point: the halt, an Opus REJECT of this same order in a concurrent attempt, the
      // order-rate/duplicate slot and the council ticket are all read or spent in the one write
      // transaction that makes the INTENT durable; a halt that has returned stops this order.
      const at = this.now();
      const { slot, rules } = await this.services.orderSlot(order, at);
      const intent = { type: 'INTENT' as const, at: at.toISOString(), pid: process.pid, audit_id: attempt.auditId, client_order_id: clientOrderId, order_hash: hash, mode: this.deps.mode, order: submission };
      try {
        this.store.commitIntent(intent, { slot, rules, ticketId, rejectionKeys: this.rejectionKeys(order, hash), nowMs: at.getTime() });
      } catch (err) {
        if (isToolError(err) && err.code === 'COUNCIL_REQUIRED') r.council = { ok: false, reason: 'reused', message: err.message };
        throw err;
      }
      onBroker();
      if (ticketId !== null) r.council = { ok: true, reason: null, message: 'council ticket verified and spent with the INTENT' };
      crashPoint('after_intent');
      const outcomeBase = { type: 'OUTCOME' as const, pid: process.pid, audit_id: attempt.auditId, client_order_id: clientOrderId, order_hash: hash };
      const finishSubmitted = async (placed: BrokerOrder, reconciled: boolean) => {
        const at = this.now().toISOString();
        const summary = summariseBrokerOrder(placed);
        const message = reconciled ? 'submitted (confirmed by looking the order up by client_order_id)' : 'submitted';
        // the broker holds the order: from here on the answer is "submitted", whatever else fails
        r.broker_order = summary;
        r.status = 'submitted';
        r.message = `order ${placed.id} ${message}: ${describeOrder(order)}`;
        try {
          this.store.writeOutcome({ ...outcomeBase, at, result: 'submitted', broker_order_id: placed.id, broker_status: placed.status, code: null, message, reconciled }, 'submitted', {
            status: 'submitted',
            code: null,
            message,
            broker_order: summary,
            at,
          });
        } catch (err) {
          // the INTENT stays open: the next start-up reconciles it with the broker by client_order_id
          this.deps.log.error('could not record the OUTCOME of a submitted order', { err, clientOrderId });
          r.message += ' (its OUTCOME record could not be written; it will be reconciled at the next start-up)';
        }
        return { value: undefined, message: `broker order ${placed.id} (${placed.status})${reconciled ? ', reconciled by client_order_id' : ''}` };
      };

      let placed: BrokerOrder;
      try {
        placed = await this.withDeadline(broker.submitOrder(submission), this.options.brokerTimeoutMs ?? BROKER_SUBMIT_DEADLINE_MS, (late) => void this.lateAnswer(outcomeBase, late));
      } catch (err) {
        const definite = isToolError(err) && err.code === 'BROKER_REJECTED' && err.details.reason !== 'duplicate_client_order_id';
        if (definite) {
          return this.recordUnknownOrRejected(attempt, outcomeBase, 'rejected', 'BROKER_REJECTED', `the broker rejected the order: ${(err as Error).message}`, err.details);
        }
        // no answer, a 5xx, a timeout or "already have this id": the broker may hold the order. Look it up; never re-post.
        const found = await this.lookup(broker, clientOrderId);
        if (found && !isSameOrder(found, submission)) {
          // the id is taken at the broker by another order (placed outside this data dir): ours was not accepted
          return this.recordUnknownOrRejected(attempt, outcomeBase, 'rejected', 'BROKER_REJECTED', `the broker already holds a different order (${found.id}: ${found.side ?? '?'} ${found.qty ?? found.notional ?? '?'} ${found.symbol ?? found.orderClass}) under client_order_id ${clientOrderId}; this order was not placed`);
        }
        if (found) return finishSubmitted(found, true);
        return this.recordUnknownOrRejected(attempt, outcomeBase, 'unknown', 'BROKER_UNAVAILABLE', `the broker did not confirm the order (${(err as Error).message}) and has no order with client_order_id ${clientOrderId} yet; the outcome is unknown and this id stays blocked (place_order with the same client_order_id re-checks it)`);
      }
      crashPoint('after_submit');
      return finishSubmitted(placed, false);
    });
  }

  private async lookup(broker: Broker, clientOrderId: string): Promise<BrokerOrder | null> {
    for (let i = 0; i < 3; i++) {
      try {
        return await this.withDeadline(broker.getOrderByClientId(clientOrderId), 15_000);
      } catch {
        await new Promise((res) => setTimeout(res, 100 * (i + 1)));
      }
    }
    return null;
  }

  private withDeadline<T>(p: Promise<T>, ms: number, onLate?: (value: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        reject(new ToolError('BROKER_UNAVAILABLE', `no answer from the broker within ${ms} ms`));
      }, ms);
      p.then(
        (v) => {
          clearTimeout(timer);
          if (done) onLate?.(v);
          else resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          if (!done) reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /** The broker answered after we gave up waiting: record what it said. */
  private async lateAnswer(base: Omit<OutcomeRecord, 'at' | 'result' | 'broker_order_id' | 'broker_status' | 'code' | 'message' | 'reconciled'>, placed: BrokerOrder): Promise<void> {
    // nobody awaits this: a throw here (database busy or already closed at shutdown) would be an
    // unhandled rejection, which ends the whole server. The id stays blocked (intent/unknown) and a
    // place_order with the same client_order_id looks it up at the broker (never re-posts)
    try {
      const at = this.now().toISOString();
      this.store.writeOutcome(
        { ...base, at, result: 'submitted', broker_order_id: placed.id, broker_status: placed.status, code: null, message: 'the broker answered after the deadline', reconciled: true },
        'submitted',
        { status: 'submitted', code: null, message: 'submitted (the broker answered late)', broker_order: summariseBrokerOrder(placed), at },
        ['intent', 'unknown'],
      );
    } catch (err) {
      this.deps.log.error("could not record the broker's late answer; a retry with the same client_order_id reconciles it", { err, clientOrderId: base.client_order_id, brokerOrderId: placed.id });
    }
  }

  private recordUnknownOrRejected(
    attempt: Attempt,
    base: Omit<OutcomeRecord, 'at' | 'result' | 'broker_order_id' | 'broker_status' | 'code' | 'message' | 'reconciled'>,
    result: 'rejected' | 'unknown',
    code: ErrorCode,
    message: string,
    _details?: Record<string, unknown>,
  ): never {
    const at = this.now().toISOString();
    const state: OrderState = result === 'rejected' ? 'rejected' : 'unknown';
    if (result === 'unknown') attempt.result.status = 'unknown';
    try {
      this.store.writeOutcome({ ...base, at, result, broker_order_id: null, broker_status: null, code, message, reconciled: result === 'unknown' }, state, {
        status: result === 'rejected' ? 'refused' : 'unknown',
        code,
        message,
        broker_order: null,
        at,
      });
    } catch (err) {
      // the id stays blocked in state `intent`; the next start-up reconciles it
      this.deps.log.error('could not record the OUTCOME of an order', { err, clientOrderId: base.client_order_id });
    }
    throw new Refusal(code, message);
  }

  private async answerDuplicate(attempt: Attempt, row: OrderRow, hash: string): Promise<void> {
    const r = attempt.result;
    let current = row;
    // an unknown outcome (or one left by a dead process) is re-checked with the broker, never re-sent
    if (current.state === 'unknown' || ((current.state === 'intent' || current.state === 'claimed') && this.ownerGone(current))) {
      try {
        const broker = await this.services.broker();
        const found = await this.lookup(broker, current.client_order_id);
        if (found) {
          const at = this.now().toISOString();
          const summary = summariseBrokerOrder(found);
          this.store.writeOutcome(
            { type: 'OUTCOME', at, pid: process.pid, audit_id: current.audit_id, client_order_id: current.client_order_id, order_hash: current.order_hash, result: 'submitted', broker_order_id: found.id, broker_status: found.status, code: null, message: 'reconciled on a duplicate attempt', reconciled: true },
            'submitted',
            { status: 'submitted', code: null, message: 'submitted (reconciled by client_order_id)', broker_order: summary, at },
            ['unknown', 'intent', 'claimed'],
          );
          current = this.store.getOrder(current.client_order_id) ?? current;
        }
      } catch (err) {
        this.deps.log.warn('could not re-check an order of unknown outcome', { err, clientOrderId: current.client_order_id });
      }
    }
    const recorded: RecordedOutcome = current.outcome ?? { status: 'pending', code: null, message: 'another attempt with this client_order_id is still in progress', broker_order: null, at: current.updated_at };
    r.status = 'duplicate';
    r.code = 'DUPLICATE_ORDER';
    r.stopped_at = 'idempotency';
    const verdict = attempt.stages.find((s) => s.stage === 'idempotency');
    if (verdict) Object.assign(verdict, { outcome: 'refused', code: 'DUPLICATE_ORDER' });
    r.broker_order = recorded.broker_order as BrokerOrderSummary | null;
    r.duplicate_of = { audit_id: current.audit_id, status: current.state === 'claimed' || current.state === 'intent' ? 'pending' : recorded.status, code: recorded.code, message: recorded.message, at: recorded.at, same_order: current.order_hash === hash };
    r.message = `client_order_id ${current.client_order_id} was already used (${r.duplicate_of.status}); no second order was sent${r.duplicate_of.same_order ? '' : ' (and it was used for a different order)'}`;
  }
}

export const getExecutionGate = (deps: Deps) => deps.service('execution-gate', async (d) => new ExecutionGate(d, await getExecutionStore(d), defaultServices(d)));
