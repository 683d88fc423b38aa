/**
 * An equity order walks the tape from its last check to now, without side effects: the answer is
 * its fill (price and instant) if it fills, and the state it carries on if not (a stop-limit's
 * trigger, a trailing stop's water mark and stop). The sweep applies the answer; exits of one
 * group are walked side by side so the one the tape reaches first is the one that fills.
 */
import { sessionsBetween } from '../calendar.js';
import { MINUTE, round2, type OrderRow, type SimState } from './db.js';
import { SimMarket } from './market.js';
import { type TrailSpec, type TrailState, trailOnBar } from './trail.js';

export interface Fill {
  price: number;
  atMs: number;
}

/** What the order carries into the next sweep when it did not fill. */
export interface CarriedState {
  triggered: boolean;
  hwm: number | null;
  stop: number | null;
}

export interface Walked {
  fill: Fill | null;
  state: CarriedState;
}

export const carriedOf = (row: OrderRow): CarriedState => ({ triggered: row.stop_triggered === 1, hwm: row.hwm, stop: row.stop_price });

export function walkEquity(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number): Walked {
  if (row.type === 'market') return { fill: marketAtOpen(s, row, from, nowMs), state: carriedOf(row) };
  if (row.type === 'trailing_stop') return walkTrailing(s, row, from, nowMs, expiresAt);
  return walkStopLimit(s, row, from, nowMs, expiresAt);
}

/** A queued market order fills at the next session's open, at the open's mid plus or minus half the spread. */
function marketAtOpen(s: SimState, row: OrderRow, from: number, nowMs: number): Fill | null {
  const session = sessionsBetween(new Date(from), new Date(nowMs)).find((x) => x.open.getTime() >= from && x.open.getTime() <= nowMs);
  if (!session) return null;
  const mid = s.market.midAt(row.symbol!, session.open.getTime());
  const half = SimMarket.spreadFor(mid) / 2;
  return { price: round2(row.side === 'buy' ? mid + half : mid - half), atMs: session.open.getTime() };
}

/**
 * The bars not walked yet, each once: the path's minute bars that completed since the last check
 * (the one `from` falls in included), or the CSV rows printed since it; none from the order's
 * expiry on. `at` is the bar's last instant, never later than now.
 */
function barsSince(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number) {
  const start = s.market.source(row.symbol!) === 'csv' ? from : Math.floor(from / MINUTE) * MINUTE;
  return s.market
    .fineBars(row.symbol!, Math.floor(from / MINUTE) * MINUTE, nowMs)
    .map((bar) => ({ bar, t: Date.parse(bar.t) }))
    .filter(({ t }) => t >= start && t < expiresAt)
    .map(({ bar, t }) => ({ bar, at: Math.min(t + MINUTE - 1, nowMs) }));
}

/** Limit, stop and stop-limit orders: the stop triggers first (once, carried), then the limit is met. */
function walkStopLimit(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number): Walked {
  let triggered = row.stop_triggered === 1 || row.stop_price === null;
  const buy = row.side === 'buy';
  for (const { bar, at } of barsSince(s, row, from, nowMs, expiresAt)) {
    const half = SimMarket.spreadFor(bar.c) / 2;
    if (!triggered) {
      const stop = row.stop_price!;
      if (!(buy ? bar.h >= stop : bar.l <= stop)) continue;
      triggered = true;
      if (row.type === 'stop') {
        const px = buy ? Math.max(stop, bar.o) + half : Math.min(stop, bar.o) - half;
        return { fill: { price: round2(px), atMs: at }, state: { ...carriedOf(row), triggered } };
      }
    }
    const limit = row.limit_price!;
    if (buy ? bar.l <= limit : bar.h >= limit) {
      const px = buy ? Math.min(limit, bar.o) : Math.max(limit, bar.o);
      return { fill: { price: round2(px), atMs: at }, state: { ...carriedOf(row), triggered } };
    }
  }
  return { fill: null, state: { ...carriedOf(row), triggered } };
}

export const trailSpecOf = (row: OrderRow): TrailSpec => ({ side: row.side!, trailPrice: row.trail_price, trailPercent: row.trail_percent });

/** A trailing stop: the water mark and stop follow each bar; once triggered it fills like a stop (beyond the trigger by half the spread). */
function walkTrailing(s: SimState, row: OrderRow, from: number, nowMs: number, expiresAt: number): Walked {
  const spec = trailSpecOf(row);
  let state: TrailState = { mark: row.hwm!, stop: row.stop_price! };
  for (const { bar, at } of barsSince(s, row, from, nowMs, expiresAt)) {
    const step = trailOnBar(spec, state, bar);
    state = step.state;
    if (step.trigger !== null) {
      const half = SimMarket.spreadFor(bar.c) / 2;
      const price = round2(row.side === 'buy' ? step.trigger + half : step.trigger - half);
      return { fill: { price, atMs: at }, state: { triggered: true, hwm: state.mark, stop: state.stop } };
    }
  }
  return { fill: null, state: { triggered: false, hwm: state.mark, stop: state.stop } };
}
