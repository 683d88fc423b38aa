/**
 * The execution gate (SPEC §6): the only path by which an order reaches the broker.
 *
 *   validate + hash → idempotency claim → risk → council ticket (if the profile wants one)
 *   → Opus confirmation → human confirmation (live only) → INTENT (fsync) → broker → OUTCOME
 *
 * Each stage (stages/<stage>.ts) can stop the order; a stop before INTENT never touches the broker.
 * Any doubt (an unexpected error, a malformed verdict, a timeout) is a refusal. A refusal is thrown
 * as ToolError(code of the refusing stage, message, details = the full PlaceOrderResult), so the
 * caller gets an isError result that still shows every stage's verdict and the audit_id.
 *
 * @example
 *   const gate = await getExecutionGate(deps);
 *   const result = await gate.place(input, { elicit: ctx.elicit, signal: ctx.signal });
 */
import type { Deps } from '../deps.js';
import { ToolError, type ErrorCode } from '../errors.js';
import type { GateRequestKind } from './actions/types.js';
import { Attempt, Refusal } from './attempt.js';
import { AttemptContext, type GateEnv, type GateStage } from './context.js';
import { ownerOnThisHost, pidAlive, reconcileAtStartup } from './reconcile.js';
import type { PlaceOrderResult } from './result.js';
import { STAGES } from './result.js';
import { defaultServices, type GateOptions, type GateServices, type PlaceOptions } from './services.js';
import { DEFAULT_STAGES } from './stages/index.js';
import { getGateStore, type GateStore } from './gate-store.js';
import type { OrderRow } from './store.js';
import { annotate, inSpan } from '../telemetry/tracing.js';
import { notify } from '../telemetry/notify.js';

export { PlaceOrderInputSchema, type PlaceOrderInput } from './result.js';
export { defaultServices, type GateOptions, type GateServices, type PlaceOptions, type TicketCheck } from './services.js';
export { describeOrder, summariseBrokerOrder } from './describe.js';
export { isSameOrder } from './broker-call.js';
export { generateClientOrderId } from './stages/idempotency.js';

const TOOL_OF: Record<GateRequestKind, string> = { place: 'place_order', replace: 'replace_order', close: 'close_position' };

export class ExecutionGate {
  private ready: Promise<void> | null = null;
  /** Audit ids of attempts running in this process (to tell our live claims from a dead predecessor's). */
  private readonly active = new Set<string>();
  private readonly env: GateEnv;
  /** The stages every attempt runs through, in order. */
  private readonly stages: readonly GateStage[] = DEFAULT_STAGES;

  constructor(
    private readonly deps: Deps,
    private readonly store: GateStore,
    services: GateServices,
    options: GateOptions = {},
  ) {
    this.env = {
      deps,
      store,
      services,
      options,
      now: () => options.now?.() ?? new Date(),
      ownerGone: (row) => this.ownerGone(row),
      ensureReady: () => this.ensureReady(),
    };
  }

  /** A fresh attempt's context (place runs the stages over it; stage tests run one stage over it). */
  attemptContext(raw: unknown, options: PlaceOptions = {}, request: GateRequestKind = 'place'): AttemptContext {
    return new AttemptContext(this.env, new Attempt(this.deps.mode, this.env.now()), raw, options, request);
  }

  /** First use: validate the journal and reconcile INTENTs left without an OUTCOME by a process that died. */
  private ensureReady(): Promise<void> {
    if (!this.ready) {
      this.ready = reconcileAtStartup(this.env).catch((err) => {
        this.ready = null;
        throw err;
      });
    }
    return this.ready;
  }

  private ownerGone(row: Pick<OrderRow, 'pid' | 'audit_id' | 'host'>): boolean {
    if (!ownerOnThisHost(row)) return false;
    return row.pid === process.pid ? !this.active.has(row.audit_id) : !pidAlive(row.pid);
  }

  /** Place one order through every stage. Returns a submitted or duplicate result; throws ToolError on refusal. */
  place(raw: unknown, options: PlaceOptions = {}): Promise<PlaceOrderResult> {
    return this.run('place', raw, options);
  }

  /** Replace an open order: the order as it will stand runs every stage (replace_order). */
  replace(raw: unknown, options: PlaceOptions = {}): Promise<PlaceOrderResult> {
    return this.run('replace', raw, options);
  }

  /** Close (part of) a held position: the closing order runs every stage (close_position). */
  close(raw: unknown, options: PlaceOptions = {}): Promise<PlaceOrderResult> {
    return this.run('close', raw, options);
  }

