/**
 * Spans (SPEC §17) behind one small interface the domain calls: `inSpan(name, attributes, fn)`. Off (the
 * default) it is a function call and nothing else — no OpenTelemetry module is even loaded. On (otel.ts, when
 * the standard OTEL_EXPORTER_OTLP_* variables are set) each call is an active span, so the spans a tool call
 * opens nest under it: one trace per place_order with its stage spans and the gateway calls inside them.
 */
import type { Attributes, Span, Tracer } from '@opentelemetry/api';

let tracer: Tracer | null = null;
let statusError = 2; // SpanStatusCode.ERROR, set from the api when tracing starts

export type SpanLike = Pick<Span, 'setAttributes'> | null;

export function useTracer(t: Tracer, errorCode: number): void {
  tracer = t;
  statusError = errorCode;
}

export const tracingOn = (): boolean => tracer !== null;

export function inSpan<T>(name: string, attributes: Attributes, fn: (span: SpanLike) => Promise<T>): Promise<T> {
  if (!tracer) return fn(null);
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: statusError, message: (err as Error).message?.slice(0, 200) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Set attributes on a span when there is one (undefined values are left out). */
export function annotate(span: SpanLike, attributes: Record<string, string | number | boolean | undefined | null>): void {
  if (!span) return;
  const clean: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined && v !== null) clean[k] = v;
  span.setAttributes(clean);
}
