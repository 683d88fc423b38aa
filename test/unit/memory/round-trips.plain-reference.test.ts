/**
 * The matcher against a plain reference written here: FIFO per symbol over whole shares (or
 * contracts) with every amount in integer cents, one trip per opening order while it has lots
 * open, fees per share so no share of one needs rounding. Random streams with orders filled in
 * several pieces, flips long → short, repeated fills, ids out of time order and fills handed over
 * shuffled must give the same closed trips, open lots and aggregates, to the cent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateTrips } from '../../../src/memory/aggregates.js';
import type { Fill } from '../../../src/memory/fills.js';
import { matchRoundTrips } from '../../../src/memory/round-trips.js';
import { at, spy } from './fixtures.js';

const SYMBOLS = ['AAPL', 'MSFT', spy('C', 500)];
const multiplierOf = (symbol: string) => (symbol.length > 6 ? 100 : 1);

interface Lot {
  trip: Trip;
  qty: number;
  cents: number;
  feeCents: number | null;
}
interface Trip {
  id: string;
  order: string;
  symbol: string;
  long: boolean;
  qty: number;
  openCents: number;
  exitCents: number;
  open: number;
  pnlCents: number;
  feeCents: number;
  feesComplete: boolean;
  openedAt: string;
  closedAt: string;
  closing: string[];
  fills: string[];
}

/** The reference: sort by (time, id), drop repeats, then FIFO one symbol at a time. */
function reference(fills: readonly Fill[]) {
  const unique = [...new Map(fills.map((f) => [f.id, f])).values()];
  unique.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const books = new Map<string, Lot[]>();
  const open = new Map<string, Trip>();
  const closed: Trip[] = [];
  const note = (list: string[], id: string) => {
    if (!list.includes(id)) list.push(id);
  };
  for (const f of unique) {
    const m = multiplierOf(f.symbol);
    const cents = Math.round(f.price * 100);
    const feePerShare = f.fee === null ? null : Math.round((f.fee * 100) / f.qty);
    const lots = books.get(f.symbol) ?? [];
    books.set(f.symbol, lots);
    const long = f.side === 'buy';
    let left = f.qty;
    while (left > 0 && lots.length && lots[0]!.trip.long !== long) {
      const lot = lots[0]!;
      const n = Math.min(left, lot.qty);
      const t = lot.trip;
      const gross = (t.long ? cents - lot.cents : lot.cents - cents) * n * m;
      const fee = n * ((lot.feeCents ?? 0) + (feePerShare ?? 0));
      t.pnlCents += gross - fee;
      t.feeCents += fee;
      t.exitCents += n * cents * m;
      t.feesComplete &&= lot.feeCents !== null && feePerShare !== null;
      t.open -= n;
      t.closedAt = f.at;
      note(t.fills, f.id);
      note(t.closing, f.order_id);
      lot.qty -= n;
      left -= n;
      if (lot.qty === 0) lots.shift();
      if (t.open === 0) {
        open.delete(t.order);
        closed.push(t);
      }
    }
    if (left === 0) continue;
    let t = open.get(f.order_id);
    if (!t) {
      t = { id: `single:${f.id}`, order: f.order_id, symbol: f.symbol, long, qty: 0, openCents: 0, exitCents: 0, open: 0, pnlCents: 0 };
      Object.assign(t, { feeCents: 0, feesComplete: true, openedAt: f.at, closedAt: f.at, closing: [], fills: [] });
      open.set(f.order_id, t);
    }
    t.qty += left;
    t.open += left;
    t.openCents += left * cents * m;
    t.feesComplete &&= feePerShare !== null;
    note(t.fills, f.id);
    lots.push({ trip: t, qty: left, cents, feeCents: feePerShare });
  }
  const lots = [...books.keys()].sort().flatMap((s) => books.get(s)!.map((l) => ({ symbol: s, qty: l.qty, long: l.trip.long, trip: l.trip.id })));
  return { closed, lots };
}

const perShare = (cents: number, qty: number, m: number) => Math.round((cents * 10_000) / (qty * m)) / 1e6;

/** A reference trip in the matcher's shape (the fields a plain model determines). */
const shapeOf = (t: Trip) => ({
  id: t.id,
  symbol: t.symbol,
  direction: t.long ? 'long' : 'short',
  qty: t.qty,
  entry_price: perShare(t.openCents, t.qty, multiplierOf(t.symbol)),
  exit_price: perShare(t.exitCents, t.qty, multiplierOf(t.symbol)),
  realized_pnl: t.pnlCents / 100,
  fees: t.feeCents / 100,
  fees_complete: t.feesComplete,
  opened_at: t.openedAt,
  closed_at: t.closedAt,
  holding_seconds: (Date.parse(t.closedAt) - Date.parse(t.openedAt)) / 1000,
  opening_order_id: t.order,
  closing_order_ids: t.closing,
  fill_ids: t.fills,
});

