/**
 * The broker tools through a real MCP client against the built server in paper mode, talking to
 * the loopback Alpaca (test/support/fake-alpaca.ts) through the real Alpaca SDK over HTTP.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, callOk, callTool, CLI_PATH, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { contractBody } from '../support/fake-alpaca-data.js';
import { startFakeAlpaca, type FakeAlpaca } from '../support/fake-alpaca.js';

let fake: FakeAlpaca;
let server: RunningServer;

function alpacaEnv(f: FakeAlpaca, extra: Record<string, string> = {}): Record<string, string> {
  return {
    APCA_API_KEY_ID: f.keyId,
    APCA_API_SECRET_KEY: f.secret,
    APCA_API_BASE_URL: f.tradingUrl,
    APCA_API_DATA_URL: f.dataUrl,
    TRADING_MCP_ALPACA_TIMEOUT_MS: '2000',
    ...extra,
  };
}

const details = (r: Awaited<ReturnType<typeof callTool>>) => (r.structuredContent as { details: Record<string, unknown> }).details;

beforeAll(async () => {
  fake = await startFakeAlpaca();
  server = await startServer({ profile: 'executor', env: alpacaEnv(fake) });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.clearFailures();
});

describe('broker tools on the loopback Alpaca (E2E, paper)', () => {
  it('get_account reads /v2/account with the configured keys and reports mode paper', async () => {
    const res = await callOk<{ mode: string; broker: string; account: { cash: number; lastEquity: number; buyingPower: number }; dayPl: number }>(
      server.client,
      'get_account',
    );
    expect(res).toMatchObject({ mode: 'paper', broker: 'alpaca', account: { cash: 100_000, lastEquity: 99_500.5, buyingPower: 200_000 }, dayPl: 499.5 });
    const req = fake.requests.filter((r) => r.path === '/v2/account').at(-1)!;
    expect(req).toMatchObject({ api: 'trading', method: 'GET', status: 200 });
    expect(req.headers['apca-api-key-id']).toBe(fake.keyId);
  });

  it('get_positions converts Alpaca strings, short side negative', async () => {
    fake.setPositions([
      {
        asset_id: 'a',
        symbol: 'AAPL',
        exchange: 'NASDAQ',
        asset_class: 'us_equity',
        avg_entry_price: '190',
        qty: '10',
        side: 'long',
        market_value: '2000',
        cost_basis: '1900',
        unrealized_pl: '100',
        current_price: '200',
      },
      {
        asset_id: 'b',
        symbol: 'TSLA',
        exchange: 'NASDAQ',
        asset_class: 'us_equity',
        avg_entry_price: '300',
        qty: '2',
        side: 'short',
        market_value: '-580',
        cost_basis: '-600',
        unrealized_pl: '20',
        current_price: '290',
      },
    ]);
    const res = await callOk<{ positions: Array<{ symbol: string; qty: number }>; totals: { unrealizedPl: number } }>(server.client, 'get_positions');
    expect(res.positions.map((p) => [p.symbol, p.qty])).toEqual([
      ['AAPL', 10],
      ['TSLA', -2],
    ]);
    expect(res.totals.unrealizedPl).toBe(120);
  });

  it('get_orders passes the filters as Alpaca query parameters and reports an unknown status as unknown', async () => {
    const o = fake.addOrder({ symbol: 'NVDA', status: 'pending_moon', submitted_at: '2025-06-02T14:00:00Z' });
    const res = await callOk<{ orders: Array<{ id: string; status: string; rawStatus: string }> }>(server.client, 'get_orders', {
      status: 'all',
      symbols: ['NVDA'],
      after: '2025-06-01T00:00:00Z',
      until: '2025-06-03T00:00:00Z',
      limit: 5,
    });
    expect(res.orders).toEqual([expect.objectContaining({ id: o.id, status: 'unknown', rawStatus: 'pending_moon' })]);
    expect(fake.requests.filter((r) => r.path === '/v2/orders').at(-1)!.query).toMatchObject({
      status: 'all',
      symbols: 'NVDA',
      limit: '5',
      after: '2025-06-01T00:00:00Z',
      until: '2025-06-03T00:00:00Z',
    });
    const text = (await callTool(server.client, 'get_orders', { order_id: o.id })).content as Array<{ text: string }>;
    expect(text[0]!.text).toContain('unknown status "pending_moon"');
  });

  it('cancel_order by client_order_id: lookup, DELETE, re-read; 422 on a filled order → BROKER_REJECTED; 404 → NOT_FOUND', async () => {
    const o = fake.addOrder({ symbol: 'AAPL', status: 'new', client_order_id: 'cancel-me' });
    const res = await callOk<{ canceled: boolean; order: { status: string } }>(server.client, 'cancel_order', { client_order_id: 'cancel-me' });
    expect(res).toMatchObject({ canceled: true, order: { status: 'canceled' } });
    expect(fake.requests.filter((r) => r.path === `/v2/orders/${o.id}` && r.method === 'DELETE').map((r) => r.status)).toEqual([204]);
    const filled = fake.addOrder({ symbol: 'AAPL', status: 'filled' });
    const rejected = await callTool(server.client, 'cancel_order', { order_id: filled.id });
    expect(errorCode(rejected)).toBe('BROKER_REJECTED');
    expect(details(rejected)).toMatchObject({ status: 422, alpacaCode: 42210000 });
    expect((rejected.content as Array<{ text: string }>)[0]!.text).toContain('already in "filled" state');
    expect(errorCode(await callTool(server.client, 'cancel_order', { order_id: 'deadbeef-0000' }))).toBe('NOT_FOUND');
  });

  it('get_market_data pages bars through next_page_token and reads quote, trade, snapshot and the options chain', async () => {
    fake.setBars(
      'AAPL',
      Array.from({ length: 30 }, (_, i) => ({
        t: new Date(Date.UTC(2025, 3, 1 + i, 4)).toISOString(),
        o: 100 + i,
        h: 102 + i,
        l: 99 + i,
        c: 101 + i,
        v: 5000,
      })),
    );
    fake.barsPageSize = 4;
    const bars = await callOk<{ bars: Array<{ o: number }> }>(server.client, 'get_market_data', {
      kind: 'bars',
      symbol: 'AAPL',
      timeframe: '1Day',
      start: '2025-04-01',
      limit: 10,
    });
    expect(bars.bars.map((b) => b.o)).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109]);
    const pages = fake.requests.filter((r) => r.path === '/v2/stocks/AAPL/bars');
    expect(pages.map((p) => Boolean(p.query.page_token))).toEqual([false, true, true]);
    fake.barsPageSize = 10_000;
    fake.setQuote('AAPL', { bp: 200.1, ap: 200.2 });
    expect((await callOk<{ quote: { bidPrice: number } }>(server.client, 'get_market_data', { kind: 'quote', symbol: 'AAPL' })).quote.bidPrice).toBe(200.1);
    fake.setTrade('AAPL', { p: 200.15 });
    expect((await callOk<{ trade: { price: number } }>(server.client, 'get_market_data', { kind: 'trade', symbol: 'AAPL' })).trade.price).toBe(200.15);
    expect(
      (await callOk<{ snapshot: { latestQuote: { askPrice: number } } }>(server.client, 'get_market_data', { kind: 'snapshot', symbol: 'AAPL' })).snapshot
        .latestQuote.askPrice,
    ).toBe(200.2);
    const chain = await callOk<{ mode: string; options: Array<{ symbol: string; bid: number; delta: number }> }>(server.client, 'get_market_data', {
      kind: 'options_chain',
      symbol: 'AAPL',
      option_type: 'call',
      limit: 5,
    });
    expect(chain.mode).toBe('paper');
    expect(chain.options).toHaveLength(5);
    expect(chain.options[0]).toMatchObject({ bid: 1.2, delta: 0.45, quoted: true });
    expect(fake.requests.some((r) => r.path === '/v2/options/contracts' && r.query.underlying_symbols === 'AAPL' && r.query.type === 'call')).toBe(true);
    expect(fake.requests.some((r) => r.path === '/v1beta1/options/snapshots/AAPL')).toBe(true);
  });

  it('get_market_data options_chain: the whole window over pages, joined by symbol, defaulted from the broker clock, unquoted named, limit after the join', async () => {
    fake.setClock({ timestamp: '2025-06-03T02:30:00Z', is_open: false, next_open: '2025-06-03T09:30:00-04:00', next_close: '2025-06-03T16:00:00-04:00' });
    const contracts = ['2025-06-06', '2025-06-13', '2025-06-20', '2025-06-27', '2025-07-03'].flatMap((exp) =>
      Array.from({ length: 50 }, (_, i) => contractBody('QQQ', exp, i % 2 ? 'put' : 'call', 450 + Math.floor(i / 2))),
    );
    const missing = [contracts[1]!, contracts[6]!, contracts[15]!].map((c) => String(c.symbol)); // in the first expiration, low strikes
    const t = '2025-06-02T19:59:59.731674112Z';
    fake.setOptionContracts('QQQ', contracts);
    fake.setOptionSnapshots(
      'QQQ',
      Object.fromEntries(
        contracts
          .filter((c) => !missing.includes(String(c.symbol)))
          .map((c) => [
            String(c.symbol),
            {
              latestQuote: { ap: 2.1, as: 5, ax: 'X', bp: 2, bs: 4, bx: 'X', c: ' ', t },
              impliedVolatility: 0.2,
              greeks: { delta: 0.3, gamma: 0.02, rho: 0.01, theta: -0.05, vega: 0.1 },
            },
          ]),
      ),
    );
    fake.contractsPageSize = 100;
    fake.snapshotsPageSize = 100;
    const before = fake.requests.length;
    try {
      const res = await callTool(server.client, 'get_market_data', { kind: 'options_chain', symbol: 'QQQ', limit: 20 });
      const out = res.structuredContent as {
        options: Array<{ symbol: string; expiration: string; strike: number; type: string; quoted: boolean }>;
        unquoted: string[];
        chain: Record<string, unknown>;
      };
      expect(out.chain).toEqual({
        expirationGte: '2025-06-02',
        expirationLte: '2025-07-17',
        defaulted: ['expiration_gte', 'expiration_lte'],
        contracts: 250,
        quoted: 247,
        returned: 20,
        truncated: true,
        capped: null,
      });
      expect(out.options).toHaveLength(20);
      expect(out.options.every((o) => o.expiration === '2025-06-06' && o.strike < 460)).toBe(true);
      expect(out.options.map((o) => `${o.strike}${o.type}`)).toEqual(
        Array.from({ length: 20 }, (_, i) => `${450 + Math.floor(i / 2)}${i % 2 ? 'put' : 'call'}`),
      );
      expect([...out.unquoted].sort()).toEqual([...missing].sort());
      expect(
        out.options
          .filter((o) => !o.quoted)
          .map((o) => o.symbol)
          .sort(),
      ).toEqual([...missing].sort());
      expect((res.content as Array<{ text: string }>)[0]!.text).toContain('20 of 250 QQQ option contracts (paper) expiring 2025-06-02..2025-07-17');
      const log = fake.requests.slice(before);
      const contractPages = log.filter((r) => r.path === '/v2/options/contracts');
      const snapshotPages = log.filter((r) => r.path === '/v1beta1/options/snapshots/QQQ');
      expect(contractPages.map((r) => Boolean(r.query.page_token))).toEqual([false, true, true]);
      expect(snapshotPages.map((r) => Boolean(r.query.page_token))).toEqual([false, true, true]);
      for (const r of [...contractPages, ...snapshotPages])
        expect(r.query).toMatchObject({ expiration_date_gte: '2025-06-02', expiration_date_lte: '2025-07-17' });
      expect(contractPages.every((r) => r.query.underlying_symbols === 'QQQ')).toBe(true);
      expect(snapshotPages.every((r) => r.query.feed === 'indicative')).toBe(true);
    } finally {
      fake.contractsPageSize = 10_000;
      fake.snapshotsPageSize = 1_000;
    }
  });

  it('a feed the data plan does not cover: BROKER_REJECTED reason data_plan, naming the variable to set', async () => {
    const sip = await startServer({ profile: 'analyst', env: alpacaEnv(fake, { TRADING_MCP_DATA_FEED: 'sip' }) });
    try {
      const r = await callTool(sip.client, 'get_market_data', { kind: 'quote', symbol: 'AAPL' });
      expect(errorCode(r)).toBe('BROKER_REJECTED');
      expect(details(r)).toMatchObject({ status: 403, reason: 'data_plan', feed: 'sip', variable: 'TRADING_MCP_DATA_FEED' });
      expect((r.content as Array<{ text: string }>)[0]!.text).toMatch(/does not cover the sip feed .*set TRADING_MCP_DATA_FEED=iex/);
      expect(fake.requests.filter((q) => q.path === '/v2/stocks/AAPL/quotes/latest').at(-1)).toMatchObject({ query: { feed: 'sip' }, status: 403 });
    } finally {
      await sip.close();
    }
  });

  it('surfaces 5xx, timeouts, resets and an exhausted 429 as BROKER_UNAVAILABLE, a data 403 as BROKER_REJECTED, and recovers', async () => {
    fake.fail({ path: '/v2/account', status: 500 });
    let r = await callTool(server.client, 'get_account');
    expect(errorCode(r)).toBe('BROKER_UNAVAILABLE');
    expect(details(r)).toMatchObject({ status: 500, reason: 'server_error' });
    fake.fail({ path: '/v2/positions', mode: 'hang' });
    r = await callTool(server.client, 'get_positions');
    expect(errorCode(r)).toBe('BROKER_UNAVAILABLE');
    expect(details(r)).toMatchObject({ reason: 'timeout' });
    fake.fail({ path: '/v2/orders', mode: 'reset' });
    r = await callTool(server.client, 'get_orders');
    expect(details(r)).toMatchObject({ reason: 'connection_reset' });
    fake.fail({ path: '/v2/stocks/AAPL/quotes/latest', status: 429, resetInSec: 300 });
    r = await callTool(server.client, 'get_market_data', { kind: 'quote', symbol: 'AAPL' });
    expect(errorCode(r)).toBe('BROKER_UNAVAILABLE');
    expect(details(r)).toMatchObject({ status: 429, reason: 'rate_limited' });
    fake.fail({ path: '/v2/stocks/AAPL/quotes/latest', status: 429, resetInSec: 1 });
    expect((await callOk<{ quote: { bidPrice: number } }>(server.client, 'get_market_data', { kind: 'quote', symbol: 'AAPL' })).quote.bidPrice).toBe(200.1);
    fake.fail({ path: '/v2/stocks/AAPL/bars', status: 403, body: { message: 'subscription does not permit querying recent SIP data' } });
    r = await callTool(server.client, 'get_market_data', { kind: 'bars', symbol: 'AAPL' });
    expect(errorCode(r)).toBe('BROKER_REJECTED');
    expect(details(r)).toMatchObject({ status: 403 });
    await expect(server.client.ping()).resolves.toBeDefined();
    expect((await callOk<{ account: { cash: number } }>(server.client, 'get_account')).account.cash).toBe(100_000);
  });

  it('bad keys: every broker tool answers BROKER_UNAVAILABLE reason unauthorized (401)', async () => {
    const wrong = await startServer({ profile: 'analyst', env: alpacaEnv(fake, { APCA_API_SECRET_KEY: 'not-the-secret' }) });
    try {
      for (const [name, args] of [
        ['get_account', {}],
        ['get_orders', {}],
        ['get_market_data', { kind: 'quote', symbol: 'AAPL' }],
      ] as const) {
        const r = await callTool(wrong.client, name, args);
        expect(errorCode(r), name).toBe('BROKER_UNAVAILABLE');
        expect(details(r)).toMatchObject({ status: 401, reason: 'unauthorized' });
      }
    } finally {
      await wrong.close();
    }
  });

  it('malformed input is refused with INVALID_INPUT before anything reaches Alpaca', async () => {
    const before = fake.requests.length;
    for (const [name, args] of [
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', limit: '10' }],
      ['get_market_data', { kind: 'bars', symbol: 'AAPL', limit: Number.NaN }],
      ['get_market_data', { kind: 'quote', symbol: 'AAPL; DROP' }],
      ['get_market_data', { kind: 'snapshot', symbol: 'AAPL', sneaky: true }],
      ['get_orders', { symbols: ['aapl'] }],
      ['get_orders', { limit: 501 }],
      ['cancel_order', { order_id: '../v2/account' }],
      ['cancel_order', { client_order_id: 'x'.repeat(49) }],
    ] as const) {
      expect(errorCode(await callTool(server.client, name, args as Record<string, unknown>)), `${name} ${JSON.stringify(args)}`).toBe('INVALID_INPUT');
    }
    expect(fake.requests.length).toBe(before);
  });

  it('doctor reports the broker, the mode, whether the keys work and the market clock', async () => {
    // Async spawn: the loopback Alpaca lives in this process and must keep answering.
    const doctor = (env: Record<string, string>) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI_PATH, 'doctor', '--data-dir', tempDataDir()], { env: baseEnv(env) });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('close', (code) => resolve({ code, out }));
      });
    fake.setClock({ is_open: false, next_open: '2025-06-03T13:30:00Z', next_close: '2025-06-03T20:00:00Z' });
    const good = await doctor(alpacaEnv(fake));
    expect(good.out).toMatch(/ok\s+broker\s+broker\s+alpaca, mode paper/);
    expect(good.out).toMatch(/ok\s+broker\s+broker account\s+keys work; account ACTIVE/);
    expect(good.out).toMatch(/market clock\s+closed \(opens 2025-06-03T13:30:00Z\)/);
    expect(good.out).toMatch(/ok\s+broker\s+market data\s+stock feed iex, options feed indicative: SPY bid/);
    const sip = await doctor(alpacaEnv(fake, { TRADING_MCP_DATA_FEED: 'sip' }));
    expect(sip.out).toMatch(/FAIL\s+broker\s+market data\s+stock feed sip, options feed indicative: BROKER_REJECTED: .*set TRADING_MCP_DATA_FEED=iex/);
    const bad = await doctor(alpacaEnv(fake, { APCA_API_KEY_ID: 'wrong' }));
    expect(bad.out).toMatch(/FAIL\s+broker\s+broker account\s+BROKER_UNAVAILABLE: Alpaca refused the API keys \(401\)/);
  });

  it('a live (non-paper) base URL without TRADING_MCP_ALLOW_LIVE stops start-up', async () => {
    await expect(
      startServer({ profile: 'analyst', env: alpacaEnv(fake, { APCA_API_BASE_URL: fake.tradingUrl.replace('127.0.0.1', '127.0.0.2') }) }),
    ).rejects.toThrow(/TRADING_MCP_ALLOW_LIVE/);
  });
});
