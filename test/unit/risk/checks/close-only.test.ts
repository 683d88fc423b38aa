import { describe, expect, it } from 'vitest';
import { closeOnlyCheck } from '../../../../src/risk/checks/close-only.js';
import type { RiskInput } from '../../../../src/risk/input.js';
import { creditSpreadInput, occ, openOrder, order, position } from '../fixtures.js';
import { optionInput, runCheck } from '../check-context.js';

const sell = (qty: number) => order({ symbol: 'AAPL', side: 'sell', qty, type: 'limit', limit_price: 100 });
const close = (over: Partial<RiskInput>) => ({ input: { order: sell(10), action: { kind: 'close' as const }, ...over } });
const call = occ('2026-04-09', 'C', 100);

describe('close_only', () => {
  it('passes a close within the position held', () => {
    expect(runCheck(closeOnlyCheck, close({ positions: [position('AAPL', 10)] }))).toEqual({
      passed: true,
      limit: 10,
      actual: 10,
      message: 'a close of 10: holds 10 AAPL long',
    });
  });

  it('refuses a close with nothing held on its side, naming what is held', () => {
    expect(runCheck(closeOnlyCheck, close({}))).toEqual({
      passed: false,
      limit: 0,
      actual: 10,
      message: 'a close sells 10 AAPL, but the account holds no long AAPL position (holds 0)',
    });
    expect(runCheck(closeOnlyCheck, close({ positions: [position('AAPL', -10)] })).message).toBe(
      'a close sells 10 AAPL, but the account holds no long AAPL position (holds -10)',
    );
  });

  it('refuses a close larger than the position, or than what open orders leave of it', () => {
    expect(runCheck(closeOnlyCheck, close({ order: sell(12), positions: [position('AAPL', 10)] }))).toEqual({
      passed: false,
      limit: 10,
      actual: 12,
      message: 'a close of 12 exceeds the 10 free to close: holds 10 AAPL long',
    });
    const held = close({ positions: [position('AAPL', 10)], openOrders: [openOrder({ symbol: 'AAPL', side: 'sell', qty: 5 })] });
    expect(runCheck(closeOnlyCheck, held)).toMatchObject({
      passed: false,
      limit: 5,
      message: 'a close of 10 exceeds the 5 free to close: holds 10 AAPL long, 5 already on open sell orders',
    });
  });

  it('treats an OCO and a _to_close intent as closing, a buy closing a short', () => {
    const oco = order({
      symbol: 'AAPL',
      side: 'buy',
      qty: 10,
      type: 'limit',
      order_class: 'oco',
      take_profit: { limit_price: 90 },
      stop_loss: { stop_price: 105 },
    });
    expect(runCheck(closeOnlyCheck, { input: { order: oco, positions: [position('AAPL', -10)] } })).toMatchObject({
      passed: true,
      message: 'an oco (exit only) of 10: holds 10 AAPL short',
    });
    expect(runCheck(closeOnlyCheck, { input: { order: oco } })).toMatchObject({
      passed: false,
      message: expect.stringContaining('holds no short AAPL position'),
    });
    const stc = optionInput({ side: 'sell', qty: 2, intent: 'sell_to_close' });
    expect(runCheck(closeOnlyCheck, { input: { ...stc, positions: [position(call, 1, 1.1)] } })).toMatchObject({
      passed: false,
      message: `a sell_to_close of 2 exceeds the 1 free to close: holds 1 ${call} long`,
    });
  });

  it('lets a replace of an open close reuse what that order held', () => {
    const resting = openOrder({ symbol: 'AAPL', side: 'sell', qty: 10 });
    const input = close({ positions: [position('AAPL', 10)], openOrders: [resting] }).input;
    expect(runCheck(closeOnlyCheck, { input }).passed).toBe(false);
    const oco = order({
      symbol: 'AAPL',
      side: 'sell',
      qty: 10,
      type: 'limit',
      order_class: 'oco',
      take_profit: { limit_price: 110 },
      stop_loss: { stop_price: 95 },
    });
    expect(runCheck(closeOnlyCheck, { input: { ...input, order: oco, action: { kind: 'replace', replaces: resting } } }).passed).toBe(true);
  });

  it('needs each closing leg of a multi-leg order held on its side', () => {
    const spread = creditSpreadInput();
    const closing = {
      ...spread,
      order: {
        ...spread.order,
        legs: spread.order.legs!.map((l) => ({
          ...l,
          side: l.side === 'buy' ? ('sell' as const) : ('buy' as const),
          position_intent: l.side === 'buy' ? ('sell_to_close' as const) : ('buy_to_close' as const),
        })),
      },
    };
    const [shortPut, longPut] = spread.order.legs!.map((l) => l.symbol) as [string, string];
    expect(runCheck(closeOnlyCheck, { input: { ...closing, positions: [position(shortPut, -2, 3), position(longPut, 2, 1.5)] } })).toEqual({
      passed: true,
      limit: 'held',
      actual: 'held',
      message: 'every closing leg is covered by contracts held on its side',
    });
    expect(runCheck(closeOnlyCheck, { input: { ...closing, positions: [position(shortPut, -2, 3)] } })).toMatchObject({
      passed: false,
      message: `closing legs exceed the contracts held: sell_to_close 2 ${longPut}: holds 0 long`,
    });
  });

  it('does not apply to an order that may open', () => {
    expect(runCheck(closeOnlyCheck).message).toBe('not applicable: the order may open');
  });
});
