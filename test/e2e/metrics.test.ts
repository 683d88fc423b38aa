/**
 * /metrics on the HTTP transport of the BUILT server, after a scripted run through a real MCP client (the
 * executor on the sim broker, scripted stand-in models): the exposition parses with a Prometheus text-format
 * parser, tool calls are counted by outcome, and the LLM, order and halt figures equal the ledger's, the
 * audit's and the kill switch's own as get_llm_usage and trading://audit report them.
 */
import type { ChildProcess } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer } from '../support/http-server.js';

const children: ChildProcess[] = [];
afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
});

type Family = { name: string; type: string; metrics: Array<{ value: string; labels?: Record<string, string> }> };

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(url.replace(/\/mcp$/, '/metrics'), { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await res.text()) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}
const value = (f: Family | undefined, labels: Record<string, string>) =>
  Number(f?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? Number.NaN);

describe('/metrics', () => {
  it('counts tool calls by outcome and reports the ledger, the audit and the halt as they are', async () => {
    const server = await startHttpServer(children, ['--profile', 'executor'], {
      TRADING_MCP_SIMULATED_MODELS: 'true',
      TRADING_MCP_SIM_CLOCK: '2026-03-10T15:00:00.000Z',
    });
    const client = new Client({ name: 'metrics-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    await client.callTool({ name: 'get_account', arguments: {} });
    await client.callTool({ name: 'get_account', arguments: {} });
    await client.callTool({ name: 'check_risk', arguments: { symbol: 'AAPL', side: 'buy', qty: 'one', type: 'market' } });
    const placed = await client.callTool({ name: 'place_order', arguments: { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day' } });
    expect(placed.isError).toBeFalsy();
    const usage = (await client.callTool({ name: 'get_llm_usage', arguments: {} })).structuredContent as {
      month: { byModel: Array<{ key: string; costUsd: number; calls: number }>; remainingUsd: number };
      critical: { remainingUsd: number };
    };

    const m = await scrape(server.url);
    const calls = m.get('tars_tool_calls_total');
    expect(calls?.type).toBe('COUNTER');
    expect(value(calls, { tool: 'get_account', outcome: 'ok' })).toBe(2);
    expect(value(calls, { tool: 'check_risk', outcome: 'INVALID_INPUT' })).toBe(1);
    expect(value(calls, { tool: 'place_order', outcome: 'ok' })).toBe(1);
    for (const g of usage.month.byModel) {
      const rows = m.get('tars_llm_cost_usd')!.metrics.filter((x) => x.labels?.model === g.key);
      expect(rows.reduce((a, r) => a + Number(r.value), 0)).toBeCloseTo(g.costUsd, 9);
      expect(
        m
          .get('tars_llm_calls')!
          .metrics.filter((x) => x.labels?.model === g.key)
          .reduce((a, r) => a + Number(r.value), 0),
      ).toBe(g.calls);
    }
    expect(usage.month.byModel.some((g) => g.key.startsWith('claude-opus'))).toBe(true);
    expect(value(m.get('tars_llm_budget_remaining_usd'), { envelope: 'month' })).toBeCloseTo(usage.month.remainingUsd, 9);
    expect(value(m.get('tars_llm_budget_remaining_usd'), { envelope: 'critical' })).toBeCloseTo(usage.critical.remainingUsd, 9);
    const audit = JSON.parse(((await client.readResource({ uri: 'trading://audit' })).contents[0] as { text: string }).text) as {
      counts: Record<string, number>;
    };
    for (const [status, n] of Object.entries(audit.counts)) expect(value(m.get('tars_orders'), { status })).toBe(n);
    expect(value(m.get('tars_trading_halted'), {})).toBe(0);

    await client.callTool({ name: 'halt_trading', arguments: { reason: 'metrics test' } });
    expect(value((await scrape(server.url)).get('tars_trading_halted'), {})).toBe(1);
    await client.close();
  });

  it('sits behind the same bearer token as /mcp off loopback', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const server = await startHttpServer(children, ['--host', '0.0.0.0'], { TRADING_MCP_HTTP_TOKEN: token });
    const local = server.url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(local.replace(/\/mcp$/, '/metrics'))).status).toBe(401);
    await scrape(local, { authorization: `Bearer ${token}` });
  });
});
