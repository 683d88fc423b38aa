/**
 * Bad input, fuzzed: random and near-valid arguments to every tool of every profile over a real
 * MCP client. Each call must end in a result or an isError with a stable code — never a crash, a
 * protocol error or an output that breaks the tool's schema — and the server must still answer ping.
 * No order may reach the (sim) broker: without a gateway key nothing can pass the Opus stage.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { callTool, startServer, type RunningServer } from '../support/client.js';

const VALID: Record<string, Record<string, unknown>> = {
  search_lessons: { query: 'iron condor tested short strike', k: 3 },
  record_lesson: { title: 'Fuzzed lesson', body: 'A body long enough to be a lesson about stale quotes.', severity: 'low', tags: ['fuzz'] },
  get_market_data: { kind: 'quote', symbol: 'SPY' },
  get_technicals: { symbol: 'SPY', timeframe: '1Day', lookback: 60 },
  build_iron_condor: { underlying: 'SPY', short_delta: 0.16, wing_width: 5, qty: 1, dte_min: 30, dte_max: 45 },
  get_account: {},
  get_positions: {},
  get_orders: {},
  check_risk: { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' },
  council_vote: { question: 'Should we buy one share of SPY?' },
  get_llm_usage: {},
  place_order: { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', time_in_force: 'day' },
  cancel_order: { client_order_id: 'does-not-exist-1' },
  halt_trading: { reason: 'fuzz' },
  arena_round: { symbols: ['SPY', 'QQQ'], context: 'fuzzed evidence' },
  get_leaderboard: { chart: true },
  get_model_chat: { model: 'deepseek-r1', symbol: 'SPY', since: '2026-11-17T00:00:00Z', limit: 5 },
};

const junk = fc.oneof(
  fc.string(),
  fc.constantFrom('NaN', 'Infinity', '-1', '1e309', '0x10', '', ' ', 'AAPL\u200b', 'ＡＡＰＬ', 'АAPL', '../../etc/passwd', '${jndi:x}', '\u0000'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);

/** Either a random object, or a valid input with one key replaced, removed or added. */
function argsFor(tool: string): fc.Arbitrary<Record<string, unknown>> {
  const valid = VALID[tool] ?? {};
  const keys = Object.keys(valid);
  const mutated = fc.tuple(fc.constantFrom(...(keys.length ? keys : ['x'])), junk, fc.constantFrom('replace', 'remove', 'add')).map(([key, value, op]) => {
    const copy: Record<string, unknown> = { ...valid };
    if (op === 'replace') copy[key] = value;
    else if (op === 'remove') delete copy[key];
    else copy[`${key}_extra`] = value;
    return copy;
  });
  return fc.oneof(mutated, fc.dictionary(fc.string({ maxLength: 12 }), junk, { maxKeys: 5 }));
}

const servers: Record<string, RunningServer> = {};
beforeAll(async () => {
  for (const profile of ['analyst', 'council', 'executor'])
    servers[profile] = await startServer({ profile, env: { TRADING_MCP_SIM_CLOCK: '2026-11-17T15:00:00Z' } });
}, 60_000);
afterAll(async () => {
  for (const s of Object.values(servers)) await s.close();
});

describe('fuzzed tool input', () => {
  for (const profile of ['analyst', 'council', 'executor']) {
    it(`${profile}: every call ends in a result or a stable error code, and the server keeps answering`, async () => {
      const { client } = servers[profile]!;
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name).filter((n) => n !== 'halt_trading');
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...names).chain((name) => fc.tuple(fc.constant(name), argsFor(name))),
          async ([name, args]) => {
            const result = await callTool(client, name, args);
            if (result.isError) {
              const code = (result.structuredContent as { code?: string } | undefined)?.code;
              expect(ERROR_CODES as readonly string[], `${name} ${JSON.stringify(args)}`).toContain(code);
              expect(code, `${name} ${JSON.stringify(args)} crashed`).not.toBe('INTERNAL');
            }
          },
        ),
        { numRuns: 120 },
      );
      await expect(client.ping()).resolves.toBeDefined();
    }, 180_000);
  }

  it('no fuzzed call put an order at the broker', async () => {
    const { client } = servers.executor!;
    const orders = await callTool(client, 'get_orders', { status: 'all' });
    expect(orders.isError).toBeFalsy();
    expect((orders.structuredContent as { orders: unknown[] }).orders).toHaveLength(0);
  });
});
