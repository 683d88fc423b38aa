/**
 * A halt carried into a server's start (halted before this process started: a daily-loss breach, a CLI
 * halt, a halt carried from the data dir into the shared database) is announced once at start-up: to
 * the notification sinks and the log, as a new halt is (state.ts) — else a restarted fleet would sit
 * halted with nobody told — and to each MCP client that subscribes to log messages (logging/setLevel),
 * which on stdio connects after the check has run.
 *
 * @example
 *   startupHalt(deps);                     // cli.ts, serve: checks once, in the background
 *   (await announcedHalt(deps))?.reason    // server.ts, on a client's logging/setLevel
 */
import type { Deps } from '../deps.js';
import { notify } from '../telemetry/notify.js';
import { getRiskState, type HaltStatus } from './state.js';

const checks = new WeakMap<Deps, Promise<HaltStatus | null>>();

export const startupHaltText = (h: HaltStatus): string =>
  `TRADING HALTED (since before this server started: ${h.at ?? 'time unknown'} by ${h.by ?? 'unknown'}): ${h.reason ?? 'no reason recorded'}; every order is refused until tars-trading-mcp resume`;

/** Check the halt once for this process (idempotent); when halted, notify the sinks and log it. */
export function startupHalt(deps: Deps): Promise<HaltStatus | null> {
  let check = checks.get(deps);
  if (!check) {
    check = (async () => {
      const h = await (await getRiskState(deps)).isHalted();
      if (!h.halted) return null;
      notify(deps, 'halt', startupHaltText(h));
      deps.log.warn('trading is halted since before this server started: every order is refused until resume', { reason: h.reason, at: h.at, by: h.by });
      return h;
    })().catch((err: unknown) => {
      // the gate reads the halt again for every order and fails closed on a store error: nothing to announce
      deps.log.warn('the halt could not be read at start-up', { err: (err as Error).message });
      return null;
    });
    checks.set(deps, check);
  }
  return check;
}

/** The start-up halt, if this process ran the check (a server built in-process for tests did not). */
export const announcedHalt = (deps: Deps): Promise<HaltStatus | null> => checks.get(deps) ?? Promise.resolve(null);

/**
 * The start-up halt a client subscribing now should be told of: none once trading was resumed since (a
 * client must not read TRADING HALTED when it is not). A halt that cannot be read again is still told (the
 * warning errs on the side of the halt; the gate fails closed either way).
 */
export async function haltToTell(deps: Deps): Promise<HaltStatus | null> {
  const h = await announcedHalt(deps);
  if (!h) return null;
  try {
    return (await (await getRiskState(deps)).isHalted()).halted ? h : null;
  } catch {
    return h;
  }
}
