/**
 * One way to declare a tool: a typed value carrying its name, title, description, zod input and
 * output schemas, all four annotations, a group, and a handler that receives its dependencies.
 * Expected failures throw ToolError; the server renders them (see server.ts).
 */
import type { z } from 'zod';
import type { Deps } from './deps.js';
import type { ErrorCode } from './errors.js';

export { ToolError } from './errors.js';

/** The fixed set of groups, in the order the README and doctor present them (src/tools/groups.ts says what each needs). */
export const TOOL_GROUPS = ['lessons', 'market', 'account', 'risk', 'council', 'arena', 'llm', 'execution'] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ElicitField {
  type: 'boolean' | 'string';
  title: string;
  description?: string;
}

export interface ToolContext {
  deps: Deps;
  signal: AbortSignal;
  /** Progress notifications for clients that sent a progressToken; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Ask the human through MCP elicitation; null when the client cannot elicit. */
  elicit(message: string, fields: Record<string, ElicitField>): Promise<{ action: 'accept' | 'decline' | 'cancel'; content?: Record<string, unknown> } | null>;
}

export interface ToolImage {
  data: string; // base64
  mimeType: string;
}

export interface ToolOutput<O> {
  structured: O;
  /** A short human/model-readable rendering of the result. */
  text: string;
  images?: ToolImage[];
}

export interface ToolDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  name: string;
  title: string;
  description: string;
  group: ToolGroup;
  annotations: ToolAnnotations;
  inputSchema: I;
  outputSchema: O;
  handler(input: z.output<I>, ctx: ToolContext): Promise<ToolOutput<z.output<O>>>;
}

/** Identity with inference: keeps the handler's input and output typed against the schemas. */
export function defineTool<I extends z.ZodType, O extends z.ZodType>(def: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return def;
}

export interface ErrorStructured {
  code: ErrorCode;
  message: string;
  details: Record<string, unknown>;
}
