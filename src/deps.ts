/**
 * What a tool handler receives. Services are built lazily, once per process, on first use, so
 * start-up stays as cheap as a bare SDK server and tools that need nothing heavy load nothing heavy.
 *
 * @example
 *   export const getBroker = (deps: Deps) => deps.service('broker', async (d) => createSimBroker(d));
 */
import { mkdirSync, chmodSync } from 'node:fs';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Profile } from './profiles.js';
import type { BrokerName, TradingMode } from './broker/types.js';

export interface Deps {
  readonly config: Config;
  readonly profile: Profile;
  readonly mode: TradingMode;
  readonly brokerName: BrokerName;
  readonly dataDir: string;
  readonly log: Logger;
  /** Memoised lazy service: the factory runs once per key; a failed factory is retried on the next call. */
  service<T>(key: string, factory: (deps: Deps) => Promise<T>): Promise<T>;
  /** Run on shutdown, in reverse order of registration. */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

/** Create the data dir owner-only (0700); every durable file lives under it. */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function createDeps(init: { config: Config; profile: Profile; mode: TradingMode; brokerName: BrokerName; log: Logger }): Deps {
  const services = new Map<string, Promise<unknown>>();
  const closers: Array<() => Promise<void> | void> = [];
  let closed = false;
  const deps: Deps = {
    ...init,
    dataDir: init.config.dataDir,
    service<T>(key: string, factory: (d: Deps) => Promise<T>): Promise<T> {
      let pending = services.get(key) as Promise<T> | undefined;
      if (!pending) {
        pending = factory(deps);
        services.set(key, pending);
        pending.catch(() => services.delete(key));
      }
      return pending;
    },
    onClose(fn) {
      closers.push(fn);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const fn of closers.reverse()) {
        try {
          await fn();
        } catch (err) {
          init.log.warn('shutdown step failed', { err });
        }
      }
    },
  };
  return deps;
}
