/** Shared set-up for the sim broker's order-kind tests: a broker on a temp data dir with a movable clock, and price paths written as CSV. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSimBroker, type SimBroker } from '../../../../src/broker/sim.js';
import type { OrderSubmission } from '../../../../src/broker/types.js';

/** Tuesday 2025-06-03, 11:00 New York: the market is open. */
export const OPEN = '2025-06-03T15:00:00.000Z';
export const MINUTE = 60_000;

let seq = 0;
export function order(patch: Partial<OrderSubmission>): OrderSubmission {
  seq += 1;
  return {
    symbol: 'AAPL',
    side: 'buy',
    qty: 10,
    notional: null,
    type: 'market',
    time_in_force: 'gtc',
    limit_price: null,
    stop_price: null,
    trail_price: null,
    trail_percent: null,
    extended_hours: false,
    client_order_id: `t-${process.pid}-${seq}`,
    order_class: 'simple',
    take_profit: null,
    stop_loss: null,
    position_intent: null,
    legs: null,
    ...patch,
  };
}

export interface Sim {
  broker: SimBroker;
  clock: { now: Date };
  dataDir: string;
  /** Move the sim clock to `ms`. */
  at(ms: number): void;
}

const opened: SimBroker[] = [];

export async function openSim(at = OPEN, opts: { dataDir?: string; cash?: number } = {}): Promise<Sim> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'sim-kinds-'));
  const clock = { now: new Date(at) };
  const broker = await openSimBroker({ dataDir, startingCash: opts.cash ?? 100_000, seed: 42, now: () => clock.now });
  opened.push(broker);
  return { broker, clock, dataDir, at: (ms) => (clock.now = new Date(ms)) };
}

export async function closeAll(): Promise<void> {
  for (const b of opened.splice(0)) await b.close();
}

export interface PathBar {
  o: number;
  h: number;
  l: number;
  c: number;
}

/** A price path for `symbol`: one CSV row a minute from `startMs` (a flat bar for a plain number). */
export function writePath(dataDir: string, symbol: string, startMs: number, bars: Array<number | PathBar>): void {
  mkdirSync(join(dataDir, 'market-data'), { recursive: true });
  const rows = bars.map((b, i) => {
    const bar = typeof b === 'number' ? { o: b, h: b, l: b, c: b } : b;
    return `${new Date(startMs + i * MINUTE).toISOString()},${bar.o},${bar.h},${bar.l},${bar.c},1000`;
  });
  writeFileSync(join(dataDir, 'market-data', `${symbol}.csv`), `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
}

export const round2 = (x: number) => Math.round(x * 100) / 100;
