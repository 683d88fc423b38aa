/**
 * The new order kinds and the two new executor tools fuzzed through the BUILT server over stdio
 * (review of issue 15, SPEC §12), against the loopback Alpaca seeded with what makes resolution
 * interesting: long, short, fractional and option positions; open stops, limits, trailing stops,
 * a notional order, a multi-leg order and a bracket with exits. Near-valid inputs (one field
 * replaced, removed or added) and the kinds' own fields: every call must end in a result or an
 * isError with a stable code other than INTERNAL, the server keeps answering ping, and without a
 * gateway key nothing is ever sent (no POST, PATCH or DELETE reaches the broker).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { callTool, startServer, type RunningServer } from '../support/client.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';

const CALL = 'SPY270115C00500000';

let alpaca: FakeAlpaca;
let server: RunningServer;
const ids: string[] = [];
const cids: string[] = [];

const position = (symbol: string, qty: number, price: number, assetClass = 'us_equity') => ({
  asset_id: symbol,
  symbol,
  exchange: 'NASDAQ',
  asset_class: assetClass,
  avg_entry_price: String(price),
  qty: String(Math.abs(qty)),
  side: qty > 0 ? 'long' : 'short',
  market_value: String(qty * price),
  cost_basis: String(qty * price),
  unrealized_pl: '0',
  current_price: String(price),
});

beforeAll(async () => {
  alpaca = await startFakeAlpaca();
  alpaca.setQuote('AAPL', { ap: 100.01, bp: 99.99 });
  alpaca.setQuote('TSLA', { ap: 200.02, bp: 199.98 });
  alpaca.setPositions([position('AAPL', 40, 100), position('TSLA', -7, 200), position('MSFT', 0.333333333, 400), position(CALL, 3, 2.5, 'us_option')]);
  const seeds = [
    { symbol: 'AAPL', side: 'sell', type: 'stop', qty: '5', stop_price: '90', time_in_force: 'gtc', status: 'new' },
    { symbol: 'AAPL', side: 'buy', type: 'limit', qty: '2', limit_price: '95', time_in_force: 'day', status: 'new' },
    { symbol: 'AAPL', side: 'sell', type: 'trailing_stop', qty: '3', trail_percent: '2', hwm: '101', stop_price: '98.98', time_in_force: 'gtc', status: 'new' },
    { symbol: 'AAPL', side: 'buy', type: 'market', notional: '50', time_in_force: 'day', status: 'accepted' },
    { symbol: 'AAPL', side: 'buy', type: 'limit', qty: '1', limit_price: '99', time_in_force: 'day', status: 'partially_filled', filled_qty: '0.5' },
    { symbol: CALL, side: 'sell', type: 'limit', qty: '1', limit_price: '3', time_in_force: 'day', status: 'new', position_intent: 'sell_to_close' },
    { symbol: 'AAPL', side: 'sell', type: 'limit', qty: '1', limit_price: '101', time_in_force: 'day', status: 'filled', filled_qty: '1' },
  ];
  for (const s of seeds) {
    const o = alpaca.addOrder(s as never);
    ids.push(o.id);
    cids.push(o.client_order_id);
  }
  server = await startServer({
    profile: 'executor',
    args: ['--broker', 'alpaca'],
    env: {
      APCA_API_BASE_URL: alpaca.tradingUrl,
      APCA_API_DATA_URL: alpaca.dataUrl,
      APCA_API_KEY_ID: alpaca.keyId,
      APCA_API_SECRET_KEY: alpaca.secret,
    },
  });
}, 60_000);
afterAll(async () => {
  await server?.close();
  await alpaca?.close();
});

const junk = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('NaN', 'Infinity', '-1', '1e309', '', ' ', 'AAPL\u200b', 'ＡＡＰＬ', '\u0000', 'SPY270115C00500000', 'AAPL', 'trailing_stop', 'oco'),
  fc.integer({ min: -1000, max: 1_000_000 }),
  fc.double(),
  fc.constantFrom(-1, 0, -0, 1e-10, 1e-9, 0.5, 1, 99.99, 100, 100.0001, 1e308, Number.MAX_SAFE_INTEGER + 2),
  fc.boolean(),
  fc.constant(null),
  fc.dictionary(fc.constantFrom('limit_price', 'stop_price', 'x'), fc.oneof(fc.double(), fc.string({ maxLength: 4 }), fc.constant(null)), { maxKeys: 3 }),
);

const seedsFor = (): Record<string, fc.Arbitrary<Record<string, unknown>>> => ({
  replace_order: fc
    .record({
      ref: fc.oneof(
        fc.constantFrom(...ids).map((id) => ({ order_id: id })),
        fc.constantFrom(...cids).map((c) => ({ client_order_id: c })),
      ),
      change: fc.constantFrom<Record<string, unknown>>(
        { qty: 4 },
        { limit_price: 96 },
        { stop_price: 91 },
        { trail: 3 },
        { time_in_force: 'gtc' },
        { qty: 2, limit_price: 96 },
      ),
    })
    .map(({ ref, change }) => ({ ...ref, ...change })),
  close_position: fc.constantFrom<Record<string, unknown>>(
    { symbol: 'AAPL' },
    { symbol: 'AAPL', percentage: 50 },
    { symbol: 'TSLA', qty: 2 },
    { symbol: 'MSFT', percentage: 100 },
    { symbol: 'MSFT', percentage: 33.3 },
    { symbol: CALL, percentage: 50, limit_price: 2.4 },
    { symbol: 'AAPL', qty: 1, limit_price: 99.5 },
  ),
  place_order: fc.constantFrom<Record<string, unknown>>(
    { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', order_class: 'bracket', take_profit: { limit_price: 110 }, stop_loss: { stop_price: 95 } },
    { symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limit_price: 100, order_class: 'oto', stop_loss: { stop_price: 95, limit_price: 94 } },
    { symbol: 'AAPL', side: 'sell', qty: 5, type: 'limit', order_class: 'oco', take_profit: { limit_price: 110 }, stop_loss: { stop_price: 95 } },
    { symbol: 'AAPL', side: 'sell', qty: 5, type: 'trailing_stop', trail_percent: 5, time_in_force: 'gtc' },
    { symbol: 'AAPL', side: 'buy', qty: 1, type: 'trailing_stop', trail_price: 2 },
    { symbol: CALL, side: 'sell', qty: 1, type: 'limit', limit_price: 2.6, position_intent: 'sell_to_close' },
    { symbol: CALL, side: 'buy', qty: 1, type: 'market', position_intent: 'buy_to_open' },
  ),
});

/** A seed with one key replaced by junk, removed, or a junk key added (nested exits included). */
function mutate(seed: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return seed.chain((valid) => {
    const keys = Object.keys(valid);
    return fc.oneof(
      fc.constant(valid),
      fc.tuple(fc.constantFrom(...keys), junk, fc.constantFrom('replace', 'remove', 'add', 'nest')).map(([key, value, op]) => {
        const copy: Record<string, unknown> = { ...valid };
        if (op === 'replace') copy[key] = value;
        else if (op === 'remove') delete copy[key];
        else if (op === 'add') copy[`${key}_x`] = value;
        else copy[['take_profit', 'stop_loss', 'trail', 'percentage'][keys.length % 4]!] = value;
        return copy;
      }),
    );
  });
}

