/** Doctor checks of the execution gate: the order journal's health and orders of unknown outcome. */
import type { DoctorCheck } from '../doctor/types.js';
import { getExecutionStore } from './store.js';

export const executionChecks: DoctorCheck = async (deps) => {
  const store = await getExecutionStore(deps);
  let journal: { status: 'ok' | 'warn' | 'fail'; detail: string };
  try {
    store.syncJournal();
    const pending = store.journal.pendingIntents();
    journal = pending.length
      ? {
          status: 'warn',
          detail: `${store.journal.path}: seq ${store.journal.sequence}; ${pending.length} INTENT(s) without OUTCOME (reconciled with the broker on the next place_order): ${pending
            .map((p) => p.client_order_id)
            .slice(0, 5)
            .join(', ')}`,
        }
      : {
          status: 'ok',
          detail: `${store.journal.path}: seq ${store.journal.sequence}, every INTENT has its OUTCOME${store.journal.droppedTornBytes ? ` (a torn last record of ${store.journal.droppedTornBytes} bytes was dropped)` : ''}`,
        };
  } catch (err) {
    journal = { status: 'fail', detail: `${(err as Error).message}` };
  }
  const unknown = store.ordersInState('unknown');
  return [
    { name: 'order journal', ...journal },
    {
      name: 'unknown outcomes',
      status: unknown.length ? 'warn' : 'ok',
      detail: unknown.length
        ? `${unknown.length} order(s) whose broker outcome is unknown (their client_order_ids stay blocked; place_order with the same id re-checks): ${unknown.slice(0, 5).join(', ')}`
        : 'none',
    },
  ];
};
