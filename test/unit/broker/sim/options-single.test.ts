/** Single-leg option orders on the sim: filled at the chain's quotes by the contract of 100, position_intent honoured, sells to open covered. */
import { afterAll, describe, expect, it } from 'vitest';
import type { OptionContract } from '../../../../src/broker/types.js';
import { rejection } from '../../../support/errors.js';
import { closeAll, OPEN, openSim, order, type Sim } from './fixtures.js';

afterAll(closeAll);

async function nearMoney(s: Sim, type: 'call' | 'put'): Promise<OptionContract> {
  const chain = await s.broker.getOptionContracts({ underlying: 'SPY', type, expirationGte: '2025-06-20', expirationLte: '2025-06-20', limit: 400 });
  const spot = (await s.broker.getLatestTrade('SPY')).price;
  return chain.sort((a, b) => Math.abs(a.strike - spot) - Math.abs(b.strike - spot))[0]!;
}

const optionOrder = (symbol: string, side: 'buy' | 'sell', qty: number, patch: Parameters<typeof order>[0] = {}) =>
  order({ symbol, side, qty, time_in_force: 'day', ...patch });

describe('single-leg option orders', () => {
  it('buys to open at the ask and sells to close at the bid: cash moves by price × 100 × contracts, the position is us_option', async () => {
    const s = await openSim();
    const call = await nearMoney(s, 'call');
    const quote = await s.broker.getLatestQuote(call.symbol);
    const mid = (await s.broker.getLatestTrade(call.symbol)).price;
    expect(quote.askPrice - mid).toBeLessThanOrEqual(Math.max(0.01, mid * 0.021)); // mid-ish: within the chain's 2% half-spread
    const bought = await s.broker.submitOrder(optionOrder(call.symbol, 'buy', 3, { position_intent: 'buy_to_open' }));
    expect(bought).toMatchObject({ status: 'filled', filledQty: 3, filledAvgPrice: quote.askPrice, positionIntent: 'buy_to_open', symbol: call.symbol });
    expect((await s.broker.getAccount()).cash).toBeCloseTo(100_000 - quote.askPrice * 300, 2);
    expect((await s.broker.getPositions()).map((p) => [p.symbol, p.assetClass, p.qty])).toEqual([[call.symbol, 'us_option', 3]]);
    expect((await rejection(s.broker.submitOrder(optionOrder(call.symbol, 'sell', 4, { position_intent: 'sell_to_close' })))).message).toMatch(
      /insufficient qty available.*available: 3/,
    );
    const sold = await s.broker.submitOrder(optionOrder(call.symbol, 'sell', 3)); // intent inferred: a sell against a long closes it
    expect(sold).toMatchObject({ status: 'filled', filledAvgPrice: quote.bidPrice, positionIntent: 'sell_to_close' });
    expect((await s.broker.getAccount()).cash).toBeCloseTo(100_000 - (quote.askPrice - quote.bidPrice) * 300, 2);
    expect(await s.broker.getPositions()).toEqual([]);
  });

  it('sells a put to open cash-secured: the premium credited at the bid, the strike × 100 held until the short is bought back', async () => {
    const s = await openSim(OPEN, { cash: 200_000 }); // two SPY puts near 600 hold 120,000
    const put = await nearMoney(s, 'put');
    const quote = await s.broker.getLatestQuote(put.symbol);
    const short = await s.broker.submitOrder(optionOrder(put.symbol, 'sell', 2, { position_intent: 'sell_to_open' }));
    expect(short).toMatchObject({ status: 'filled', filledAvgPrice: quote.bidPrice, positionIntent: 'sell_to_open' });
    const account = await s.broker.getAccount();
    expect(account.cash).toBeCloseTo(200_000 + quote.bidPrice * 200, 2);
    expect(account.buyingPower).toBeCloseTo(account.cash - put.strike * 200, 2);
    expect(account.optionsBuyingPower).toBe(account.buyingPower);
    expect(account.optionsLevel).toBe(3);
    expect((await s.broker.getPositions())[0]).toMatchObject({ symbol: put.symbol, qty: -2, assetClass: 'us_option' });
    const cover = await s.broker.submitOrder(optionOrder(put.symbol, 'buy', 1, { position_intent: 'buy_to_close' }));
    expect(cover.status).toBe('filled');
    const after = await s.broker.getAccount();
    expect(after.cash).toBeCloseTo(200_000 + quote.bidPrice * 200 - quote.askPrice * 100, 2);
    expect(after.buyingPower).toBeCloseTo(after.cash - put.strike * 100, 2);
    expect((await rejection(s.broker.submitOrder(optionOrder(put.symbol, 'buy', 2, { position_intent: 'buy_to_close' })))).message).toMatch(/available: 1/);
  });

  it('refuses a put it cannot secure and a call without 100 free shares a contract; a covered call holds its shares', async () => {
    const s = await openSim(OPEN, { cash: 5_000 });
    const put = await nearMoney(s, 'put');
    expect((await rejection(s.broker.submitOrder(optionOrder(put.symbol, 'sell', 1, { position_intent: 'sell_to_open' })))).details.status).toBe(403);
    const rich = await openSim(OPEN, { cash: 200_000 });
    const call = await nearMoney(rich, 'call');
    const naked = await rejection(rich.broker.submitOrder(optionOrder(call.symbol, 'sell', 1, { position_intent: 'sell_to_open' })));
    expect(naked).toMatchObject({ code: 'BROKER_REJECTED', details: { status: 403, reason: 'uncovered' } });
    await rich.broker.submitOrder(order({ symbol: 'SPY', qty: 150 }));
    expect((await rich.broker.submitOrder(optionOrder(call.symbol, 'sell', 1, { position_intent: 'sell_to_open' }))).status).toBe('filled');
    // 150 held, 100 cover the call: 50 may be sold, not 51; a second call is uncovered
    expect((await rejection(rich.broker.submitOrder(order({ symbol: 'SPY', side: 'sell', qty: 51 })))).message).toMatch(/available: 50/);
    expect((await rejection(rich.broker.submitOrder(optionOrder(call.symbol, 'sell', 1, { position_intent: 'sell_to_open' })))).details.reason).toBe(
      'uncovered',
    );
    expect((await rich.broker.submitOrder(order({ symbol: 'SPY', side: 'sell', qty: 50 }))).status).toBe('filled');
  });

  it('a limit under the ask rests, reserving its cost, and expires at the close; a limit at the ask fills at once', async () => {
    const s = await openSim();
    const call = await nearMoney(s, 'call');
    const quote = await s.broker.getLatestQuote(call.symbol);
    const low = Math.round(quote.askPrice * 0.5 * 100) / 100;
    const resting = await s.broker.submitOrder(optionOrder(call.symbol, 'buy', 2, { type: 'limit', limit_price: low }));
    expect(resting.status).toBe('new');
    expect((await s.broker.getAccount()).buyingPower).toBeCloseTo(100_000 - low * 200, 2);
    const now = await s.broker.submitOrder(optionOrder(call.symbol, 'buy', 1, { type: 'limit', limit_price: quote.askPrice }));
    expect(now).toMatchObject({ status: 'filled', filledAvgPrice: quote.askPrice });
    s.at(Date.parse('2025-06-03T20:05:00Z'));
    expect((await s.broker.getOrder(resting.id))!.status).toBe('expired');
    expect((await s.broker.getAccount()).buyingPower).toBeCloseTo(100_000 - quote.askPrice * 100, 2);
    expect((await rejection(s.broker.submitOrder(optionOrder(call.symbol, 'buy', 1, { time_in_force: 'gtc' })))).details.status).toBe(422);
  });
});
