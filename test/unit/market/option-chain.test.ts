/**
 * The option chain module against the loopback Alpaca (through the real SDK over HTTP) and the sim
 * broker: paged to the end, joined by symbol, the window defaulted from the broker's clock, the
 * unquoted contracts named, the memory cap cut back to whole expirations.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAlpacaBroker, type AlpacaBroker } from '../../../src/broker/alpaca.js';
import { openSimBroker } from '../../../src/broker/sim.js';
import { loadOptionChain } from '../../../src/market/option-chain.js';
import { contractBody } from '../../support/fake-alpaca-data.js';
import { startFakeAlpaca, type FakeAlpaca } from '../../support/fake-alpaca.js';

let fake: FakeAlpaca;
let broker: AlpacaBroker;

beforeEach(async () => {
  fake = await startFakeAlpaca();
  broker = await openAlpacaBroker({ keyId: fake.keyId, secret: fake.secret, baseUrl: fake.tradingUrl, dataUrl: fake.dataUrl, mode: 'paper', timeoutMs: 2_000 });
});
afterEach(async () => {
  await fake.close();
});

const EXPIRATIONS = ['2025-06-06', '2025-06-13', '2025-06-20', '2025-06-27', '2025-07-03'];

/** `n` SPY contracts over the five expirations, strikes from 400 up, calls and puts. */
function spyContracts(n: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; out.length < n; i += 1) {
    const exp = EXPIRATIONS[Math.floor(i / 50) % EXPIRATIONS.length]!;
    out.push(contractBody('SPY', exp, i % 2 ? 'put' : 'call', 400 + Math.floor((i % 50) / 2)));
  }
  return out;
}

function snapshot(bid: number, ask: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const t = '2025-06-02T19:59:59.731674112Z';
  return {
    latestQuote: { ap: ask, as: 5, ax: 'X', bp: bid, bs: 4, bx: 'X', c: ' ', t },
    latestTrade: { c: 'I', p: (bid + ask) / 2, s: 1, t, x: 'W' },
    impliedVolatility: 0.21,
    greeks: { delta: 0.3, gamma: 0.02, rho: 0.01, theta: -0.05, vega: 0.1 },
    ...extra,
  };
}

const pinClock = (timestamp: string) =>
  fake.setClock({ timestamp, is_open: false, next_open: '2025-06-03T09:30:00-04:00', next_close: '2025-06-03T16:00:00-04:00' });
const contractPages = () => fake.requests.filter((r) => r.path === '/v2/options/contracts');
const snapshotPages = () => fake.requests.filter((r) => r.path === '/v1beta1/options/snapshots/SPY');

