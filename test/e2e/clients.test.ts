/**
 * Every client snippet the README generates runs: each command line is taken from the README's
 * generated:clients section itself (JSON blocks and `claude mcp add … -- CMD ARGS` lines), run with
 * `tars-trading-mcp` on PATH as `npm install -g .` puts it, and lists its tools through a real MCP
 * client. mcp.json's paper entry, as shipped, refuses to start on its placeholders.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, test } from 'vitest';
import { MCP_JSON_PATH, README_PATH } from '../../scripts/gen-readme.js';
import { CLI_PATH } from '../support/client.js';

interface Snippet {
  client: string;
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** A bin dir holding `tars-trading-mcp`, as a global install links it. */
function installedBin(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tars-bin-'));
  const shim = join(dir, 'tars-trading-mcp');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI_PATH}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

function snippets(): Snippet[] {
  const readme = readFileSync(README_PATH, 'utf8');
  const section = /<!-- generated:clients -->([\s\S]*?)<!-- \/generated:clients -->/.exec(readme)?.[1] ?? '';
  const out: Snippet[] = [];
  let client = '';
  for (const part of section.split(/(```\w*\n[\s\S]*?```)/)) {
    const heading = /\*\*([^*]+)\*\*/g;
    for (const m of part.matchAll(heading)) client = m[1]!;
    const block = /^```(\w*)\n([\s\S]*?)```$/.exec(part);
    if (!block) continue;
    if (block[1] === 'json') {
      const json = JSON.parse(block[2]!) as { mcpServers?: Record<string, Snippet>; servers?: Record<string, Snippet> };
      for (const [name, s] of Object.entries(json.mcpServers ?? json.servers ?? {}))
        out.push({ client, name, command: s.command, args: s.args, env: s.env ?? {} });
    } else {
      for (const line of block[2]!.trim().split('\n')) {
        const m = /^claude mcp add (\S+)((?: -e \S+)*) -- (\S+) (.*)$/.exec(line);
        if (!m) throw new Error(`unreadable snippet line: ${line}`);
        const env = Object.fromEntries([...m[2]!.matchAll(/-e (\w+)=(\S+)/g)].map((e) => [e[1]!, e[2]!]));
        out.push({ client, name: m[1]!, command: m[3]!, args: m[4]!.split(' '), env });
      }
    }
  }
  return out;
}

describe('client snippets', () => {
  const all = snippets();
  const bin = installedBin();
  const PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;

  test('the README documents Claude Desktop, Claude Code, Cursor and VS Code, each with a sim entry that needs no key', () => {
    const clients = new Set(all.map((s) => s.client));
    for (const c of ['Claude Desktop', 'Claude Code', 'Cursor', 'VS Code'])
      expect(
        [...clients].some((x) => x.startsWith(c)),
        c,
      ).toBe(true);
    expect(all.filter((s) => Object.keys(s.env).length === 0).length).toBeGreaterThanOrEqual(4);
  });

  test.each(all.filter((s) => Object.keys(s.env).length === 0).map((s) => [`${s.client}: ${s.name}`, s] as const))(
    '%s starts as written and lists its tools',
    async (_label, s) => {
      const home = mkdtempSync(join(tmpdir(), 'tars-home-'));
      const transport = new StdioClientTransport({ command: s.command, args: s.args, env: { PATH, HOME: home }, cwd: home, stderr: 'pipe' });
      const client = new Client({ name: 'snippet', version: '1' });
      await client.connect(transport);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name)).toContain('get_account');
      } finally {
        await client.close();
      }
    },
  );

  test('mcp.json as shipped: the sim entries need no env; the paper entry refuses to start until its placeholders are replaced', () => {
    const json = JSON.parse(readFileSync(MCP_JSON_PATH, 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string> }>;
    };
    const entries = Object.entries(json.mcpServers);
    expect(entries.filter(([, e]) => !e.env).length).toBeGreaterThanOrEqual(3);
    for (const [, e] of entries.filter(([, x]) => x.env)) {
      const home = mkdtempSync(join(tmpdir(), 'tars-home-'));
      const run = spawnSync(e.command, e.args, { env: { PATH, HOME: home, ...e.env }, input: '', encoding: 'utf8', timeout: 20_000 });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/still a placeholder/);
    }
  });
});