/** The aggregates a plain loop gives: sums in cents, the drawdown of the curve in close order. */
function plainAggregates(trips: readonly Trip[]) {
  const ordered = [...trips].sort((a, b) => Date.parse(a.closedAt) - Date.parse(b.closedAt) || (a.id < b.id ? -1 : 1));
  let cum = 0;
  let peak = 0;
  let dd = 0;
  for (const t of ordered) {
    cum += t.pnlCents;
    peak = Math.max(peak, cum);
    dd = Math.max(dd, peak - cum);
  }
  const wins = trips.filter((t) => t.pnlCents > 0);
  const losses = trips.filter((t) => t.pnlCents < 0);
  const sum = (ts: Trip[]) => ts.reduce((a, t) => a + t.pnlCents, 0);
  return {
    count: trips.length,
    wins: wins.length,
    losses: losses.length,
    breakeven: trips.length - wins.length - losses.length,
    gross_win: sum(wins) / 100,
    gross_loss: Math.abs(sum(losses)) / 100,
    total_pnl: sum(trips) / 100,
    max_drawdown: dd / 100,
  };
}

const pieceArb = fc.record({
  symbol: fc.constantFrom(...SYMBOLS),
  side: fc.constantFrom('buy' as const, 'sell' as const),
  qty: fc.integer({ min: 1, max: 30 }),
  cents: fc.integer({ min: 1, max: 40_000 }),
  feePerShareCents: fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
  /** Further pieces of the same order (a partial fill), at the same price side and symbol. */
  pieces: fc.integer({ min: 1, max: 3 }),
  gap: fc.integer({ min: 0, max: 2 }),
});

/** Fills from orders; ids are a permutation so they run against time; some fills are repeated. */
function toFills(raw: fc.RecordValue<typeof pieceArb>[], idOrder: number[], repeats: number[]): Fill[] {
  const out: Fill[] = [];
  let minute = 0;
  raw.forEach((r, o) => {
    for (let p = 0; p < r.pieces; p++) {
      minute += r.gap;
      const k = out.length;
      const qty = r.qty + p;
      out.push({
        id: `x${String(idOrder[k % idOrder.length]!).padStart(2, '0')}-${k}`,
        order_id: `o${o}`,
        client_order_id: `c${o}`,
        symbol: r.symbol,
        side: r.side,
        qty,
        price: (r.cents + p) / 100,
        fee: r.feePerShareCents === null ? null : (r.feePerShareCents * qty) / 100,
        at: at(minute),
      });
    }
  });
  return [...out, ...repeats.map((k) => out[k % out.length]!)];
}

describe('matcher = the plain FIFO reference in integer cents', () => {
  it('gives the same trips, open lots and aggregates on random streams (partial fills, flips, repeats, ids out of order, shuffled)', () => {
    fc.assert(
      fc.property(
        fc.array(pieceArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.integer(),
        (raw, idOrder, repeats, seed) => {
          const fills = toFills(raw, idOrder, repeats);
          const shuffled = fc.sample(fc.shuffledSubarray(fills, { minLength: fills.length, maxLength: fills.length }), { seed, numRuns: 1 })[0]!;
          const want = reference(fills);
          for (const input of [fills, shuffled]) {
            const got = matchRoundTrips(input);
            expect(got.legTrips).toEqual([]);
            expect(got.trips.map(pick)).toEqual(want.closed.map(shapeOf));
            expect(got.trips.every((t) => t.kind === 'single' && t.multiplier === multiplierOf(t.symbol))).toBe(true);
            const lots = got.lots.map((l) => ({ symbol: l.symbol, qty: l.qty, long: l.direction === 'long', trip: `single:${firstOpening(got, l.fill_id)}` }));
            expect(lots).toEqual(want.lots);
            const agg = aggregateTrips(got.trips);
            const plain = plainAggregates(want.closed);
            expect(Object.fromEntries(Object.keys(plain).map((k) => [k, agg[k as keyof typeof agg]]))).toEqual(plain);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

/** The fields shapeOf gives, read off a matcher trip. */
function pick(t: ReturnType<typeof matchRoundTrips>['trips'][number]) {
  const keys = Object.keys(shapeOf({ closing: [], fills: [], qty: 1, symbol: 'A' } as unknown as Trip)) as (keyof typeof t)[];
  return Object.fromEntries(keys.map((k) => [k, t[k]]));
}

/** The trip id (first opening fill) an open lot belongs to, via the open trips' lots. */
function firstOpening(r: ReturnType<typeof matchRoundTrips>, fillId: string): string {
  const trip = r.open.find((t) => t.lots.some((l) => l.fill_id === fillId));
  return trip ? trip.id.slice('single:'.length) : '?';
}
