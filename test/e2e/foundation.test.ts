import { spawnSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../src/tools/index.js';
import { baseEnv, callTool, CLI_PATH, errorCode, startServer, tempDataDir, type RunningServer } from '../support/client.js';
import { DESTRUCTIVE, READ_ONLY, SPEC_TOOLS } from '../support/profiles.js';

const running: RunningServer[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.close();
});
async function start(profile: string, extra: Parameters<typeof startServer>[0] = {}) {
  const server = await startServer({ profile, ...extra });
  running.push(server);
  return server;
}

const implemented = new Set((await loadCatalogue()).map((t) => t.name));

describe('profiles over stdio', () => {
  for (const profile of ['analyst', 'council', 'executor'] as const) {
    it(`${profile}: lists exactly the SPEC §3 tools, each fully described`, async () => {
      const { client } = await start(profile);
      const { tools } = await client.listTools();
      const names = tools.map((t) => t.name).sort();
      // Tools whose capability has not landed may be absent, never present in the wrong profile.
      expect(names).toEqual(SPEC_TOOLS[profile].filter((n) => implemented.has(n)).sort());
      for (const tool of tools) {
        expect(tool.title, tool.name).toBeTruthy();
        expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(20);
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.outputSchema?.type, tool.name).toBe('object');
        const a = tool.annotations!;
        for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const)
          expect(typeof a[hint], `${tool.name}.${hint}`).toBe('boolean');
        expect(a.readOnlyHint, tool.name).toBe(READ_ONLY[tool.name]);
        expect(a.destructiveHint, tool.name).toBe(DESTRUCTIVE.has(tool.name));
      }
      const instructions = client.getInstructions() ?? '';
      expect(instructions).toContain(`profile "${profile}"`);
      expect(instructions).toContain('mode sim');
    });
  }

  it('refuses a tool outside the profile and an unknown tool, and keeps answering', async () => {
    const { client } = await start('analyst');
    const outside = await callTool(client, 'place_order', { symbol: 'AAPL', side: 'buy', qty: 1, type: 'market' });
    expect(errorCode(outside)).toBe('NOT_IN_PROFILE');
    expect((outside.content as Array<{ text: string }>)[0]!.text).toContain('not available in the "analyst" profile');
    const unknown = await callTool(client, 'rm_rf', {});
    expect(errorCode(unknown)).toBe('NOT_IN_PROFILE');
    await expect(client.ping()).resolves.toBeDefined();
  });

  it('serves trading://mode', async () => {
    const { client, dataDir } = await start('council');
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('trading://mode');
    const read = await client.readResource({ uri: 'trading://mode' });
    const body = JSON.parse((read.contents[0] as { text: string }).text);
    expect(body).toMatchObject({
      profile: 'council',
      mode: 'sim',
      broker: 'sim',
      gatewayConfigured: false,
      budgets: { dailyUsd: 0.83, monthlyUsd: 25 },
      dataDir,
    });
  });

  it('reports a configured gateway key without revealing it', async () => {
    const secret = 'sk-test-0123456789abcdefghijklmnop';
    const { client, stderr } = await start('analyst', { env: { LLM_GATEWAY_API_KEY: secret, TRADING_MCP_LOG_LEVEL: 'debug' } });
    const read = await client.readResource({ uri: 'trading://mode' });
    const text = (read.contents[0] as { text: string }).text;
    expect(JSON.parse(text).gatewayConfigured).toBe(true);
    expect(text).not.toContain(secret);
    expect(stderr()).not.toContain(secret);
  });

  it('accepts a profile file path and applies its read-only filter first', async () => {
    const dir = tempDataDir();
    const path = join(dir, 'ro.json');
    writeFileSync(path, JSON.stringify({ name: 'ro', description: 'read-only executor', readOnly: true, tools: SPEC_TOOLS.executor }));
    const { client } = await start(path);
    const { tools } = await client.listTools();
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
    expect(tools.map((t) => t.name)).not.toContain('place_order');
  });

  it('writes only protocol to stdout', async () => {
    const dataDir = tempDataDir();
    const child = spawn(process.execPath, [CLI_PATH, '--data-dir', dataDir], { env: baseEnv({ TRADING_MCP_LOG_LEVEL: 'debug' }) });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const send = (msg: object) => child.stdin.write(JSON.stringify(msg) + '\n');
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'nope', arguments: { x: 1 } } });
    send({ jsonrpc: '2.0', id: 4, method: 'ping' });
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (out.split('\n').filter(Boolean).length >= 4) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    child.kill();
    const lines = out.split('\n').filter(Boolean);
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
    expect(lines.map((l) => JSON.parse(l).id)).toEqual([1, 2, 3, 4]);
  });
});

