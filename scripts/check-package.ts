/**
 * Drives an INSTALLED tars-trading-mcp (the packed tarball, installed into a temporary prefix by
 * .ci/package.sh) through a real MCP client, from outside the clone: each profile lists its tools
 * and answers one call on the embedded defaults. Exits non-zero on the first failure.
 *
 * Usage: node dist/scripts/check-package.js /tmp/prefix/bin/tars-trading-mcp
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const PROFILES = ['analyst', 'council', 'executor'] as const;

async function checkProfile(bin: string, profile: (typeof PROFILES)[number]): Promise<string> {
  const cwd = mkdtempSync(join(tmpdir(), 'tars-installed-'));
  const env = { PATH: process.env.PATH ?? '', HOME: cwd, TRADING_MCP_LOG_LEVEL: 'warn' };
  const transport = new StdioClientTransport({ command: bin, args: ['--profile', profile, '--data-dir', join(cwd, 'data')], env, cwd, stderr: 'inherit' });
  const client = new Client({ name: 'package-check', version: '1.0.0' });
  await client.connect(transport);
  try {
    const { tools } = await client.listTools();
    if (!tools.some((t) => t.name === 'get_account')) throw new Error(`${profile}: get_account not listed`);
    const result = await client.callTool({ name: 'get_account', arguments: {} });
    const structured = result.structuredContent as { mode?: string } | undefined;
    if (result.isError || structured?.mode !== 'sim') throw new Error(`${profile}: get_account failed: ${JSON.stringify(result.content)}`);
    const lessons = await client.callTool({ name: 'search_lessons', arguments: { query: 'market order at the open', k: 3 } });
    if (lessons.isError) throw new Error(`${profile}: search_lessons failed: ${JSON.stringify(lessons.content)}`);
    return `${profile}: ${tools.length} tools, get_account (sim) and search_lessons answered`;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const bin = process.argv[2];
  if (!bin) throw new Error('usage: check-package.js PATH_TO_INSTALLED_BIN');
  for (const profile of PROFILES) process.stdout.write(`package check: ${await checkProfile(bin, profile)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`package check failed: ${(err as Error).message}\n`);
  process.exit(1);
});
