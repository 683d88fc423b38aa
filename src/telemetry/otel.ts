/**
 * Starts OpenTelemetry tracing with the official JS SDK when the standard variables ask for it
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and not OTEL_SDK_DISABLED=true): a
 * NodeTracerProvider (AsyncLocalStorage context, so spans nest across awaits), a batch processor and the
 * OTLP/HTTP exporter, which reads the rest of the OTEL_* variables itself (headers, protocol, timeout). Spans
 * are flushed when the server shuts down. Loaded only then: without the variables no OTel module loads.
 */
import type { Deps } from '../deps.js';
import { SERVER_VERSION } from '../version.js';
import { useTracer } from './tracing.js';

export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

export async function startTracing(deps: Deps): Promise<void> {
  const [api, { NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': process.env.OTEL_SERVICE_NAME ?? 'tars-trading-mcp',
      'service.version': SERVER_VERSION,
      'tars.profile': deps.profile.name,
      'tars.mode': deps.mode,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })],
  });
  provider.register();
  useTracer(api.trace.getTracer('tars-trading-mcp', SERVER_VERSION), api.SpanStatusCode.ERROR);
  deps.onClose(() => provider.shutdown());
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '';
  // the origin only: a collector URL can carry a token in its path or query
  deps.log.info('tracing to OTLP', { collector: URL.canParse(endpoint) ? new URL(endpoint).origin : '(unparsed)' });
}
