import { describe, expect, it } from 'vitest';
import { tradingHaltedCheck } from '../../../../src/risk/checks/trading-halted.js';
import { runCheck } from '../check-context.js';

const halted = (over: { haltReason?: string | null; haltedAt?: string | null }) => ({
  input: { state: { halted: true, haltReason: null, startOfDayEquity: 100_000, recentOrders: [], ...over } },
});

describe('trading_halted', () => {
  it('passes while trading is not halted', () => {
    expect(runCheck(tradingHaltedCheck)).toEqual({ passed: true, limit: false, actual: false, message: 'trading is not halted' });
  });

  it('refuses while halted, naming the reason and since when', () => {
    expect(runCheck(tradingHaltedCheck, halted({ haltReason: 'daily loss 3%', haltedAt: '2026-03-10T14:00:00Z' }))).toEqual({
      passed: false,
      limit: false,
      actual: true,
      message: 'trading is halted: daily loss 3% (since 2026-03-10T14:00:00Z); only `tars-trading-mcp resume` clears it',
    });
  });

  it('refuses while halted even without a recorded reason', () => {
    expect(runCheck(tradingHaltedCheck, halted({})).message).toBe('trading is halted; only `tars-trading-mcp resume` clears it');
    expect(runCheck(tradingHaltedCheck, halted({})).passed).toBe(false);
  });
});
