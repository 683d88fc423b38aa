/**
 * What a model's recent calls say about it (SPEC §15), as the adaptive policy reads them: each observation
 * gives up to two Bernoulli signals of quality —
 *   valid    the reply parsed and matched the JSON schema the call asked for (a failed attempt: not valid),
 *            and, when the policy sets maxLatencyMs, it came within it; without a schema, only the latency
 *            (when constrained) is a signal;
 *   agreed   the reply's vote agreed with the council's majority (council members only);
 * and the external source (the arena's per-model score in [0, 1] over n decisions) adds at most
 * `externalWeight` pseudo-observations. Pure: no clock, no I/O.
 *
 * @example
 *   const e = armEvidence(observations, { window: 200, externalWeight: 20 }, { score: 0.8, n: 50 });
 *   // e.successes + e.external.successes over e.signals + e.external.n → the posterior Beta(1 + s, 1 + f)
 */

/** One attempt of one model in one tier, as the statistics store keeps it. */
export interface Observation {
  /** Epoch ms. */
  at: number;
  callId: string;
  /** failed: no usable reply (HTTP error after retries, timeout, malformed body). */
  outcome: 'ok' | 'failed';
  /** Valid against the requested schema; null when the call asked for none, or the failure says nothing of the model. */
  valid: boolean | null;
  /** Agreed with the council's majority; null when not a council vote (or not yet known). */
  agreed: boolean | null;
  latencyMs: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  costNano: number;
}

/** A per-model quality from outside the router (the arena): a score in [0, 1] over n decisions. */
export type ExternalQuality = (model: string) => { score: number; n: number } | null;

export interface EvidenceSpec {
  window: number;
  maxLatencyMs?: number | undefined;
  externalWeight: number;
}

export interface ArmEvidence {
  /** Own signals in the window. */
  successes: number;
  failures: number;
  signals: number;
  /** Pseudo-observations from the external source (already capped by externalWeight). */
  external: { successes: number; failures: number; n: number };
  /** Mean tokens of the answered calls in the window (for the expected cost at today's price); null: none answered. */
  meanTokens: { input: number; cached: number; output: number } | null;
}

/** The external score, if it is a usable one (a score in [0, 1], n >= 0), capped at `weight` pseudo-observations. */
export function externalEvidence(q: { score: number; n: number } | null | undefined, weight: number): ArmEvidence['external'] {
  if (!q || !Number.isFinite(q.score) || !Number.isFinite(q.n) || q.score < 0 || q.score > 1 || q.n <= 0 || weight <= 0) {
    return { successes: 0, failures: 0, n: 0 };
  }
  const n = Math.min(q.n, weight);
  return { successes: q.score * n, failures: (1 - q.score) * n, n };
}

export function armEvidence(observations: readonly Observation[], spec: EvidenceSpec, external?: { score: number; n: number } | null): ArmEvidence {
  const recent = observations.length > spec.window ? observations.slice(observations.length - spec.window) : observations;
  let successes = 0;
  let failures = 0;
  let answered = 0;
  const tokens = { input: 0, cached: 0, output: 0 };
  const onTime = (o: Observation) => spec.maxLatencyMs === undefined || o.latencyMs <= spec.maxLatencyMs;
  for (const o of recent) {
    const quality = o.valid !== null ? o.valid && onTime(o) : spec.maxLatencyMs !== undefined && o.outcome === 'ok' ? onTime(o) : null;
    if (quality !== null) quality ? successes++ : failures++;
    if (o.agreed !== null) o.agreed ? successes++ : failures++;
    if (o.outcome === 'ok') {
      answered++;
      tokens.input += o.inputTokens;
      tokens.cached += o.cachedTokens;
      tokens.output += o.outputTokens;
    }
  }
  return {
    successes,
    failures,
    signals: successes + failures,
    external: externalEvidence(external, spec.externalWeight),
    meanTokens: answered ? { input: tokens.input / answered, cached: tokens.cached / answered, output: tokens.output / answered } : null,
  };
}

/** The posterior mean of quality under a flat prior: (1 + s) / (2 + s + f), own and external together. */
export const posteriorMean = (e: ArmEvidence): number =>
  (1 + e.successes + e.external.successes) / (2 + e.successes + e.failures + e.external.successes + e.external.failures);
