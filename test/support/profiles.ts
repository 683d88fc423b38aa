/** The SPEC §3 tool table, as the tests pin it. */
export const SPEC_TOOLS: Record<'analyst' | 'council' | 'executor', string[]> = {
  analyst: [
    'search_lessons',
    'record_lesson',
    'get_market_data',
    'get_technicals',
    'check_risk',
    'get_account',
    'get_positions',
    'get_orders',
    'get_llm_usage',
  ],
  council: ['search_lessons', 'get_market_data', 'get_technicals', 'check_risk', 'council_vote', 'get_account', 'get_positions', 'get_orders', 'get_llm_usage'],
  executor: [
    'search_lessons',
    'record_lesson',
    'get_market_data',
    'check_risk',
    'get_account',
    'get_positions',
    'get_orders',
    'get_llm_usage',
    'place_order',
    'replace_order',
    'close_position',
    'cancel_order',
    'halt_trading',
  ],
};

/** SPEC §3 "read-only" column. */
export const READ_ONLY: Record<string, boolean> = {
  search_lessons: true,
  record_lesson: false,
  get_market_data: true,
  get_technicals: true,
  check_risk: true,
  council_vote: true,
  get_account: true,
  get_positions: true,
  get_orders: true,
  get_llm_usage: true,
  place_order: false,
  replace_order: false,
  close_position: false,
  cancel_order: false,
  halt_trading: false,
};
export const DESTRUCTIVE = new Set(['place_order', 'replace_order', 'close_position', 'cancel_order']);
