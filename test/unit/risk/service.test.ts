/**
 * The risk service against the real sim broker and the real risk state: context gathering,
 * recorded orders feeding the rate and duplicate checks, the daily-loss trip persisting a halt,
 * and multi-leg options priced from the sim's chain.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrap } from '../../../src/bootstrap.js';
import { getBroker } from '../../../src/broker/index.js';
import type { Deps } from '../../../src/deps.js';
import { createLogger } from '../../../src/log.js';
import { normalizeOrder, OrderInputSchema } from '../../../src/orders/order.js';
import { assessOrder, claimOrderSlot, gatherRiskInput, getRiskState } from '../../../src/risk/service.js';
import { haltCommand, resumeCommand, statusCommand } from '../../../src/risk/commands.js';
import { OPEN_AT, occ } from './fixtures.js';
import { accountKey } from '../../../src/risk/state.js';

const open: Deps[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

function deps(dataDir = mkdtempSync(join(tmpdir(), 'risk-svc-')), clock = OPEN_AT): Deps {
  const d = bootstrap(
    { 'data-dir': dataDir, profile: 'executor', broker: 'sim' },
    { TRADING_MCP_SIM_CLOCK: clock },
    createLogger('error', {}, () => undefined),
  );
  open.push(d);
  return d;
}

const failed = (v: { checks: Array<{ code: string; passed: boolean }> }) => v.checks.filter((c) => !c.passed).map((c) => c.code);

async function spyLimitBuy(d: Deps, qty = 1) {
  const q = await (await getBroker(d)).getLatestQuote('SPY');
  return OrderInputSchema.parse({ symbol: 'SPY', side: 'buy', qty, type: 'limit', limit_price: Math.round(((q.bidPrice + q.askPrice) / 2) * 100) / 100 });
}

describe('risk service (sim broker, durable state)', () => {
  it('passes a small limit buy while the market is open, and records the day base', async () => {
    const d = deps();
    const verdict = await assessOrder(d, await spyLimitBuy(d));
    expect(failed(verdict)).toEqual([]);
    expect(verdict.passed).toBe(true);
    const days = await (await getRiskState(d)).dayEquities();
    expect(days[0]).toMatchObject({ tradingDay: '2026-03-10', equity: 100_000 });
  });

  it('refuses on a weekend (the sim clock is the source of truth)', async () => {
    const d = deps(undefined, '2026-03-14T15:00:00.000Z');
    const verdict = await assessOrder(d, await spyLimitBuy(d));
    expect(failed(verdict)).toContain('RISK_MARKET_CLOSED');
  });

  it('claimed order slots feed the duplicate and rate checks', async () => {
    const d = deps();
    const parsed = await spyLimitBuy(d);
    expect(await claimOrderSlot(d, normalizeOrder({ ...parsed, client_order_id: 'first-one' }), new Date())).toEqual({ ok: true });
    expect(failed(await assessOrder(d, parsed))).toEqual(['RISK_DUPLICATE_ORDER']);
    expect(await claimOrderSlot(d, normalizeOrder(await spyLimitBuy(d, 2)), new Date())).toEqual({ ok: true });
    expect(failed(await assessOrder(d, await spyLimitBuy(d, 3)))).toEqual(['RISK_RATE_MINUTE']);
    const status = await statusCommand(d);
    expect(status).toContain('trading: allowed');
    expect(status).toContain('recent orders (2, newest first)');
    expect(status).toMatch(/SPY\s+[0-9a-f]{16}/);
  });

  it('a daily-loss breach trips a durable halt; every later order is refused until resume', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'risk-svc-'));
    const d = deps(dir);
    // The day started at $104k; the sim account is worth $100k now: a 3.85% loss.
    await (await getRiskState(d)).startOfDayEquity(accountKey(await (await getBroker(d)).getAccount()), '2026-03-10', 104_000);
    const v = await assessOrder(d, await spyLimitBuy(d));
    expect(failed(v)).toEqual(['RISK_DAILY_LOSS']);
    expect(await (await getRiskState(d)).isHalted()).toMatchObject({ halted: true, by: 'risk-engine' });
    await d.close();
    open.pop();
    // A new process on the same data dir: still halted, and the halt itself refuses.
    const d2 = deps(dir);
    const v2 = await assessOrder(d2, await spyLimitBuy(d2));
    expect(failed(v2)).toEqual(expect.arrayContaining(['RISK_HALTED', 'RISK_DAILY_LOSS']));
    expect(await statusCommand(d2)).toContain('HALTED');
    expect(await resumeCommand(d2)).toContain('resumed');
    expect(await haltCommand(d2, 'manual')).toContain('HALTED');
    expect(failed(await assessOrder(d2, await spyLimitBuy(d2)))).toContain('RISK_HALTED');
  });

  it('prices a multi-leg credit spread from the sim chain and checks it', async () => {
    const d = deps();
    const broker = await getBroker(d);
    const contracts = await broker.getOptionContracts({ underlying: 'SPY', expirationGte: '2026-04-10', expirationLte: '2026-04-24', type: 'put' });
    expect(contracts.length).toBeGreaterThan(2);
    const expiry = contracts[0]!.expiration;
    const strikes = [...new Set(contracts.filter((c) => c.expiration === expiry).map((c) => c.strike))].sort((a, b) => a - b);
    const spot = (await broker.getLatestQuote('SPY')).bidPrice;
    const below = strikes.filter((k) => k < spot * 0.97);
    const short = below[below.length - 1]!;
    const long = below[below.length - 2]!;
    const legs = [
      { symbol: occ(expiry, 'P', short), side: 'sell' as const, ratio_qty: 1, position_intent: 'sell_to_open' as const },
      { symbol: occ(expiry, 'P', long), side: 'buy' as const, ratio_qty: 1, position_intent: 'buy_to_open' as const },
    ];
    const market = OrderInputSchema.parse({ side: 'buy', qty: 1, type: 'market', order_class: 'mleg', legs });
    const v = await assessOrder(d, market);
    const maxLoss = v.checks.find((c) => c.code === 'RISK_OPTIONS_MAX_LOSS')!;
    expect(maxLoss.actual as number).toBeGreaterThan(0);
    expect(maxLoss.actual as number).toBeLessThanOrEqual((short - long) * 100);
    expect(v.checks.find((c) => c.code === 'RISK_STALE_QUOTE')!.passed).toBe(true);
    // The same legs, naked: refused.
    const naked = OrderInputSchema.parse({
      side: 'buy',
      qty: 1,
      type: 'market',
      order_class: 'mleg',
      legs: [legs[0]!, { ...legs[0]!, symbol: occ(expiry, 'P', long) }],
    });
    expect(failed(await assessOrder(d, naked))).toContain('RISK_UNDEFINED_RISK');
  });

  it("prices a single-leg option from the contract's own snapshot and checks it as an option", async () => {
    const d = deps();
    const broker = await getBroker(d);
    // An out-of-the-money call whose premium fits the $1,000 options max-loss limit.
    const chain = await broker.getOptionSnapshots({ underlying: 'SPY', expirationGte: '2026-04-10', expirationLte: '2026-04-24', type: 'call' });
    const c = chain.find((x) => x.latestQuote && x.latestQuote.askPrice > 1 && x.latestQuote.askPrice < 5)!;
    const v = await assessOrder(d, OrderInputSchema.parse({ symbol: c.symbol, side: 'buy', qty: 1, type: 'market' }));
    expect(failed(v)).toEqual([]);
    const [snapshot] = await broker.getOptionSnapshotsFor([c.symbol]);
    const premium = v.checks.find((x) => x.code === 'RISK_MAX_NOTIONAL')!;
    expect(premium.actual).toBeCloseTo(snapshot!.latestQuote!.askPrice * 100, 2);
    expect(v.checks.find((x) => x.code === 'RISK_OPTIONS_LEVEL')).toMatchObject({ passed: true, actual: 3 });
    // Sold to open with no SPY shares to cover it: a naked call.
    const naked = await assessOrder(d, OrderInputSchema.parse({ symbol: c.symbol, side: 'sell', qty: 1, type: 'market' }));
    expect(failed(naked)).toEqual(expect.arrayContaining(['RISK_UNDEFINED_RISK', 'RISK_OPTIONS_MAX_LOSS']));
  });

  it('carries the action into the input: a close of nothing held is refused as close-only', async () => {
    const d = deps();
    const parsed = await spyLimitBuy(d);
    const sell = OrderInputSchema.parse({ ...parsed, side: 'sell' });
    expect(failed(await assessOrder(d, sell, { kind: 'close' }))).toEqual(['RISK_CLOSE_ONLY']);
    expect(failed(await assessOrder(d, sell))).toEqual([]);
    expect((await gatherRiskInput(d, normalizeOrder(sell))).action).toBeUndefined();
  });
});
