/** The tape: every resting order evaluated against the simulated prices up to now, in one transaction. */
import { isMarketOpen, sessionsBetween } from '../calendar.js';
import { MAX_SWEEP_MS, MINUTE, round2, SWEEPABLE, type OrderRow, type SimState } from './db.js';
import { fillEquity } from './fills.js';
import { SimMarket } from './market.js';
import { evaluateMleg } from './mleg.js';
import { setStatus } from './order-rows.js';

/** Evaluate every open order against the tape up to now, in one transaction. Returns now. */
export function sweep(s: SimState): Date {
  const now = s.now();
  const nowMs = now.getTime();
  const pending = s.db
    .prepare(`SELECT COUNT(*) AS n FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')}) AND checked_until < ?`)
    .get(...SWEEPABLE, nowMs) as { n: number };
  if (pending.n === 0) return now;
  s.tx(() => {
    const rows = s.db
      .prepare(`SELECT * FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')}) AND checked_until < ? ORDER BY seq`)
      .all(...SWEEPABLE, nowMs) as OrderRow[];
    for (const row of rows) evaluate(s, row, nowMs);
  });
  return now;
}

/** One open order from its last check to now: filled, expired, or marked checked (accepted → new once the market opens). */
function evaluate(s: SimState, row: OrderRow, nowMs: number): void {
  const from = Math.max(row.checked_until, nowMs - MAX_SWEEP_MS);
  const expiresAt = row.expires_at ?? Infinity;
  const done =
    row.order_class === 'mleg'
      ? evaluateMleg(s, row, from, nowMs, expiresAt)
      : row.type === 'market'
        ? evaluateMarket(s, row, from, nowMs)
        : evaluateStopLimit(s, row, from, nowMs, expiresAt);
  if (done) return;
  if (expiresAt <= nowMs) {
    setStatus(s, row.id, 'expired', new Date(expiresAt).toISOString());
    return;
  }
  const isOpenNow = isMarketOpen(new Date(nowMs));
  s.db
    .prepare(`UPDATE orders SET checked_until = ?, status = CASE WHEN status = 'accepted' AND ? THEN 'new' ELSE status END WHERE id = ?`)
    .run(nowMs, isOpenNow ? 1 : 0, row.id);
}

/** A queued market order fills at the next session's open, at the open's mid plus or minus half the spread. */
function evaluateMarket(s: SimState, row: OrderRow, from: number, nowMs: number): boolean {
  const session = sessionsBetween(new Date(from), new Date(nowMs)).find((x) => x.open.getTime() >= from && x.open.getTime() <= nowMs);
  if (!session) return false;
  const mid = s.market.midAt(row.symbol!, session.open.getTime());
  const half = SimMarket.spreadFor(mid) / 2;
  fillEquity(s, row, round2(row.side === 'buy' ? mid + half : mid - half), session.open.getTime());
  return true;
}

/** Limit, stop and stop-limit orders walk the minute bars: the stop triggers first (once, durably), then the limit is met. */
function evaluateStopLimit(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number): boolean {
  let triggered = row.stop_triggered === 1 || row.stop_price === null;
  for (const bar of s.market.fineBars(row.symbol!, Math.floor(from / MINUTE) * MINUTE, nowMs)) {
    const t = Date.parse(bar.t);
    if (t < from - MINUTE) continue;
    if (t >= expiresAt) break;
    const half = SimMarket.spreadFor(bar.c) / 2;
    if (!triggered) {
      const stop = row.stop_price!;
      if (row.side === 'buy' ? bar.h >= stop : bar.l <= stop) {
        triggered = true;
        s.db.prepare('UPDATE orders SET stop_triggered = 1 WHERE id = ?').run(row.id);
        if (row.type === 'stop') {
          const px = row.side === 'buy' ? Math.max(stop, bar.o) + half : Math.min(stop, bar.o) - half;
          fillEquity(s, row, round2(px), t + MINUTE - 1);
          return true;
        }
      } else continue;
    }
    const limit = row.limit_price!;
    if (row.side === 'buy' ? bar.l <= limit : bar.h >= limit) {
      const px = row.side === 'buy' ? Math.min(limit, bar.o) : Math.max(limit, bar.o);
      fillEquity(s, row, round2(px), t + MINUTE - 1);
      return true;
    }
  }
  return false;
}
