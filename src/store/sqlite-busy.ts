/**
 * Waiting for SQLite's write lock without SQLite's busy handler. The handler sleeps 1, 2, 5, 10, 15, 20,
 * 25, 25, 25, 50, 50, 100, 100 … ms between tries, while a short write transaction holds the lock for a
 * fraction of a millisecond: a process that missed it twice sleeps 5+ ms behind a lock that was free after
 * 0.2, and one that missed it ten times sleeps 100 ms per try (the 80–850 ms tails of bench ledger).
 * A connection opened with busy_timeout 0 fails at once instead, and `retryBusy` tries again after a
 * jittered sleep of at most BUSY_SPIN_CAP_MS (so many waiters do not wake together) — synchronously for the
 * first SYNC_WAIT_MS of waiting (sub-millisecond sleeps a timer cannot give), then on timers so a long wait
 * does not hold the event loop — until the deadline, when it throws the SQLITE_BUSY.
 *
 * `fn` is rerun from the start, so it must be one whole transaction (better-sqlite3's `.immediate()`)
 * or a read: a failed try has changed nothing.
 *
 * @example const r = await retryBusy(() => db.transaction(() => write()).immediate());
 */
import { performance } from 'node:perf_hooks';

/**
 * 0.2 ms, not 1: a waiter sleeping up to 1 ms behind a lock held for 0.1–0.2 ms woke late and lost it again
 * to a process that had just committed (bench ledger, 4 processes: p99 26 → ~10 ms with 0.2 and 25 below).
 */
export const BUSY_SPIN_CAP_MS = 0.2;
/** 25 ms, not 10: past it the 1–2 ms timer sleeps made the 50–150 ms maxima of a loaded machine. */
export const SYNC_WAIT_MS = 25;
/** The wait after which the write fails (SQLite's own handler had 15 s in this codebase). */
export const BUSY_DEADLINE_MS = 15_000;

const cell = new Int32Array(new SharedArrayBuffer(4));
const sleepSync = (ms: number): void => {
  Atomics.wait(cell, 0, 0, ms);
};
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/** The sleep before try `attempt + 1` (ms): uniform up to 50 µs · 2^attempt, capped. */
export const busyJitterMs = (attempt: number, random: () => number = Math.random): number =>
  random() * Math.min(BUSY_SPIN_CAP_MS, 0.05 * 2 ** Math.min(attempt, 10));

export async function retryBusy<T>(fn: () => T, deadlineMs = BUSY_DEADLINE_MS): Promise<T> {
  const start = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err)) throw err;
      const waited = performance.now() - start;
      if (waited >= deadlineMs) throw err;
      if (waited < SYNC_WAIT_MS) sleepSync(busyJitterMs(attempt));
      else await sleep(1 + busyJitterMs(attempt) * 4);
    }
  }
}

/** The same, for a constructor that cannot await: always synchronous (start-up only). */
export function retryBusySync<T>(fn: () => T, deadlineMs = BUSY_DEADLINE_MS): T {
  const start = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return fn();
    } catch (err) {
      if (!isBusy(err) || performance.now() - start >= deadlineMs) throw err;
      sleepSync(busyJitterMs(attempt) + (performance.now() - start < SYNC_WAIT_MS ? 0 : 1));
    }
  }
}