describe('option chain on the loopback Alpaca', () => {
  it('pages contracts and snapshots to the end (250 contracts over 3 pages each), every row joined and quoted', async () => {
    pinClock('2025-06-02T15:00:00Z');
    const contracts = spyContracts(250);
    fake.setOptionContracts('SPY', contracts);
    fake.setOptionSnapshots('SPY', Object.fromEntries(contracts.map((c, i) => [String(c.symbol), snapshot(1 + i / 100, 1.1 + i / 100)])));
    fake.contractsPageSize = 100;
    fake.snapshotsPageSize = 100;
    const chain = await loadOptionChain(broker, { underlying: 'SPY' });
    expect(chain.rows).toHaveLength(250);
    expect(chain.rows.every((r) => r.quoted && r.bid !== null && r.delta === 0.3)).toBe(true);
    expect(chain.unquoted).toEqual([]);
    expect(chain.capped).toBeNull();
    expect(contractPages().map((r) => Boolean(r.query.page_token))).toEqual([false, true, true]);
    expect(snapshotPages().map((r) => Boolean(r.query.page_token))).toEqual([false, true, true]);
    // Joined by symbol, not by position: each row carries its own contract's quote.
    const i = 137;
    const row = chain.rows.find((r) => r.symbol === contracts[i]!.symbol)!;
    expect(row.ask).toBeCloseTo(1.1 + i / 100, 9);
    const order = chain.rows.map((r) => `${r.expiration}|${String(r.strike).padStart(6, '0')}|${r.type}`);
    expect(order).toEqual([...order].sort());
  });

  it('names the contracts without a quote: no snapshot at all, a zero ask, or greeks only', async () => {
    pinClock('2025-06-02T15:00:00Z');
    const contracts = spyContracts(12);
    fake.setOptionContracts('SPY', contracts);
    const sym = (i: number) => String(contracts[i]!.symbol);
    const snaps: Record<string, Record<string, unknown>> = Object.fromEntries(contracts.map((c) => [String(c.symbol), snapshot(2, 2.2)]));
    delete snaps[sym(3)];
    snaps[sym(5)] = snapshot(0, 0);
    snaps[sym(7)] = { greeks: { delta: -0.2, gamma: 0.01, rho: 0, theta: -0.01, vega: 0.05 }, impliedVolatility: 0.4 };
    snaps[sym(9)] = { latestQuote: { ap: 0.59, as: 458, ax: 'X', bp: 0.48, bs: 396, bx: 'X', c: ' ', t: '2024-02-02T20:59:59.731674112Z' } };
    fake.setOptionSnapshots('SPY', snaps);
    const chain = await loadOptionChain(broker, { underlying: 'SPY' });
    expect(chain.rows).toHaveLength(12);
    expect([...chain.unquoted].sort()).toEqual([sym(3), sym(5), sym(7)].sort());
    const bySym = new Map(chain.rows.map((r) => [r.symbol, r]));
    expect(bySym.get(sym(3))).toMatchObject({ quoted: false, bid: null, ask: null, delta: null, last: 1.25 });
    expect(bySym.get(sym(7))).toMatchObject({ quoted: false, delta: -0.2, impliedVolatility: 0.4 });
    expect(bySym.get(sym(9))).toMatchObject({ quoted: true, bid: 0.48, ask: 0.59, delta: null });
  });

  it("defaults the window to the broker clock's New York date .. +45 days, and sends it on both halves", async () => {
    pinClock('2025-06-03T02:30:00Z'); // 22:30 on June 2 in New York
    const chain = await loadOptionChain(broker, { underlying: 'SPY', type: 'put' });
    expect(chain).toMatchObject({ expirationGte: '2025-06-02', expirationLte: '2025-07-17', defaulted: ['expiration_gte', 'expiration_lte'] });
    expect(fake.count('GET', '/v2/clock', 'trading')).toBe(1);
    for (const r of [...contractPages(), ...snapshotPages()])
      expect(r.query).toMatchObject({ expiration_date_gte: '2025-06-02', expiration_date_lte: '2025-07-17', type: 'put' });
    expect(chain.rows.length).toBeGreaterThan(0);
    expect(chain.rows.every((r) => r.type === 'put' && r.quoted)).toBe(true);
  });

  it('a window that is given reads no clock; only expiration_gte given ends 45 days after it', async () => {
    fake.setOptionContracts('SPY', spyContracts(250));
    const chain = await loadOptionChain(broker, { underlying: 'SPY', expirationGte: '2025-06-10', strikeGte: 410, strikeLte: 420 });
    expect(fake.count('GET', '/v2/clock')).toBe(0);
    expect(chain.defaulted).toEqual(['expiration_lte']);
    expect(chain.rows.length).toBe(4 * 22);
    expect(chain.rows.every((r) => r.strike >= 410 && r.strike <= 420 && r.expiration >= '2025-06-10')).toBe(true);
    expect(contractPages()[0]!.query).toMatchObject({
      expiration_date_gte: '2025-06-10',
      expiration_date_lte: '2025-07-25',
      strike_price_gte: '410',
      strike_price_lte: '420',
    });
    expect(snapshotPages()[0]!.query).toMatchObject({ strike_price_gte: '410', strike_price_lte: '420' });
  });

  it('past the memory cap, keeps whole expirations, narrows the snapshot window and says so', async () => {
    pinClock('2025-06-02T15:00:00Z');
    fake.setOptionContracts('SPY', spyContracts(150)); // 50 per expiration: Jun 6, 13, 20
    const chain = await loadOptionChain(broker, { underlying: 'SPY' }, 120);
    expect(chain.capped).toEqual({ cap: 120, requestedLte: '2025-07-17' });
    expect(chain.expirationLte).toBe('2025-06-19');
    expect(new Set(chain.rows.map((r) => r.expiration))).toEqual(new Set(['2025-06-06', '2025-06-13']));
    expect(chain.rows).toHaveLength(100);
    expect(contractPages()[0]!.query.limit).toBe('121');
    expect(snapshotPages()[0]!.query).toMatchObject({ expiration_date_lte: '2025-06-19' });
  });

  it('snapshots by symbol go 100 to a call, and a symbol without data is absent', async () => {
    const contracts = spyContracts(250);
    fake.setOptionSnapshots('SPY', Object.fromEntries(contracts.slice(0, 240).map((c) => [String(c.symbol), snapshot(1, 1.1)])));
    const snaps = await broker.getOptionSnapshotsFor(contracts.map((c) => String(c.symbol)));
    expect(snaps).toHaveLength(240);
    const calls = fake.requests.filter((r) => r.path === '/v1beta1/options/snapshots');
    expect(calls.map((r) => r.query.symbols!.split(',').length)).toEqual([100, 100, 50]);
    expect(calls.every((r) => r.query.feed === 'indicative' && r.status === 200)).toBe(true);
  });
});

describe('option chain on the sim broker', () => {
  it('reads through the same module: window from the sim clock, whole chain, every row quoted', async () => {
    const sim = await openSimBroker({
      dataDir: mkdtempSync(join(tmpdir(), 'chain-sim-')),
      startingCash: 100_000,
      seed: 42,
      now: () => new Date('2025-06-03T02:30:00Z'),
    });
    try {
      const chain = await loadOptionChain(sim, { underlying: 'SPY', strikeGte: 500 });
      expect(chain).toMatchObject({ expirationGte: '2025-06-02', expirationLte: '2025-07-17', unquoted: [], capped: null });
      expect(chain.rows.length).toBeGreaterThan(200);
      expect(chain.rows.every((r) => r.quoted && r.strike >= 500 && r.expiration >= '2025-06-02' && r.expiration <= '2025-07-17')).toBe(true);
      const some = chain.rows.slice(0, 3).map((r) => r.symbol);
      expect((await sim.getOptionSnapshotsFor([...some, 'NOT-AN-OCC'])).map((s) => s.symbol)).toEqual(some);
    } finally {
      await sim.close();
    }
  });
});
