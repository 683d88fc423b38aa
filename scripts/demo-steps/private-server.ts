/**
 * A private executor server for demo steps that must read the same any day: its own data dir and
 * the sim clock pinned to an open market (a Tuesday, 11:00 in New York).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const OPEN_AT = '2026-03-10T15:00:00.000Z';

export interface PrivateServer {
  dataDir: string;
  client: Client;
  call(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** The gateway settings of the demo's own environment, when it has a key (then Opus really confirms). */
export function gatewayEnv(): Record<string, string> {
  const key = process.env.LLM_GATEWAY_API_KEY;
  if (!key) return {};
  return { LLM_GATEWAY_API_KEY: key, ...(process.env.LLM_GATEWAY_BASE_URL ? { LLM_GATEWAY_BASE_URL: process.env.LLM_GATEWAY_BASE_URL } : {}) };
}

export async function startPrivateExecutor(
  name: string,
  extraEnv: Record<string, string> = {},
  profile = 'executor',
  dataDir = mkdtempSync(join(tmpdir(), `tars-demo-${name}-`)),
): Promise<PrivateServer> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js'), '--profile', profile, '--data-dir', dataDir],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TRADING_MCP_LOG_LEVEL: 'error', TRADING_MCP_SIM_CLOCK: OPEN_AT, ...extraEnv },
    stderr: 'inherit',
  });
  const client = new Client({ name: `tars-demo-${name}`, version: '1.0.0' });
  await client.connect(transport);
  return {
    dataDir,
    client,
    call: async (tool, args) => (await client.callTool({ name: tool, arguments: args })) as CallToolResult,
    close: () => client.close().catch(() => undefined),
  };
}
