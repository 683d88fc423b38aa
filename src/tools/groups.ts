/**
 * What each tool group needs to work: the README's grouped tool table and `doctor`'s per-group
 * lines read this, so a group's dependencies are stated once, beside the fixed set of groups.
 */
import type { ToolGroup } from '../tool.js';

export type ToolDependency = 'broker' | 'gateway';

export interface GroupSpec {
  title: string;
  /** Without these, tools of the group refuse (BROKER_UNAVAILABLE, GATEWAY_NOT_CONFIGURED); `note` says which. */
  requires: readonly ToolDependency[];
  /** Used when configured; without them the group's tools still work, degraded as `note` says. */
  uses: readonly ToolDependency[];
  /** Where the group-level statement is coarse, the exact per-tool story (README and doctor show it). */
  note?: string;
}

export const GROUP_SPECS: Record<ToolGroup, GroupSpec> = {
  lessons: { title: 'Lessons', requires: [], uses: ['gateway'], note: 'without a gateway key, lessons embed offline (feature hashing)' },
  market: { title: 'Market data', requires: ['broker'], uses: ['gateway'], note: 'without a gateway key, get_technicals refuses only `narrative: true`' },
  account: { title: 'Account', requires: ['broker'], uses: [] },
  risk: { title: 'Risk', requires: ['broker'], uses: [], note: 'halt_trading needs only the data dir' },
  council: { title: 'Council', requires: ['gateway'], uses: [] },
  arena: {
    title: 'Arena',
    requires: [],
    uses: ['broker', 'gateway'],
    note: 'arena_round needs the gateway key and quotes from the broker (never an order); get_leaderboard and get_model_chat need only the data dir',
  },
  llm: {
    title: 'LLM usage and drafting',
    requires: [],
    uses: ['gateway'],
    note: 'get_llm_usage needs nothing; draft_order needs the gateway key (the parse tier)',
  },
  execution: {
    title: 'Execution',
    requires: ['broker', 'gateway'],
    uses: [],
    note: 'place_order needs a Claude Opus confirmation through the gateway; cancel_order needs only the broker',
  },
};

export const DEPENDENCY_LABEL: Record<ToolDependency, string> = { broker: 'broker', gateway: 'gateway key' };
