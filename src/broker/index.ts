/**
 * The broker for this process: the simulated broker when deps.brokerName is 'sim', else Alpaca.
 * Built lazily on first use (heavy modules load only then) and memoised per process.
 *
 * @example const broker = await getBroker(deps); const account = await broker.getAccount();
 */
import type { Deps } from '../deps.js';
import type { Broker } from './types.js';

export type { Broker } from './types.js';

export function getBroker(deps: Deps): Promise<Broker> {
  return deps.service<Broker>('broker', async (d) => {
    if (d.brokerName === 'sim') {
      const { createSimBroker } = await import('./sim.js');
      return createSimBroker(d);
    }
    const { createAlpacaBroker } = await import('./alpaca.js');
    return createAlpacaBroker(d);
  });
}
