/** prompts/list and prompts/get for the active profile (catalogue.ts); the server installs them at build time. */
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { ErrorCode as McpErrorCode, GetPromptRequestSchema, ListPromptsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { PromptDefinition } from './catalogue.js';

function argumentsOf(prompt: PromptDefinition, given: Record<string, string> | undefined): Record<string, string | undefined> {
  const args = given ?? {};
  const unknown = Object.keys(args).filter((k) => !prompt.arguments.some((a) => a.name === k));
  if (unknown.length) throw new McpError(McpErrorCode.InvalidParams, `${prompt.name} takes no argument ${unknown.join(', ')}`);
  const out: Record<string, string | undefined> = {};
  for (const a of prompt.arguments) {
    const value = args[a.name]?.trim();
    if (value === undefined || value === '') {
      if (a.required) throw new McpError(McpErrorCode.InvalidParams, `${prompt.name} needs the argument ${a.name}: ${a.description}`);
      continue;
    }
    const why = a.check(value);
    if (why) throw new McpError(McpErrorCode.InvalidParams, `${prompt.name}: ${why}`);
    out[a.name] = value;
  }
  return out;
}

export function installPrompts(server: Server, prompts: readonly PromptDefinition[], activeTools: ReadonlySet<string>): void {
  const has = (tool: string) => activeTools.has(tool);
  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: prompts.map((p) => ({
      name: p.name,
      title: p.title,
      description: p.description,
      arguments: p.arguments.map((a) => ({ name: a.name, description: a.description, required: a.required })),
    })),
  }));
  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const prompt = prompts.find((p) => p.name === request.params.name);
    if (!prompt)
      throw new McpError(
        McpErrorCode.InvalidParams,
        `unknown prompt ${request.params.name}; this profile has ${prompts.map((p) => p.name).join(', ') || 'none'}`,
      );
    const args = argumentsOf(prompt, request.params.arguments);
    return { description: prompt.description, messages: [{ role: 'user' as const, content: { type: 'text' as const, text: prompt.text(args, has) } }] };
  });
}
