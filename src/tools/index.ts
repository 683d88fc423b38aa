/**
 * The tool registry: the one list of tools, one loader per tool module, in listing order. Names,
 * groups, schemas and annotations live only in the modules. The build writes them, in this order,
 * to the manifest (src/manifest.ts); start-up lists tools from it, so no tool's zod schemas or
 * domain code load until that tool is first called. A new tool: a file here plus one line below.
 */
import { readManifest } from '../manifest.js';
import type { ToolDefinition } from '../tool.js';

export type ToolLoader = () => Promise<ToolDefinition>;

export const TOOL_MODULES: readonly ToolLoader[] = [
  // research
  async () => (await import('./search-lessons.js')).searchLessons,
  async () => (await import('./record-lesson.js')).recordLesson,
  async () => (await import('./get-market-data.js')).getMarketDataTool,
  async () => (await import('./get-technicals.js')).getTechnicalsTool,
  async () => (await import('./build-iron-condor.js')).buildIronCondorTool,
  // account reads
  async () => (await import('./get-account.js')).getAccountTool,
  async () => (await import('./get-positions.js')).getPositionsTool,
  async () => (await import('./get-orders.js')).getOrdersTool,
  async () => (await import('./get-trade-memory.js')).getTradeMemoryTool,
  // risk and deliberation
  async () => (await import('./check-risk.js')).checkRiskTool,
  async () => (await import('./select-strategy.js')).selectStrategyTool,
  async () => (await import('./council-vote.js')).councilVoteTool,
  // the arena
  async () => (await import('./arena-round.js')).arenaRoundTool,
  async () => (await import('./get-leaderboard.js')).getLeaderboardTool,
  async () => (await import('./get-model-chat.js')).getModelChatTool,
  async () => (await import('./get-llm-usage.js')).getLlmUsageTool,
  async () => (await import('./draft-order.js')).draftOrderTool,
  // execution (executor profile)
  async () => (await import('./place-order.js')).placeOrderTool,
  async () => (await import('./replace-order.js')).replaceOrderTool,
  async () => (await import('./close-position.js')).closePositionTool,
  async () => (await import('./cancel-order.js')).cancelOrderTool,
  async () => (await import('./halt-trading.js')).haltTradingTool,
];

const loaded = new Map<string, Promise<ToolDefinition>>();

/** The tool's definition, loaded once per process. Its loader sits at the tool's manifest position. */
export function loadTool(name: string): Promise<ToolDefinition> | null {
  const index = readManifest().findIndex((t) => t.name === name);
  const load = TOOL_MODULES[index];
  if (!load) return null;
  let pending = loaded.get(name);
  if (!pending) {
    pending = load().then((tool) => {
      if (tool.name !== name) throw new Error(`tool manifest is stale: registry entry ${index} is ${tool.name}, not ${name} (run \`npm run build\`)`);
      return tool;
    });
    loaded.set(name, pending);
  }
  return pending;
}

/** Every tool definition, in registry order (the manifest generator, the README, tests). Names must be unique. */
export async function loadCatalogue(): Promise<ToolDefinition[]> {
  const tools = await Promise.all(TOOL_MODULES.map((load) => load()));
  const seen = new Set<string>();
  for (const tool of tools) {
    if (seen.has(tool.name)) throw new Error(`two tool modules define ${tool.name}`);
    seen.add(tool.name);
  }
  return tools;
}
