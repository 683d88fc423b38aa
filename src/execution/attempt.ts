/**
 * One attempt in the making: the PlaceOrderResult every stage's verdict lands in, which becomes the
 * tool's answer, the refusal's details and the one audit row of the attempt.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isToolError, type ErrorCode } from '../errors.js';
import type { StageOutcome } from './context.js';
import type { PlaceOrderResult, StageName, StageVerdict } from './result.js';
import { STAGES } from './result.js';
import type { AuditEntry } from './store.js';

/** A stage's refusal: the order stops here with this code. */
export class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const roundMs = (ms: number) => Math.round(ms * 100) / 100;

export class Attempt {
  readonly auditId = `aud_${randomUUID()}`;
  readonly started = performance.now();
  readonly startedAt: Date;
  readonly stages: StageVerdict[] = [];
  /** Time spent waiting on the model and the human: not the gate's own latency. */
  externalMs = 0;
  readonly result: PlaceOrderResult;
  /** Told as each stage starts (progress notifications). */
  onStage: ((name: StageName) => void) | null = null;

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
      action: null,
      lessons: null,
      audit_id: this.auditId,
      latency_ms: 0,
    };
  }

  /** Run one stage and record its verdict; any error becomes a Refusal that also stops the result here. */
  async stage(name: StageName, run: () => Promise<StageOutcome>): Promise<StageOutcome> {
    this.onStage?.(name);
    const t = performance.now();
    try {
      const verdict = await run();
      // a stop (a duplicate answered) is recorded as passed until its answer is in (see stopAt)
      this.stages.push({
        stage: name,
        outcome: verdict.outcome === 'skipped' ? 'skipped' : 'passed',
        code: null,
        message: verdict.message,
        latency_ms: roundMs(performance.now() - t),
      });
      return verdict;
    } catch (err) {
      const refusal =
        err instanceof Refusal
          ? err
          : isToolError(err)
            ? new Refusal(err.code, err.message)
            : new Refusal('INTERNAL', `${name} stage failed unexpectedly: ${(err as Error)?.message ?? String(err)}`);
      this.stages.push({ stage: name, outcome: 'refused', code: refusal.code, message: refusal.message, latency_ms: roundMs(performance.now() - t) });
      this.result.stopped_at = name;
      this.result.code = refusal.code;
      this.result.message = refusal.message;
      throw refusal;
    }
  }

  /** The attempt stopped at this stage without a refusal (a duplicate answered with its recorded outcome). */
  stopAt(name: StageName, code: ErrorCode): void {
    this.result.code = code;
    this.result.stopped_at = name;
    const verdict = this.stages.find((s) => s.stage === name);
    if (verdict) Object.assign(verdict, { outcome: 'refused', code });
  }

  finish(): void {
    const reached = new Set(this.stages.map((s) => s.stage));
    for (const s of STAGES) if (!reached.has(s)) this.stages.push({ stage: s, outcome: 'not_reached', code: null, message: 'not reached', latency_ms: 0 });
    this.stages.sort((a, b) => STAGES.indexOf(a.stage) - STAGES.indexOf(b.stage));
    this.result.latency_ms = roundMs(performance.now() - this.started);
  }

  get gateLatencyMs(): number {
    return roundMs(performance.now() - this.started - this.externalMs);
  }

  /** The attempt's audit row. */
  auditEntry(): AuditEntry {
    const r = this.result;
    return {
      audit_id: r.audit_id,
      at: this.startedAt.toISOString(),
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
      gate_latency_ms: this.gateLatencyMs,
      cost_usd: r.confirmation?.cost_usd ?? 0,
    };
  }
}
