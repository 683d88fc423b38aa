/**
 * Narrowing without a file (--tools, --exclude-tools, --read-only and their variables) and the
 * start-up refusal of placeholder keys copied from an example: through the built CLI over stdio.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { baseEnv, CLI_PATH, callTool, errorCode, startServer, tempDataDir } from '../support/client.js';

async function listed(args: string[], env: Record<string, string> = {}, profile = 'executor'): Promise<string[]> {
  const server = await startServer({ profile, args, env });
  try {
    return (await server.client.listTools()).tools.map((t) => t.name).sort();
  } finally {
    await server.close();
  }
}

function startFails(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [CLI_PATH, '--data-dir', tempDataDir(), ...args], {
    env: baseEnv(env),
    input: '',
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('narrowing a profile from the command line', () => {
  test('--tools keeps only the named tools; the others are neither listed nor callable', async () => {
    const server = await startServer({ profile: 'executor', args: ['--tools', 'get_account,check_risk'] });
    try {
      expect((await server.client.listTools()).tools.map((t) => t.name).sort()).toEqual(['check_risk', 'get_account']);
      const refused = await callTool(server.client, 'place_order', {});
      expect(errorCode(refused)).toBe('NOT_IN_PROFILE');
      const account = await callTool(server.client, 'get_account', {});
      expect(account.isError).toBeFalsy();
    } finally {
      await server.close();
    }
  });

  test('--exclude-tools and --read-only only remove; the variables do the same', async () => {
    const all = await listed([]);
    const withoutOrders = await listed(['--exclude-tools', 'place_order,replace_order']);
    expect(withoutOrders).toEqual(all.filter((t) => t !== 'place_order' && t !== 'replace_order'));
    const readOnly = await listed(['--read-only']);
    expect(readOnly.length).toBeGreaterThan(0);
    for (const t of ['place_order', 'replace_order', 'close_position', 'halt_trading']) expect(readOnly).not.toContain(t);
    expect(readOnly).toContain('get_account');
    expect(await listed([], { TRADING_MCP_READ_ONLY: 'true' })).toEqual(readOnly);
    expect(await listed([], { TRADING_MCP_TOOLS: 'get_account, get_positions' })).toEqual(['get_account', 'get_positions']);
    expect(await listed([], { TRADING_MCP_EXCLUDE_TOOLS: 'place_order,replace_order' })).toEqual(withoutOrders);
  });

  test('it never adds a tool: a name the profile lacks, an unknown name or an empty selection stop start-up with one line', () => {
    const adding = startFails(['--profile', 'analyst', '--tools', 'get_account,place_order']);
    expect(adding.status).toBe(2);
    expect(adding.stderr).toMatch(/--tools can only narrow the profile: "analyst" has no place_order/);
    const unknown = startFails(['--exclude-tools', 'no_such_tool']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown tools: no_such_tool/);
    const empty = startFails(['--profile', 'analyst', '--tools', 'get_account', '--exclude-tools', 'get_account']);
    expect(empty.stderr).toMatch(/with no tools/);
  });
});

describe('placeholder keys copied from an example', () => {
  test.each([
    ['APCA_API_KEY_ID', { APCA_API_KEY_ID: '<alpaca-paper-key-id>', APCA_API_SECRET_KEY: '<alpaca-paper-secret>' }],
    ['gateway key', { TETRATE_API_KEY: '<your-tetrate-agent-router-key>' }],
    ['TRADING_MCP_HTTP_TOKEN', { TRADING_MCP_HTTP_TOKEN: 'your-token-of-16-chars-or-more' }],
  ])('%s left as a placeholder refuses to start, naming it (never selects Alpaca or counts as configured)', (name, env) => {
    const run = startFails([], env);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(name);
    expect(run.stderr).toMatch(/still a placeholder/);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('halt still works with a placeholder key in the environment (the kill switch needs only the data dir)', () => {
    const dataDir = tempDataDir();
    const run = spawnSync(process.execPath, [CLI_PATH, 'halt', '--data-dir', dataDir, '--reason', 'test'], {
      env: baseEnv({ APCA_API_KEY_ID: '<alpaca-paper-key-id>', APCA_API_SECRET_KEY: '<x>' }),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/halt/i);
  });
});
