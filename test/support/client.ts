/**
 * Starts the BUILT server (dist/src/cli.js) through the SDK's StdioClientTransport and hands back a
 * real MCP Client. Each server gets a fresh temp data dir unless one is given (to test restarts).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { type CallToolResult, type ClientCapabilities, type Progress, ProgressNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const CLI_PATH = resolve(PACKAGE_ROOT, 'dist', 'src', 'cli.js');

export function tempDataDir(prefix = 'tars-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface StartOptions {
  profile?: string;
  env?: Record<string, string>;
  args?: string[];
  dataDir?: string;
  /** Client capabilities, e.g. { elicitation: {} }. */
  capabilities?: ClientCapabilities;
}

export interface RunningServer {
  client: Client;
  dataDir: string;
  pid: number | null;
  stderr(): string;
  close(): Promise<void>;
}

/** A clean environment: no keys leak in from the developer's shell. */
export function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_OPTIONS']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { TRADING_MCP_LOG_LEVEL: 'info', ...env, ...extra };
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? tempDataDir();
  const args = [CLI_PATH, '--data-dir', dataDir, ...(options.profile ? ['--profile', options.profile] : []), ...(options.args ?? [])];
  const transport = new StdioClientTransport({ command: process.execPath, args, env: baseEnv(options.env), stderr: 'pipe' });
  let stderrText = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderrText += chunk.toString('utf8');
  });
  const client = new Client({ name: 'tars-test-client', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  try {
    await client.connect(transport);
  } catch (err) {
    throw new Error(`server failed to start: ${(err as Error).message}\nstderr:\n${stderrText}`);
  }
  return {
    client,
    dataDir,
    pid: transport.pid,
    stderr: () => stderrText,
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}

export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options?: Parameters<Client['callTool']>[2],
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
}

type ProgressSeen = Progress & { message?: string };
const progressByClient = new WeakMap<Client, Map<string, ProgressSeen[]>>();
let progressCalls = 0;

/**
 * A tool call and every progress notification the server sent for it, in order. Not `onprogress`: the
 * SDK client (1.32) dispatches notifications a microtask late but retires a request's progress token as
 * soon as its response is read, so progress arriving in the same read as the response is dropped with an
 * "unknown token" error (modelcontextprotocol/typescript-sdk#2580) — on a loaded machine the last ones
 * go missing. This names the call's progress token itself and reads progress with a handler of its own
 * on the client (installed once; it replaces the SDK's, so use it for every progress call on that client).
 */
export async function callToolWithProgress(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ result: CallToolResult; progress: ProgressSeen[] }> {
  let byToken = progressByClient.get(client);
  if (!byToken) {
    const seen = new Map<string, ProgressSeen[]>();
    client.setNotificationHandler(ProgressNotificationSchema, (n) => {
      const { progressToken, _meta, ...p } = n.params;
      seen.get(String(progressToken))?.push(p as ProgressSeen);
    });
    progressByClient.set(client, seen);
    byToken = seen;
  }
  const token = `progress-${++progressCalls}`;
  const progress: ProgressSeen[] = [];
  byToken.set(token, progress);
  try {
    const result = (await client.callTool({ name, arguments: args, _meta: { progressToken: token } })) as CallToolResult;
    // Notifications read with the response are dispatched in queued microtasks: let them all run.
    await new Promise((r) => setImmediate(r));
    return { result, progress };
  } finally {
    byToken.delete(token);
  }
}

/** structuredContent of a successful call; throws with the error text otherwise (clear test failures). */
export async function callOk<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await callTool(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  return result.structuredContent as T;
}

/** The `code` of an isError result (undefined when the call succeeded). */
export function errorCode(result: CallToolResult): string | undefined {
  return result.isError ? ((result.structuredContent as { code?: string } | undefined)?.code ?? 'NO_CODE') : undefined;
}
