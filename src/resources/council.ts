import { defineResource } from '../resource.js';

/** How many councils trading://council shows (newest first), each with every member's vote and reasoning. */
export const RECENT_COUNCILS = 20;

export const councilResource = defineResource({
  uri: 'trading://council',
  name: 'council',
  title: 'Council decision log',
  description: `The ${RECENT_COUNCILS} most recent councils, newest first: question, order_hash, decision, consensus, ticket id and expiry, and every member's vote with its reasoning, model, latency and cost (invalid answers and failures included).`,
  requiresTool: 'council_vote',
  async read(deps) {
    const { getCouncilStore } = await import('../council/store.js');
    const store = await getCouncilStore(deps);
    return { councils: await store.recent(RECENT_COUNCILS) };
  },
});
