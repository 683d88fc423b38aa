/**
 * OpenTelemetry through the BUILT server and a loopback OTLP/HTTP receiver of ours (it answers as a collector
 * does: 200 with an empty partial-success body): one trace per place_order with a span per gate stage and the
 * Opus call inside the confirmation stage carrying the GenAI attributes, cost and tier; a separate trace for
 * another tool call; and nothing exported when the OTEL_EXPORTER_OTLP_* variables are unset.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, startServer } from '../support/client.js';

type Attr = { key: string; value: Record<string, unknown> };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: Attr[] };

let receiver: Server;
let endpoint: string;
const posts: Array<{ path: string; spans: OtlpSpan[] }> = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const json = JSON.parse(body || '{}') as { resourceSpans?: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
      posts.push({ path: req.url ?? '', spans: (json.resourceSpans ?? []).flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes?.find((a) => a.key === key)?.value;
  return v ? (v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue) : undefined;
};

describe('OpenTelemetry', () => {
  it('one trace per place_order: the tool span, a span per gate stage, the Opus call under the confirmation', async () => {
    const s = await startServer({
      profile: 'executor',
      env: {
        TRADING_MCP_SIMULATED_MODELS: 'true',
        TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z',
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_SERVICE_NAME: 'tars-test',
      },
    });
    const placed = await callTool(s.client, 'place_order', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day' });
    expect(placed.isError).toBeFalsy();
    await callTool(s.client, 'get_account', {});
    await s.close(); // shutdown flushes the batch
    const spans = posts.flatMap((p) => p.spans);
    expect(posts.every((p) => p.path === '/v1/traces')).toBe(true);
    const root = spans.find((x) => x.name === 'tools/call place_order')!;
    expect(root).toBeDefined();
    expect(root.parentSpanId ?? '').toBe('');
    const trace = spans.filter((x) => x.traceId === root.traceId);
    const stages = trace.filter((x) => x.name.startsWith('gate.')).map((x) => x.name);
    expect(stages).toEqual(expect.arrayContaining(['gate.validate', 'gate.idempotency', 'gate.risk', 'gate.confirmation', 'gate.human', 'gate.broker']));
    for (const st of trace.filter((x) => x.name.startsWith('gate.'))) expect(st.parentSpanId).toBe(root.spanId);
    const confirmation = trace.find((x) => x.name === 'gate.confirmation')!;
    const opus = trace.find((x) => x.name.startsWith('chat claude-opus'))!;
    expect(opus.parentSpanId).toBe(confirmation.spanId);
    expect(attr(opus, 'gen_ai.operation.name')).toBe('chat');
    expect(String(attr(opus, 'gen_ai.request.model'))).toMatch(/^claude-opus/);
    expect(String(attr(opus, 'gen_ai.response.model'))).toMatch(/^claude-opus/);
    expect(Number(attr(opus, 'gen_ai.usage.input_tokens'))).toBeGreaterThan(0);
    expect(Number(attr(opus, 'tars.llm.cost_usd'))).toBeGreaterThan(0);
    expect(attr(opus, 'tars.llm.tier')).toBe('critical');
    const account = spans.find((x) => x.name === 'tools/call get_account')!;
    expect(account.traceId).not.toBe(root.traceId);
    expect(attr(root, 'tars.tool.outcome')).toBe('ok');
  });

  it('without the variables nothing is exported', async () => {
    const before = posts.length;
    const s = await startServer({ profile: 'executor', env: { TRADING_MCP_SIMULATED_MODELS: 'true', TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z' } });
    await callTool(s.client, 'get_account', {});
    await s.close();
    expect(posts.length).toBe(before);
  });
});
