import { describe, expect, it } from 'vitest';
import { duplicateOrderCheck } from '../../../../src/risk/checks/duplicate-order.js';
import { orderFingerprint } from '../../../../src/risk/fingerprint.js';
import type { RecentOrder } from '../../../../src/risk/input.js';
import { canonicalOrder, orderHash } from '../../../../src/orders/order.js';
import { isoBefore, OPEN_AT, openOrder, order } from '../fixtures.js';
import { runCheck } from '../check-context.js';

const same = (client_order_id?: string) => order({ symbol: 'AAPL', side: 'buy', qty: 10, type: 'limit', limit_price: 100, client_order_id });
const recent = (...orders: RecentOrder[]) => ({ input: { state: { halted: false, haltReason: null, startOfDayEquity: 100_000, recentOrders: orders } } });
const at = (secondsAgo: number, fingerprint: string | null, canonical: string | null = null): RecentOrder => ({
  at: isoBefore(OPEN_AT, secondsAgo),
  fingerprint,
  canonical,
});

describe('duplicate_order', () => {
  it('passes when no identical order was submitted in the window', () => {
    expect(runCheck(duplicateOrderCheck)).toEqual({ passed: true, limit: 120, actual: null, message: 'no identical order in the last 120 s' });
    expect(runCheck(duplicateOrderCheck, recent(at(120, orderFingerprint(same(), 'sim')))).passed).toBe(true);
  });

  it('refuses an identical order inside the window, whatever its client_order_id, reporting the latest', () => {
    expect(runCheck(duplicateOrderCheck, recent(at(119, orderFingerprint(same('x-1'), 'sim')), at(10, orderFingerprint(same('x-2'), 'sim'))))).toEqual({
      passed: false,
      limit: 120,
      actual: 10,
      message: 'an identical order was submitted 10 s ago (window 120 s)',
    });
  });

  it('is not fooled by the same order in another mode', () => {
    expect(runCheck(duplicateOrderCheck, recent(at(10, orderFingerprint(same(), 'paper')))).passed).toBe(true);
  });

  it('recomputes the fingerprint from canonical text when none was stored, and ignores unreadable text', () => {
    expect(runCheck(duplicateOrderCheck, recent(at(5, null, canonicalOrder(same('other'), 'sim')))).passed).toBe(false);
    expect(runCheck(duplicateOrderCheck, recent(at(5, null, '{not json'))).passed).toBe(true);
  });

  it('is off when the window is zero', () => {
    expect(runCheck(duplicateOrderCheck, { ...recent(at(1, orderFingerprint(same(), 'sim'))), limits: { duplicateWindowSec: 0 } })).toEqual({
      passed: true,
      limit: 0,
      actual: null,
      message: 'duplicate window disabled',
    });
  });

  it('does not take a replace for a duplicate of the order it replaces, but does a second identical replace', () => {
    const original = at(10, orderFingerprint(same('orig-1'), 'sim'), canonicalOrder(same('orig-1'), 'sim'));
    const replaces = openOrder({ symbol: 'AAPL', side: 'buy', qty: 10, clientOrderId: 'orig-1' });
    const replace = { kind: 'replace' as const, replaces };
    expect(runCheck(duplicateOrderCheck, { input: { ...recent(original).input, order: same('repl-1'), action: replace } }).passed).toBe(true);
    const twice = recent(original, at(5, orderFingerprint(same('repl-1'), 'sim'), canonicalOrder(same('repl-1'), 'sim')));
    expect(runCheck(duplicateOrderCheck, { input: { ...twice.input, order: same('repl-2'), action: replace } })).toMatchObject({ passed: false, actual: 5 });
  });

  it("takes an order without client_order_id's fingerprint from its order_hash (the same canonical text), and still finds its duplicates", () => {
    const plain = same();
    expect(plain.client_order_id).toBeNull();
    expect(orderFingerprint(plain, 'sim')).toBe(orderHash(plain, 'sim'));
    expect(orderFingerprint(same('x-1'), 'sim')).toBe(orderHash(plain, 'sim'));
    expect(runCheck(duplicateOrderCheck, recent(at(30, orderFingerprint(same('x-1'), 'sim')))).passed).toBe(false);
    expect(runCheck(duplicateOrderCheck, recent(at(30, null, canonicalOrder(same('x-3'), 'sim')))).passed).toBe(false);
  });
});
