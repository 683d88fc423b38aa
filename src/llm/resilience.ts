/**
 * The router's resilience policy (SPEC §9), cockatiel rather than a hand-rolled loop. Per model attempt:
 * retry(handleWhen(transient)) with exponential backoff + decorrelated jitter, or the server's Retry-After
 * when given, wrapped around a per-model circuit breaker (5 consecutive transient failures → open 30 s).
 * A retry that would end past the call's deadline is not taken, so the router fails over instead. Once a
 * break has elapsed the model is tried again: cockatiel half-opens only when asked to execute (one probe).
 * A usage anomaly (SPEC §11) isolates a model for one break, whatever its failure count.
 *
 * @example
 *   const resilience = createResilience({}, log);
 *   if (!resilience.isOpen(model)) await resilience.policyFor(model, deadline).execute(() => send(model), signal);
 */
import {
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IRetryBackoffContext,
  type IPolicy,
} from 'cockatiel';
import type { Logger } from '../log.js';
import { isTransient, retryAfterMs } from './failures.js';
import type { CircuitView } from './route.js';

export interface ResilienceOptions {
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  breaker?: { consecutiveFailures?: number; halfOpenAfterMs?: number };
}

export interface Resilience extends CircuitView {
  /** Retries bounded by `deadline` (epoch ms) around the model's breaker. */
  policyFor(model: string, deadline: number): IPolicy;
  /** Hold the model's circuit open for one break: the gateway's accounting of it is in doubt. */
  isolate(model: string, why: { anomaly: string; tool: string }): void;
}

export function createResilience(opts: ResilienceOptions, log: Logger): Resilience {
  const retryCfg = { maxAttempts: 2, initialDelayMs: 250, maxDelayMs: 4000, ...opts.retry };
  const breakerCfg = { consecutiveFailures: 5, halfOpenAfterMs: 30_000, ...opts.breaker };
  const breakers = new Map<string, CircuitBreakerPolicy>();
  const openedAt = new Map<string, number>();

  const breakerFor = (model: string): CircuitBreakerPolicy => {
    let b = breakers.get(model);
    if (!b) {
      b = circuitBreaker(handleWhen(isTransient), {
        halfOpenAfter: breakerCfg.halfOpenAfterMs,
        breaker: new ConsecutiveBreaker(breakerCfg.consecutiveFailures),
      });
      b.onBreak(() => {
        openedAt.set(model, Date.now());
        log.warn('circuit opened', { model });
      });
      breakers.set(model, b);
    }
    return b;
  };

  return {
    /** Open only while the breaker is open and its break has not elapsed (past it, one probe is due), or isolated. */
    isOpen(model) {
      const s = breakers.get(model)?.state;
      if (s === CircuitState.Isolated) return true;
      return s === CircuitState.Open && Date.now() - (openedAt.get(model) ?? 0) < breakerCfg.halfOpenAfterMs;
    },
    policyFor(model, deadline) {
      return wrap(deadlineRetry(retryCfg, deadline), breakerFor(model));
    },
    isolate(model, why) {
      const hold = breakerFor(model).isolate();
      setTimeout(() => hold.dispose(), breakerCfg.halfOpenAfterMs).unref();
      log.warn('gateway reported more usage than the request allowed; circuit isolated', {
        model,
        tool: why.tool,
        anomaly: why.anomaly,
        forMs: breakerCfg.halfOpenAfterMs,
      });
    },
  };
}

/** Retry transient failures with backoff (or Retry-After), never waiting past the deadline; a retry that cannot finish in time is not taken. */
function deadlineRetry(cfg: { maxAttempts: number; initialDelayMs: number; maxDelayMs: number }, deadline: number) {
  const expo = new ExponentialBackoff({ initialDelay: cfg.initialDelayMs, maxDelay: cfg.maxDelayMs });
  const backoff = new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown> | undefined>((ctx, state) => {
    const next = state ? state.next(ctx) : expo.next();
    const ra = 'error' in ctx.result ? retryAfterMs(ctx.result.error) : undefined;
    return { delay: Math.min(ra ?? next.duration, Math.max(0, deadline - Date.now())), state: next };
  });
  return retry(
    handleWhen((err) => isTransient(err) && Date.now() + (retryAfterMs(err) ?? 0) < deadline - 50),
    { maxAttempts: cfg.maxAttempts, backoff },
  );
}
