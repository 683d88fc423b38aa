/**
 * The tool catalogue, in listing order. Each entry loads its tool module on demand: start-up lists
 * tools from the manifest written at build time (src/manifest.ts), so no tool's zod schemas or
 * domain code load until that tool is first called.
 */
import type { ToolDefinition } from '../tool.js';
import type { ToolName } from './names.js';

export interface ToolModule {
  name: ToolName;
  load(): Promise<ToolDefinition>;
}

export const TOOL_MODULES: readonly ToolModule[] = [
  // research
  { name: 'search_lessons', load: async () => (await import('./search-lessons.js')).searchLessons },
  { name: 'record_lesson', load: async () => (await import('./record-lesson.js')).recordLesson },
  { name: 'get_market_data', load: async () => (await import('./get-market-data.js')).getMarketDataTool },
  { name: 'get_technicals', load: async () => (await import('./get-technicals.js')).getTechnicalsTool },
  // account reads
  { name: 'get_account', load: async () => (await import('./get-account.js')).getAccountTool },
  { name: 'get_positions', load: async () => (await import('./get-positions.js')).getPositionsTool },
  { name: 'get_orders', load: async () => (await import('./get-orders.js')).getOrdersTool },
  // risk and deliberation
  { name: 'check_risk', load: async () => (await import('./check-risk.js')).checkRiskTool },
  { name: 'council_vote', load: async () => (await import('./council-vote.js')).councilVoteTool },
  { name: 'get_llm_usage', load: async () => (await import('./get-llm-usage.js')).getLlmUsageTool },
  // execution (executor profile)
  { name: 'place_order', load: async () => (await import('./place-order.js')).placeOrderTool },
  { name: 'cancel_order', load: async () => (await import('./cancel-order.js')).cancelOrderTool },
  { name: 'halt_trading', load: async () => (await import('./halt-trading.js')).haltTradingTool },
];

const loaded = new Map<string, Promise<ToolDefinition>>();

/** The tool's definition (schemas and handler), loaded once per process. */
export function loadTool(name: string): Promise<ToolDefinition> | null {
  const entry = TOOL_MODULES.find((m) => m.name === name);
  if (!entry) return null;
  let pending = loaded.get(name);
  if (!pending) {
    pending = entry.load().then((tool) => {
      if (tool.name !== name) throw new Error(`tool module for ${name} exports ${tool.name}`);
      return tool;
    });
    loaded.set(name, pending);
  }
  return pending;
}

/** Every tool definition, in listing order (the manifest generator, the README, tests). */
export async function loadCatalogue(): Promise<ToolDefinition[]> {
  return Promise.all(TOOL_MODULES.map((m) => loadTool(m.name)!));
}