  private async run(request: GateRequestKind, raw: unknown, options: PlaceOptions): Promise<PlaceOrderResult> {
    const ctx = this.attemptContext(raw, options, request);
    const { attempt } = ctx;
    const progress = options.progress;
    const tool = TOOL_OF[request];
    if (progress) attempt.onStage = (name) => void progress(STAGES.indexOf(name), STAGES.length, `${tool}: ${name}`).catch(() => undefined);
    this.active.add(attempt.auditId);
    try {
      await this.runStages(ctx);
      attempt.finish();
      return attempt.result;
    } catch (err) {
      return await this.settleFailure(ctx, err);
    } finally {
      this.active.delete(attempt.auditId);
      try {
        await this.store.unlockCloses(attempt.auditId);
      } catch (err) {
        // a lock left behind is taken over once this process is gone or this attempt has ended
        this.deps.log.error('could not release a close lock', { err, auditId: attempt.auditId });
      }
      try {
        await this.store.insertAudit(attempt.auditEntry());
      } catch (err) {
        this.deps.log.error('could not write the audit record', { err, auditId: attempt.auditId });
      }
      notifyOutcome(this.deps, tool, attempt.result);
    }
  }

  private async runStages(ctx: AttemptContext): Promise<void> {
    for (const stage of this.stages) {
      const verdict = await inSpan(`gate.${stage.name}`, { 'tars.gate.stage': stage.name, 'tars.audit_id': ctx.attempt.auditId }, async (span) => {
        const v = await ctx.attempt.stage(stage.name, () => stage.run(ctx));
        annotate(span, { 'tars.gate.outcome': v.outcome, 'tars.gate.code': v.outcome === 'stop' ? v.code : undefined });
        return v;
      });
      if (verdict.outcome === 'stop') {
        await verdict.answer();
        ctx.attempt.stopAt(stage.name, verdict.code);
        return;
      }
    }
  }

  /** A stage refused, or something failed: a refusal (never a crash), unless the broker already has the order. */
  private async settleFailure(ctx: AttemptContext, err: unknown): Promise<PlaceOrderResult> {
    const { attempt } = ctx;
    const r = attempt.result;
    if (r.status === 'submitted') {
      // the broker has the order; never report it as refused
      this.deps.log.error('execution gate failed after the order was submitted', { err });
      attempt.finish();
      return r;
    }
    if (!(err instanceof Refusal)) {
      // only reachable through a bug: still a refusal, never a crash
      this.deps.log.error('execution gate failed unexpectedly', { err });
      r.code = r.code ?? 'INTERNAL';
      r.message = r.message || `the execution gate failed unexpectedly: ${(err as Error)?.message}`;
    }
    if (r.status !== 'unknown') r.status = 'refused';
    if (ctx.holdsClaim && !ctx.committed) {
      try {
        await this.store.release(ctx.clientOrderId, attempt.auditId, {
          status: 'refused',
          code: r.code,
          message: r.message,
          broker_order: null,
          at: this.env.now().toISOString(),
        });
      } catch (releaseErr) {
        // the claim stays held (the id stays blocked) until its owner is gone: still a refusal
        this.deps.log.error('could not release a claim after a refusal', { err: releaseErr, clientOrderId: ctx.clientOrderId });
      }
    }
    attempt.finish();
    throw new ToolError((r.code ?? 'INTERNAL') as ErrorCode, r.message, r as unknown as Record<string, unknown>);
  }
}

export const getExecutionGate = (deps: Deps) => deps.service('execution-gate', async (d) => new ExecutionGate(d, await getGateStore(d), defaultServices(d)));

/** Refused and submitted orders to the notification sinks (fire and forget; off unless configured). */
function notifyOutcome(deps: Deps, tool: string, r: PlaceOrderResult): void {
  const id = r.client_order_id ? ` ${r.client_order_id}` : '';
  if (r.status === 'refused') notify(deps, 'order_refused', `${tool}${id} refused at ${r.stopped_at ?? '?'}: ${r.code ?? ''} ${r.message}`.slice(0, 600));
  else if (r.status === 'unknown')
    notify(deps, 'order_refused', `${tool}${id}: the broker's answer is UNKNOWN (${r.message.slice(0, 300)}); the order may be live — reconcile`);
  else if (r.status === 'submitted')
    notify(deps, 'order_submitted', `${tool}${id} submitted (order_hash ${r.order_hash?.slice(0, 12) ?? '?'}…, mode ${r.mode})`);
}
