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
    const { getExecutionStore } = await import('../execution/store.js');
    const store = await getExecutionStore(deps);
    let journal: { sequence: number; healthy: boolean; error: string | null };
    try {
      store.syncJournal();
      journal = { sequence: store.journal.sequence, healthy: true, error: null };
    } catch (err) {
      journal = { sequence: store.journal.sequence, healthy: false, error: (err as Error).message };
    }
    return { counts: store.auditCounts(), journal, recent: store.recentAudit(50) };
  },
});
