import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, CLI_PATH, tempDataDir } from '../support/client.js';

const children: ChildProcess[] = [];
afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
});

/** Start `--transport http --port 0` and read the bound URL from the JSON log on stderr. */
async function startHttp(args: string[], env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [CLI_PATH, '--transport', 'http', '--port', '0', '--data-dir', tempDataDir(), ...args], { env: baseEnv(env) });
  children.push(child);
  let err = '';
  return await new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      const m = /"url":"(http:[^"]+)"/.exec(err);
      if (m) resolve({ url: m[1]!, child });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

async function connect(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1' });
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

describe('Streamable HTTP', () => {
  it('serves many concurrent clients on loopback, each with its own session', async () => {
    const { url } = await startHttp(['--profile', 'council']);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const clients = await Promise.all(Array.from({ length: 8 }, () => connect(url)));
    const lists = await Promise.all(clients.map((c) => c.listTools()));
    for (const l of lists) expect(l.tools.map((t) => t.name)).not.toContain('place_order');
    const ids = new Set(clients.map((c) => (c as unknown as { _transport: StreamableHTTPClientTransport })._transport.sessionId));
    expect(ids.size).toBe(8);
    await Promise.all(clients.map((c) => c.ping()));
    await Promise.all(clients.map((c) => c.close()));
  });

  it('rejects a DNS-rebinding Host and a foreign Origin', async () => {
    const { url } = await startHttp([]);
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    // fetch may not set Host (a forbidden header), so speak raw HTTP for the rebinding case.
    const badHost = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...headers, host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(JSON.stringify(init));
    });
    expect(badHost).toBe(403);
    const badOrigin = await fetch(url, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body: JSON.stringify(init) });
    expect(badOrigin.status).toBe(403);
    const ok = await fetch(url, { method: 'POST', headers: { ...headers, origin: 'http://localhost:6274' }, body: JSON.stringify(init) });
    expect(ok.status).toBe(200);
  });

  it('a non-loopback bind without TRADING_MCP_HTTP_TOKEN refuses to start', async () => {
    await expect(startHttp(['--host', '0.0.0.0'])).rejects.toThrow(/TRADING_MCP_HTTP_TOKEN/);
  });

  it('with a token: a wrong or missing token gets 401, the right one works', async () => {
    const token = 'correct-horse-battery-staple-42';
    const { url: bound } = await startHttp(['--host', '0.0.0.0'], { TRADING_MCP_HTTP_TOKEN: token });
    const url = bound.replace('0.0.0.0', '127.0.0.1');
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    expect((await fetch(url, { method: 'POST', headers, body })).status).toBe(401);
    const wrong = await fetch(url, { method: 'POST', headers: { ...headers, authorization: 'Bearer not-the-token-at-all' }, body });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer');
    await expect(connect(url, 'not-the-token-at-all')).rejects.toThrow();
    const client = await connect(url, token);
    expect(client.getServerVersion()?.name).toBe('tars-trading-mcp');
    await expect(client.listTools()).resolves.toBeDefined();
    await client.close();
  });
});
