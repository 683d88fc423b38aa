/**
 * The loopback Alpaca's bodies, as Alpaca writes them: `{code, message}` errors, an order with
 * every field of Alpaca's Order (numbers as strings), the account with its options fields, and
 * clock instants in New York offsets with nanoseconds.
 */
import { randomUUID } from 'node:crypto';
import { easternOffsetHours, marketClock } from '../../../src/broker/calendar.js';
import type { Outcome } from './market-data.js';
import type { ClockAnswer, WireOrder } from './types.js';

const ERROR_BODIES: Record<number, { code: number; message: string }> = {
  400: { code: 40010000, message: 'request body format is invalid' },
  401: { code: 40110000, message: 'request is not authorized' },
  403: { code: 40310000, message: 'insufficient buying power' },
  404: { code: 40410000, message: 'resource not found' },
  422: { code: 40010001, message: 'client_order_id must be unique' },
  429: { code: 42910000, message: 'rate limit exceeded' },
  500: { code: 50010000, message: 'internal server error occurred' },
  502: { code: 50210000, message: 'bad gateway' },
  503: { code: 50310000, message: 'service unavailable' },
  504: { code: 50410000, message: 'gateway timeout' },
};

/** Alpaca's `{code, message}` error body for a status; `extra` adds fields Alpaca sends beside them (e.g. base_price). */
export function errorBody(status: number, message?: string, code?: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = ERROR_BODIES[status] ?? { code: status * 100_000, message: `error ${status}` };
  return { code: code ?? base.code, message: message ?? base.message, ...extra };
}

/** A refusal of an order as Alpaca answers it: 422 with Alpaca's code (40010001 for a malformed order, 42210000 for one it will not process). */
export const unprocessable = (message: string, code = 40010001, extra: Record<string, unknown> = {}): Outcome => ({
  status: 422,
  body: errorBody(422, message, code, extra),
});

/** A number as Alpaca's decimal text (at most six places, as the fake computes them). */
export const decimal = (n: number): string => String(Math.round(n * 1e6) / 1e6);

/** An order with every field Alpaca's Order carries (alpaca-py's recorded bodies, Alpaca's reference), overridden by `fields`. */
export function makeOrder(fields: Partial<WireOrder> & { symbol: string }): WireOrder {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    client_order_id: randomUUID(),
    created_at: now,
    updated_at: now,
    submitted_at: now,
    filled_at: null,
    expired_at: null,
    canceled_at: null,
    failed_at: null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: randomUUID(),
    asset_class: 'us_equity',
    notional: null,
    qty: '1',
    filled_qty: '0',
    filled_avg_price: null,
    order_class: 'simple',
    order_type: 'market',
    type: 'market',
    side: 'buy',
    position_intent: 'buy_to_open',
    time_in_force: 'day',
    limit_price: null,
    stop_price: null,
    status: 'new',
    extended_hours: false,
    legs: null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
    subtag: null,
    source: null,
    ...fields,
  } as WireOrder;
}

/** A paper account as Alpaca's /v2/account answers it, options fields included (levels as numbers, money as strings). */
export function defaultAccount(): Record<string, unknown> {
  return {
    id: 'f4ke0000-0000-4000-8000-000000000001',
    account_number: 'PA0FAKE0001',
    status: 'ACTIVE',
    crypto_status: 'ACTIVE',
    currency: 'USD',
    cash: '100000',
    portfolio_value: '100000',
    equity: '100000',
    last_equity: '99500.5',
    long_market_value: '0',
    short_market_value: '0',
    buying_power: '200000',
    regt_buying_power: '200000',
    daytrading_buying_power: '400000',
    effective_buying_power: '200000',
    non_marginable_buying_power: '100000',
    options_buying_power: '100000',
    bod_dtbp: '0',
    accrued_fees: '0',
    initial_margin: '0',
    maintenance_margin: '0',
    sma: '0',
    multiplier: '2',
    daytrade_count: 0,
    pattern_day_trader: false,
    trading_blocked: false,
    transfers_blocked: false,
    account_blocked: false,
    shorting_enabled: true,
    trade_suspended_by_user: false,
    options_approved_level: 3,
    options_trading_level: 3,
    last_maintenance_margin: '0',
    created_at: '2024-01-02T15:00:00Z',
  };
}

/**
 * An instant as Alpaca's clock writes it: New York wall time and offset, the clock's own time with
 * nanoseconds (2022-05-16T16:32:24.143000000-04:00), a session boundary in whole seconds
 * (2022-05-17T09:30:00-04:00), as alpaca-py's recorded /v2/clock body has them.
 */
export function alpacaClockTime(at: Date | string, precision: 'nanoseconds' | 'seconds' = 'nanoseconds'): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  const offset = easternOffsetHours(ms);
  const wall = new Date(ms + offset * 3_600_000).toISOString();
  const time = precision === 'seconds' ? wall.slice(0, 19) : `${wall.slice(0, 23)}000000`;
  return `${time}${offset < 0 ? '-' : '+'}${String(Math.abs(offset)).padStart(2, '0')}:00`;
}

/**
 * /v2/clock at `at`: 'calendar' follows the NYSE sessions; 'open' is a session pinned open (closing
 * in an hour), so the gate's market-hours check does not depend on the hour the suite runs.
 */
export function clockAt(at: Date, mode: 'open' | 'calendar'): ClockAnswer {
  if (mode === 'calendar') {
    const c = marketClock(at);
    return {
      timestamp: alpacaClockTime(at),
      is_open: c.isOpen,
      next_open: alpacaClockTime(c.nextOpen, 'seconds'),
      next_close: alpacaClockTime(c.nextClose, 'seconds'),
    };
  }
  return {
    timestamp: alpacaClockTime(at),
    is_open: true,
    next_open: alpacaClockTime(new Date(at.getTime() + 86_400_000), 'seconds'),
    next_close: alpacaClockTime(new Date(at.getTime() + 3_600_000), 'seconds'),
  };
}
