/** trading://audit — the most recent place_order attempts, refused or not, with every stage's verdict. */
import { defineResource } from '../resource.js';

export const auditResource = defineResource({
  uri: 'trading://audit',
  name: 'audit',
  title: 'Order audit',
  description:
    'The last 50 place_order attempts (newest first): status, the stage that stopped each, every stage verdict, the risk result, the Opus confirmation (model, decision, reasons, latency, cost) and the broker order; plus counts by status and the journal sequence.',
  requiresTool: 'place_order',
  async read(deps) {
    const { getGateStore } = await import('../execution/gate-store.js');
    const store = await getGateStore(deps);
    let journal: { sequence: number | null; healthy: boolean; error: string | null };
    try {
      journal = { sequence: (await store.journalStatus()).sequence, healthy: true, error: null };
    } catch (err) {
      journal = { sequence: null, healthy: false, error: (err as Error).message };
    }
    return { counts: await store.auditCounts(), journal, recent: await store.recentAudit(50) };
  },
});
