/**
 * What tracing costs a tool call (issue 23 goal: with the OTEL variables unset, < 3% on a tool call's p50).
 * The real get_account handler on the sim broker, called in interleaved rounds: bare, and inside the same
 * wrappers the server puts around every call (the tool span and its annotation) with tracing off — then, for
 * information, with tracing on (the SDK's provider and batch processor, an in-memory exporter).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootstrap } from '../src/bootstrap.js';
import { createLogger } from '../src/log.js';
import { annotate, inSpan, useTracer } from '../src/telemetry/tracing.js';
import type { ToolContext } from '../src/tool.js';
import { getAccountTool } from '../src/tools/get-account.js';
import { summarize } from './stats.js';

const PAIRS = 3000;

export async function run(): Promise<Record<string, unknown>> {
  const deps = bootstrap(
    { 'data-dir': mkdtempSync(join(tmpdir(), 'tars-bench-otel-')), profile: 'analyst' },
    { PATH: process.env.PATH ?? '' },
    createLogger('error', {}, () => undefined),
  );
  const ctx: ToolContext = { deps, signal: new AbortController().signal, progress: async () => undefined, elicit: async () => null };
  const input = getAccountTool.inputSchema.parse({});
  const bare = () => getAccountTool.handler(input, ctx);
  const wrapped = () =>
    inSpan(
      'tools/call get_account',
      { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'get_account', 'tars.profile': deps.profile.name },
      async (span) => {
        const r = await bare();
        annotate(span, { 'tars.tool.outcome': 'ok' });
        return r;
      },
    );
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) * 1000; // µs
  };
  /** Calls paired one by one, the order alternating, so drift and the handler's own variance fall on both sides alike. */
  const paired = async (a: () => Promise<unknown>, b: () => Promise<unknown>) => {
    const [as, bs]: [number[], number[]] = [[], []];
    for (let i = 0; i < PAIRS; i++) {
      if (i % 2) {
        as.push(await time(a));
        bs.push(await time(b));
      } else {
        bs.push(await time(b));
        as.push(await time(a));
      }
    }
    return [as, bs] as const;
  };
  try {
    for (let i = 0; i < 200; i++) await wrapped(); // warm-up: the broker, the JIT
    const [bareUs, offUs] = await paired(bare, wrapped);
    const [{ trace, SpanStatusCode }, { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter }] = await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/sdk-trace-base'),
    ]);
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    useTracer(provider.getTracer('bench'), SpanStatusCode.ERROR);
    void trace;
    const [bareUs2, onUs] = await paired(bare, wrapped);
    exporter.reset();
    const [b, off, b2, on] = [bareUs, offUs, bareUs2, onUs].map(summarize) as Array<ReturnType<typeof summarize>>;
    const pct = (x: number, y: number) => Math.round((x / y - 1) * 10_000) / 100;
    return {
      pairs: PAIRS,
      bare_handler_us: b,
      tracing_off_us: off,
      tracing_on_in_memory_us: on,
      off_vs_bare_p50_pct: pct(off!.p50, b!.p50),
      on_vs_bare_p50_pct: pct(on!.p50, b2!.p50),
      goal: 'tracing off: a tool call p50 within 3% of the bare handler',
      goal_met: Math.abs(off!.p50 / b!.p50 - 1) < 0.03,
    };
  } finally {
    await deps.close();
  }
}
