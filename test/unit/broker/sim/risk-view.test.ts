import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSimBroker, type SimBroker } from '../../../../src/broker/sim.js';
import { submission } from '../../../support/orders.js';

const open: SimBroker[] = [];
afterEach(async () => {
  for (const b of open.splice(0)) await b.close();
});

const OPEN = { status: 'open', limit: 500 } as const;

describe('sim broker riskView (the reads of a risk check in one sweep and one snapshot)', () => {
  it('answers exactly what getAccount, getPositions, listOrders and getClock answer, after the same sweep', async () => {
    const clock = { now: new Date('2025-06-03T15:00:00Z') };
    const broker = await openSimBroker({ dataDir: mkdtempSync(join(tmpdir(), 'sim-view-')), startingCash: 100_000, seed: 42, now: () => clock.now });
    open.push(broker);
    await broker.submitOrder(submission({ qty: 10 }));
    await broker.submitOrder(submission({ symbol: 'MSFT', qty: 3 }));
    const ask = (await broker.getLatestQuote('AAPL')).askPrice;
    await broker.submitOrder(submission({ type: 'limit', limit_price: Math.round(ask * 0.5 * 100) / 100, time_in_force: 'gtc' }));
    clock.now = new Date('2025-06-03T17:30:00Z');
    const view = await broker.riskView(OPEN);
    expect(view).toEqual({
      account: await broker.getAccount(),
      positions: await broker.getPositions(),
      openOrders: await broker.listOrders(OPEN),
      clock: await broker.getClock(),
    });
    expect(view.positions.map((p) => p.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(view.openOrders).toHaveLength(1);
  });

  it('sweeps first: a day limit the close expired is gone from the view and its cash free again', async () => {
    const clock = { now: new Date('2025-06-03T15:00:00Z') };
    const broker = await openSimBroker({ dataDir: mkdtempSync(join(tmpdir(), 'sim-view-')), startingCash: 100_000, seed: 42, now: () => clock.now });
    open.push(broker);
    const mid = (await broker.getLatestTrade('AAPL')).price;
    await broker.submitOrder(submission({ type: 'limit', limit_price: Math.round(mid * 0.5 * 100) / 100, qty: 1 }));
    expect((await broker.riskView(OPEN)).openOrders).toHaveLength(1);
    clock.now = new Date('2025-06-03T21:00:00Z'); // after the close
    const view = await broker.riskView(OPEN);
    expect(view.openOrders).toHaveLength(0);
    expect(view.account.buyingPower).toBe(100_000);
    expect(view.clock.isOpen).toBe(false);
  });
});
