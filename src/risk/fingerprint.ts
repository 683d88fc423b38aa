/** The identity of an order for the duplicate check: what it does, not the id the client gave it. */
import { createHash } from 'node:crypto';
import { canonicalOrder, type NormalizedOrder, type TradingMode } from '../orders/order.js';
import type { RecentOrder } from './input.js';

/** The identity of an order for the duplicate check: its canonical form without client_order_id. */
export function orderFingerprint(order: NormalizedOrder, mode: TradingMode): string {
  return createHash('sha256')
    .update(canonicalOrder({ ...order, client_order_id: null }, mode), 'utf8')
    .digest('hex');
}

/** A recent order's fingerprint: the stored one, else recomputed from its canonical text (null when unreadable). */
export function fingerprintOf(recent: RecentOrder): string | null {
  if (recent.fingerprint) return recent.fingerprint;
  if (!recent.canonical) return null;
  try {
    const { mode, ...order } = JSON.parse(recent.canonical) as NormalizedOrder & { mode: TradingMode };
    return orderFingerprint(order, mode);
  } catch {
    return null;
  }
}
