/** The one table of checks: order, names and codes are part of the verdict contract. */
import { describe, expect, it } from 'vitest';
import { RISK_CHECK_TABLE } from '../../../../src/risk/checks/index.js';
import { RISK_CHECKS } from '../../../../src/risk/verdict.js';

/** The checks and codes of SPEC §7 in the order verdicts have always reported them; new checks may join, these never move or change. */
const SPEC_7 = [
  'trading_halted:RISK_HALTED',
  'account_status:RISK_ACCOUNT_BLOCKED',
  'symbol_allow_list:RISK_SYMBOL_NOT_ALLOWED',
  'symbol_deny_list:RISK_SYMBOL_DENIED',
  'max_order_notional:RISK_MAX_NOTIONAL',
  'max_order_qty:RISK_MAX_QTY',
  'price_collar:RISK_PRICE_COLLAR',
  'quote_fresh:RISK_STALE_QUOTE',
  'max_position:RISK_MAX_POSITION',
  'buying_power:RISK_BUYING_POWER',
  'max_open_orders:RISK_MAX_OPEN_ORDERS',
  'order_rate_minute:RISK_RATE_MINUTE',
  'order_rate_hour:RISK_RATE_HOUR',
  'max_daily_loss:RISK_DAILY_LOSS',
  'duplicate_order:RISK_DUPLICATE_ORDER',
  'market_hours:RISK_MARKET_CLOSED',
  'pattern_day_trader:RISK_PDT',
  'options_legs:RISK_OPTIONS_LEGS',
  'options_defined_risk:RISK_UNDEFINED_RISK',
  'options_max_loss:RISK_OPTIONS_MAX_LOSS',
  'options_days_to_expiry:RISK_DAYS_TO_EXPIRY',
];

describe('the check table', () => {
  const rows = RISK_CHECK_TABLE.map((c) => `${c.name}:${c.code}`);

  it('keeps the SPEC §7 checks, their codes and their relative order', () => {
    expect(rows.filter((r) => SPEC_7.includes(r))).toEqual(SPEC_7);
  });

  it('has unique names and codes, each a stable RISK_ code', () => {
    expect(new Set(RISK_CHECK_TABLE.map((c) => c.name)).size).toBe(RISK_CHECK_TABLE.length);
    expect(new Set(RISK_CHECK_TABLE.map((c) => c.code)).size).toBe(RISK_CHECK_TABLE.length);
    for (const c of RISK_CHECK_TABLE) expect(c.code).toMatch(/^RISK_[A-Z_]+$/);
  });

  it("is where the verdict schema's names and codes come from", () => {
    expect(RISK_CHECKS.map((c) => `${c.name}:${c.code}`)).toEqual(rows);
  });
});
