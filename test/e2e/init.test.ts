/**
 * `tars-trading-mcp init` without a terminal: flags and the variables already set; it writes the
 * config file (0600), runs doctor on it, prints the named client's snippet, and that snippet's
 * arguments start the configured server. Secrets never appear in what it prints.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { baseEnv, CLI_PATH, startServer, tempDataDir } from '../support/client.js';

function init(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI_PATH, 'init', ...args], { env: baseEnv(env), input: '', encoding: 'utf8', timeout: 30_000 });
}

describe('tars-trading-mcp init', () => {
  test('writes the config, runs doctor, prints a snippet whose arguments start that server', async () => {
    const dataDir = join(tempDataDir(), 'home');
    const run = init(['--profile', 'executor', '--data-dir', dataDir, '--client', 'vscode']);
    expect(run.status).toBe(0);
    const path = join(dataDir, 'config.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ profile: 'executor', dataDir });
    expect(run.stdout).toMatch(/broker sim, gateway key not set/);
    expect(run.stdout).toMatch(/doctor:\n +ok +server +profile +executor/);
    const snippet = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { servers: Record<string, { type: string; command: string; args: string[] }> };
    const entry = snippet.servers['tars-executor']!;
    expect(entry).toMatchObject({ type: 'stdio', command: 'tars-trading-mcp', args: ['--config', path] });
    const server = await startServer({ args: entry.args });
    try {
      expect((await server.client.listTools()).tools.map((t) => t.name)).toContain('place_order'); // executor, from the file
    } finally {
      await server.close();
    }
    const again = init(['--data-dir', dataDir]);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/exists; pass --force/);
  });

  test('keys come from the variables set, land only in the 0600 file, and are never printed', () => {
    const dataDir = join(tempDataDir(), 'home');
    const secret = 'sk-test-gateway-secret-0123456789';
    const run = init(['--data-dir', dataDir, '--client', 'claude-code', '--force'], { TETRATE_API_KEY: secret, LLM_GATEWAY_BASE_URL: 'http://127.0.0.1:9/v1' });
    expect(run.stdout + run.stderr).not.toContain(secret);
    expect(run.stdout).toMatch(/gateway key set/);
    expect(run.stdout).toMatch(/claude mcp add tars-analyst -- tars-trading-mcp --config /);
    expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')).gateway).toEqual({ apiKey: secret });
  });

  test('a wrong profile or client stops with one line and leaves no file', () => {
    const dataDir = join(tempDataDir(), 'home');
    const bad = init(['--profile', 'trader', '--data-dir', dataDir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown profile "trader"/);
    expect(() => statSync(join(dataDir, 'config.json'))).toThrow();
    expect(init(['--client', 'emacs', '--data-dir', dataDir]).stderr).toMatch(/unknown client "emacs"/);
  });
});
