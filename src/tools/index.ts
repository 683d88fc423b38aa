/**
 * The tool catalogue, in listing order. Importing it must stay cheap: tool files import heavy
 * modules (LanceDB, openai, the Alpaca SDK, SQLite) lazily inside their handlers or services.
 */
import type { ToolDefinition } from '../tool.js';

export const TOOL_CATALOGUE: ToolDefinition[] = [
];
