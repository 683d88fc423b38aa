/** Doctor checks of the execution gate: the order journal's health and orders of unknown outcome. */
import type { DoctorCheck } from '../doctor/types.js';
import { getGateStore } from './gate-store.js';

export const executionChecks: DoctorCheck = async (deps) => {
  const store = await getGateStore(deps);
  let journal: { status: 'ok' | 'warn' | 'fail'; detail: string };
  try {
    const { where, sequence, pending, droppedTornBytes } = await store.journalStatus();
    journal = pending.length
      ? {
          status: 'warn',
          detail: `${where}: seq ${sequence}; ${pending.length} INTENT(s) without OUTCOME (reconciled with the broker on the next place_order): ${pending
            .map((p) => p.client_order_id)
            .slice(0, 5)
            .join(', ')}`,
        }
      : {
          status: 'ok',
          detail: `${where}: seq ${sequence}, every INTENT has its OUTCOME${droppedTornBytes ? ` (a torn last record of ${droppedTornBytes} bytes was dropped)` : ''}`,
        };
  } catch (err) {
    journal = { status: 'fail', detail: `${(err as Error).message}` };
  }
  const unknown = await store.ordersInState('unknown');
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
