/**
 * The tool catalogue, in listing order. Importing it must stay cheap: tool files import heavy
 * modules (LanceDB, openai, the Alpaca SDK, SQLite) lazily inside their handlers or services.
 */
import type { ToolDefinition } from '../tool.js';
import { searchLessons } from './search-lessons.js';
import { recordLesson } from './record-lesson.js';
import { getTechnicalsTool } from './get-technicals.js';
import { councilVoteTool } from './council-vote.js';
import { checkRiskTool } from './check-risk.js';
import { haltTradingTool } from './halt-trading.js';
import { getLlmUsageTool } from './get-llm-usage.js';
import { placeOrderTool } from './place-order.js';
import { getAccountTool } from './get-account.js';
import { getPositionsTool } from './get-positions.js';
import { getOrdersTool } from './get-orders.js';
import { cancelOrderTool } from './cancel-order.js';
import { getMarketDataTool } from './get-market-data.js';

export const TOOL_CATALOGUE: ToolDefinition[] = [
  // research
  searchLessons,
  recordLesson,
  getMarketDataTool,
  getTechnicalsTool,
  // account reads
  getAccountTool,
  getPositionsTool,
  getOrdersTool,
  // risk and deliberation
  checkRiskTool,
  councilVoteTool,
  getLlmUsageTool,
  // execution (executor profile)
  placeOrderTool,
  cancelOrderTool,
  haltTradingTool,
];