describe('start-up refusals', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [CLI_PATH, '--data-dir', tempDataDir(), ...args], { env: baseEnv(env), encoding: 'utf8', input: '', timeout: 15_000 });

  it('an unknown profile exits non-zero with one clear line', () => {
    const r = run(['--profile', 'trader']);
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown profile "trader"');
    expect(r.stdout).toBe('');
  });

  it('a malformed profile file exits non-zero', () => {
    const path = join(tempDataDir(), 'bad.json');
    writeFileSync(path, JSON.stringify({ name: 'bad', description: 'x', tools: ['place_order', 'teleport'] }));
    const r = run(['--profile', path]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('unknown tools: teleport');
    writeFileSync(path, '{ not json');
    expect(run(['--profile', path]).status).not.toBe(0);
  });

  it('a live Alpaca URL without TRADING_MCP_ALLOW_LIVE refuses to start', () => {
    const r = run([], { APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's', APCA_API_BASE_URL: 'https://api.alpaca.markets' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('TRADING_MCP_ALLOW_LIVE');
  });

  it('bad flag values and unknown commands exit non-zero', () => {
    expect(run(['--transport', 'carrier-pigeon']).status).not.toBe(0);
    expect(run(['--port', 'eighty']).status).not.toBe(0);
    expect(run(['launch']).status).not.toBe(0);
    expect(run(['--frobnicate']).status).not.toBe(0);
  });

  it('--help and --version', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('doctor');
    const version = run(['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('doctor runs and reports the data dir owner-only', () => {
    const dataDir = tempDataDir();
    const r = spawnSync(process.execPath, [CLI_PATH, 'doctor', '--json', '--data-dir', join(dataDir, 'fresh')], {
      env: baseEnv(),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const results = JSON.parse(r.stdout) as Array<{ area: string; name: string; status: string; detail: string }>;
    const dir = results.find((x) => x.name === 'data dir');
    expect(dir?.status).toBe('ok');
    expect(dir?.detail).toContain('mode 700');
    // One line per tool group; the default analyst profile hides council_vote and the execution tools.
    const groups = results.filter((x) => x.area === 'tools');
    expect(groups.map((g) => g.name)).toEqual(['lessons', 'market', 'account', 'risk', 'council', 'arena', 'llm', 'execution']);
    expect(groups.find((g) => g.name === 'council')?.detail).toBe('no tool exposed; not in profile analyst: council_vote');
  });
});

describe('MCP logging notifications', () => {
  it('are sent only after the client asks, at the level it asked for', async () => {
    const { client } = await start('analyst');
    const received: Array<{ level: string; data: unknown }> = [];
    const { LoggingMessageNotificationSchema } = await import('@modelcontextprotocol/sdk/types.js');
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      received.push({ level: n.params.level, data: n.params.data });
    });
    await callTool(client, 'no_such_tool', {});
    await client.ping();
    expect(received).toHaveLength(0);
    await client.setLoggingLevel('debug');
    await callTool(client, 'no_such_tool', {});
    await callTool(client, 'get_account', { bogus: 1 });
    await client.ping();
    await new Promise((r) => setTimeout(r, 50));
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => ['debug', 'info', 'warning', 'error'].includes(r.level))).toBe(true);
  });
});
