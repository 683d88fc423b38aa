/** Every tool name of SPEC §3. Profiles may name only these. */
export const TOOL_NAMES = [
  'search_lessons',
  'record_lesson',
  'get_market_data',
  'get_technicals',
  'check_risk',
  'council_vote',
  'get_account',
  'get_positions',
  'get_orders',
  'get_llm_usage',
  'place_order',
  'cancel_order',
  'halt_trading',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];
