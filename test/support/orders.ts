/**
 * A broker order submission for tests that talk to a broker directly (the sim, the fake Alpaca): a plain
 * 10-share AAPL market buy, every field the Broker interface takes, with the test's changes on top.
 *
 * @example submission({ side: 'sell', qty: 5, client_order_id: 'close-1' })
 */
import type { OrderSubmission } from '../../src/broker/types.js';

export const submission = (patch: Partial<OrderSubmission> = {}): OrderSubmission => ({
  symbol: 'AAPL',
  side: 'buy',
  qty: 10,
  notional: null,
  type: 'market',
  time_in_force: 'day',
  limit_price: null,
  stop_price: null,
  trail_price: null,
  trail_percent: null,
  extended_hours: false,
  client_order_id: `c-${Math.random().toString(36).slice(2)}`,
  order_class: 'simple',
  take_profit: null,
  stop_loss: null,
  position_intent: null,
  legs: null,
  ...patch,
});

/** An AAPL market order of `qty` shares on `side`, by client_order_id. */
export const marketOrder = (side: 'buy' | 'sell', qty: number, id: string): OrderSubmission => submission({ side, qty, client_order_id: id });