describe('fuzzed order kinds, replace_order and close_position over stdio', () => {
  it('every call ends in a result or a stable, non-INTERNAL error code; nothing is sent; ping still answers', async () => {
    const seeds = seedsFor();
    const tools = [...Object.keys(seeds), 'check_risk'];
    const failures: string[] = [];
    const codes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tools).chain((name) => fc.tuple(fc.constant(name), mutate(seeds[name === 'check_risk' ? 'place_order' : name]!))),
        async ([name, args]) => {
          const result = await callTool(server.client, name, args);
          if (!result.isError) return;
          const code = (result.structuredContent as { code?: string } | undefined)?.code;
          codes.add(code ?? 'none');
          if (!(ERROR_CODES as readonly string[]).includes(code ?? '') || code === 'INTERNAL')
            failures.push(`${name} ${JSON.stringify(args)} → ${code}: ${JSON.stringify(result.content).slice(0, 300)}`);
        },
      ),
      { numRuns: 150 },
    );
    expect(failures).toEqual([]);
    // the fuzz got past the schemas: orders were resolved, risk-checked and stopped at Opus (no key)
    expect([...codes]).toEqual(expect.arrayContaining(['INVALID_INPUT', 'RISK_REJECTED', 'CONFIRMATION_UNAVAILABLE']));
    await expect(server.client.ping()).resolves.toBeDefined();
    const sent = alpaca.requests.filter((r) => r.api !== 'data' && r.method !== 'GET');
    expect(sent.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  }, 240_000);
});
