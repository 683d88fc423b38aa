/**
 * The order contract of SPEC §12 attacked at the schema and the risk engine (review of issue 15):
 * a field a kind does not take must be refused, not carried into pricing; and the new checks must
 * fail closed when the quote they need is missing. A failing test is a finding.
 */
import { describe, expect, it } from 'vitest';
import { OrderInputSchema } from '../../src/orders/order.js';
import { evaluateRisk } from '../../src/risk/engine.js';
import { baseInput, limits, order } from '../unit/risk/fixtures.js';

describe('a stop order takes no limit_price (Alpaca: limit_price is for limit and stop_limit)', () => {
  const stopWithLimit = { symbol: 'AAPL', side: 'buy', qty: 51, type: 'stop', stop_price: 102.9, limit_price: 97.1 } as const;

  it('the schema refuses it instead of hashing and pricing a limit the broker never applies', () => {
    expect(OrderInputSchema.safeParse(stopWithLimit).success).toBe(false);
  });

  it('the risk engine does not size a buy stop at a limit below its trigger (max notional is measured where it can fill)', () => {
    // 51 × 97.10 = $4,952 passes a $5,000 cap; a buy stop fills at 102.90 or above: at least $5,248
    // the contract now refuses the shape before any sizing: no such order reaches the engine
    expect(() => order({ ...stopWithLimit, limit_price: 97.1 } as never)).toThrow(/a stop order takes no limit_price/);
  });
});

describe('the new checks fail closed without a quote', () => {
  it('a market-entry bracket with no quote is refused by exit_orders', () => {
    const v = evaluateRisk(
      baseInput({
        order: order({
          symbol: 'AAPL',
          side: 'buy',
          qty: 1,
          type: 'market',
          order_class: 'bracket',
          take_profit: { limit_price: 110 },
          stop_loss: { stop_price: 95 },
        }),
        quotes: {},
      }),
    );
    expect(v.passed).toBe(false);
    expect(v.checks.find((c) => c.name === 'exit_orders')?.passed).toBe(false);
  });

  it('a trailing stop with no quote is refused by trailing_stop', () => {
    const v = evaluateRisk(baseInput({ order: order({ symbol: 'AAPL', side: 'buy', qty: 1, type: 'trailing_stop', trail_percent: 2 }), quotes: {} }));
    expect(v.passed).toBe(false);
    expect(v.checks.find((c) => c.name === 'trailing_stop')?.passed).toBe(false);
  });
});
