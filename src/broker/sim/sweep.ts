/**
 * The tape: every resting order evaluated against the simulated prices up to now, in one
 * transaction. Exits of one group are walked side by side and only the first the tape reaches
 * fills (the others are canceled with it); exits an entry's fill set live are swept in a further
 * pass of the same transaction, from the instant of that fill.
 */
import { parseOcc } from '../../orders/order.js';
import { isMarketOpen } from '../calendar.js';
import { inList, MAX_SWEEP_MS, SWEEPABLE, type OrderRow, type SimState } from './db.js';
import { endOrder, groupOf } from './exits.js';
import { fillOrder } from './fills.js';
import { evaluateMleg } from './mleg.js';
import { walkOption } from './options-single.js';
import { type Walked, walkEquity } from './walk.js';

/** An entry's fill sets its exits live, whose fill ends the group: two passes suffice, a third is headroom. */
const MAX_PASSES = 3;

/** Whether any resting order is behind the tape (every broker call asks: one indexed lookup, the SQL built once). */
const DUE_SQL = `SELECT EXISTS (SELECT 1 FROM orders WHERE status IN (${inList(SWEEPABLE)}) AND checked_until < ?) AS due`;

/** Whether any resting order is behind the tape at nowMs. */
export function isDue(s: SimState, nowMs: number): boolean {
  return (s.db.prepare(DUE_SQL).get(...SWEEPABLE, nowMs) as { due: number }).due !== 0;
}

/** Evaluate every open order against the tape up to now, in one transaction. Returns now. */
export function sweep(s: SimState): Date {
  const now = s.now();
  if (isDue(s, now.getTime())) sweepAt(s, now.getTime());
  return now;
}

/** The sweep's write transaction: every resting order behind the tape at nowMs evaluated up to it. */
export function sweepAt(s: SimState, nowMs: number): void {
  s.tx(() => {
    for (let pass = 0; pass < MAX_PASSES; pass += 1) {
      const rows = s.db
        .prepare(`SELECT * FROM orders WHERE status IN (${inList(SWEEPABLE)}) AND checked_until < ? ORDER BY seq`)
        .all(...SWEEPABLE, nowMs) as OrderRow[];
      if (rows.length === 0) break;
      const seen = new Set<string>();
      for (const row of rows) {
        if (seen.has(row.id)) continue;
        const group = row.exit_role === null ? [row] : rows.filter((r) => r.exit_role !== null && groupOf(r) === groupOf(row));
        for (const r of group) seen.add(r.id);
        evaluateGroup(s, group, nowMs);
      }
    }
  });
}

const windowOf = (row: OrderRow, nowMs: number) => ({ from: Math.max(row.checked_until, nowMs - MAX_SWEEP_MS), expiresAt: row.expires_at ?? Infinity });

function walk(s: SimState, row: OrderRow, nowMs: number): Walked {
  const { from, expiresAt } = windowOf(row, nowMs);
  return parseOcc(row.symbol ?? '') ? walkOption(s, row, from, nowMs, expiresAt) : walkEquity(s, row, from, nowMs, expiresAt);
}

/**
 * One order, or the live exits of one group: the earliest fill wins (on the same instant the
 * stop-loss, the fill the trader likes least); the rest carry their state on, or expire.
 */
function evaluateGroup(s: SimState, group: OrderRow[], nowMs: number): void {
  if (group.length === 1 && group[0]!.order_class === 'mleg') {
    const row = group[0]!;
    const { from, expiresAt } = windowOf(row, nowMs);
    if (!evaluateMleg(s, row, from, nowMs, expiresAt)) settle(s, row, null, nowMs);
    return;
  }
  const walked = group.map((row) => ({ row, w: walk(s, row, nowMs) }));
  const filled = walked
    .filter((x) => x.w.fill !== null)
    .sort((a, b) => a.w.fill!.atMs - b.w.fill!.atMs || (a.row.exit_role === 'stop_loss' ? -1 : b.row.exit_role === 'stop_loss' ? 1 : 0));
  const first = filled[0];
  if (first) {
    fillOrder(s, first.row, first.w.fill!.price, first.w.fill!.atMs);
    return;
  }
  for (const { row, w } of walked) settle(s, row, w, nowMs);
}

/** An order that did not fill: its carried state kept, then expired at its expiry or marked checked (accepted → new once the market opens). */
function settle(s: SimState, row: OrderRow, w: Walked | null, nowMs: number): void {
  if (w) {
    s.db
      .prepare('UPDATE orders SET stop_triggered = ?, hwm = ?, stop_price = ? WHERE id = ?')
      .run(w.state.triggered && row.stop_price !== null ? 1 : 0, w.state.hwm, w.state.stop, row.id);
  }
  const expiresAt = row.expires_at ?? Infinity;
  if (expiresAt <= nowMs) {
    endOrder(s, row, 'expired', new Date(expiresAt).toISOString());
    return;
  }
  const isOpenNow = isMarketOpen(new Date(nowMs));
  s.db
    .prepare(`UPDATE orders SET checked_until = ?, status = CASE WHEN status = 'accepted' AND ? THEN 'new' ELSE status END WHERE id = ?`)
    .run(nowMs, isOpenNow ? 1 : 0, row.id);
}
