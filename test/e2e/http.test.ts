import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { baseEnv, CLI_PATH, tempDataDir } from '../support/client.js';
import { startHttpServer, type HttpServer } from '../support/http-server.js';

const startHttp = (args: string[], env: Record<string, string> = {}): Promise<HttpServer> => startHttpServer(children, args, env);

const children: ChildProcess[] = [];

/** This machine's own IPv4 address (not loopback), else 127.0.0.2: a loopback address the server does not list by itself. */
function ownAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.2';
}
afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
});

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

/** One initialize over plain fetch: the status, the session id handed out and the body read whole. */
async function rawInitialize(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; session: string | null; retryAfter: string | null; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(INIT) });
  return { status: res.status, session: res.headers.get('mcp-session-id'), retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

/** A request on an existing session (ping by default); resolves to the HTTP status. */
async function onSession(url: string, session: string, method: 'POST' | 'GET' | 'DELETE', headers: Record<string, string> = {}): Promise<number> {
  const init: RequestInit = { method, headers: { ...MCP_HEADERS, 'mcp-session-id': session, ...headers } };
  if (method === 'POST') init.body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  controller.abort(); // a GET opens a notification stream: the status is all we need
  return res.status;
}

/** Resident set size of a process, in MB, from /proc. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

const sessionOf = (c: Client) => (c as unknown as { _transport: StreamableHTTPClientTransport })._transport;

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
    const ids = new Set(clients.map((c) => sessionOf(c).sessionId));
    expect(ids.size).toBe(8);
    await Promise.all(clients.map((c) => c.ping()));
    await Promise.all(clients.map((c) => c.close()));
  });

  it('rejects a DNS-rebinding Host and a foreign Origin', async () => {
    const { url } = await startHttp([]);
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    };
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
  });

  it('compares Origin as scheme + host + port: another port or scheme on loopback is another site', async () => {
    const { url } = await startHttp([]);
    const port = new URL(url).port;
    const status = async (origin: string) => (await rawInitialize(url, { origin })).status;
    for (const origin of ['http://127.0.0.1:9999', 'http://localhost:6274', `https://127.0.0.1:${port}`, 'null', `http://evil.example:${port}`])
      expect(await status(origin), origin).toBe(403);
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) expect(await status(origin), origin).toBe(200);
    // a browser client on another origin (the MCP Inspector's UI, say) is let in only by name
    const { url: other } = await startHttp([], { TRADING_MCP_HTTP_ORIGINS: 'http://localhost:6274' });
    expect((await rawInitialize(other, { origin: 'http://localhost:6274' })).status).toBe(200);
    expect((await rawInitialize(other, { origin: 'http://localhost:6275' })).status).toBe(403);
  });

  it('a non-loopback bind without TRADING_MCP_HTTP_TOKEN refuses to start', async () => {
    await expect(startHttp(['--host', '0.0.0.0'])).rejects.toThrow(/TRADING_MCP_HTTP_TOKEN/);
  });

  it('with a token: a wrong or missing token gets 401, the right one works', async () => {
    const token = 'correct-horse-battery-staple-42';
    const { url: bound } = await startHttp(['--host', '0.0.0.0'], { TRADING_MCP_HTTP_TOKEN: token });
    const url = bound.replace('0.0.0.0', '127.0.0.1');
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
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

  it("bound to 0.0.0.0 with a token: a request to the machine's own address is refused until --allowed-hosts lists it", async () => {
    const token = 'correct-horse-battery-staple-42';
    const own = ownAddress();
    const plain = await startHttp(['--host', '0.0.0.0'], { TRADING_MCP_HTTP_TOKEN: token });
    const port = new URL(plain.url).port;
    const refused = await rawInitialize(`http://${own}:${port}/mcp`, { authorization: `Bearer ${token}` });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain(`Invalid Host: ${own}`);
    const listed = await startHttp(['--host', '0.0.0.0', '--allowed-hosts', `${own},trading-box.local`], { TRADING_MCP_HTTP_TOKEN: token });
    const url = `http://${own}:${new URL(listed.url).port}/mcp`;
    expect((await rawInitialize(url, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await rawInitialize(url)).status).toBe(401); // the token is still required
    const client = await connect(url, token);
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
    // the same list from the environment; a malformed entry refuses to start
    const viaEnv = await startHttp(['--host', '0.0.0.0'], { TRADING_MCP_HTTP_TOKEN: token, TRADING_MCP_HTTP_ALLOWED_HOSTS: own });
    expect((await rawInitialize(`http://${own}:${new URL(viaEnv.url).port}/mcp`, { authorization: `Bearer ${token}` })).status).toBe(200);
    await expect(startHttp(['--host', '0.0.0.0', '--allowed-hosts', 'http://x:1'], { TRADING_MCP_HTTP_TOKEN: token })).rejects.toThrow(/allowedHosts/);
  });

  it('caps live sessions: past the cap an initialize gets 503 with Retry-After and builds nothing (RSS stays flat)', async () => {
    const { url, child, log } = await startHttp([], { TRADING_MCP_HTTP_MAX_SESSIONS: '4' });
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(url)));
    const refused = await rawInitialize(url);
    expect(refused.status).toBe(503);
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32000, message: expect.stringContaining('TRADING_MCP_HTTP_MAX_SESSIONS') },
    });
    await Promise.all(clients.map((c) => c.ping())); // the four open ones are untouched
    const before = rssMb(child.pid!);
    const statuses: number[] = [];
    for (let batch = 0; batch < 15; batch++) statuses.push(...(await Promise.all(Array.from({ length: 20 }, async () => (await rawInitialize(url)).status))));
    expect(statuses.filter((s) => s === 503)).toHaveLength(300);
    // 300 sessions used to cost ~100 MB; 300 refusals must cost next to nothing
    expect(rssMb(child.pid!) - before).toBeLessThan(30);
    // nothing here is a lessons call: LanceDB (~85 MB of native module) was never loaded to grow RSS
    expect(log()).toContain('serving Streamable HTTP');
    expect(log()).not.toContain('lesson store opened');
    // closing one (DELETE) frees its slot
    await sessionOf(clients[0]!).terminateSession();
    const next = await connect(url);
    await expect(next.ping()).resolves.toBeDefined();
    expect((await rawInitialize(url)).status).toBe(503);
  });

  it('closes a session idle past TRADING_MCP_HTTP_SESSION_IDLE_MS, and its slot opens again; activity keeps one alive', async () => {
    const { url, log } = await startHttp([], { TRADING_MCP_HTTP_MAX_SESSIONS: '2', TRADING_MCP_HTTP_SESSION_IDLE_MS: '1000' });
    const idle = await rawInitialize(url);
    const busy = await rawInitialize(url);
    expect([idle.status, busy.status]).toEqual([200, 200]);
    expect((await rawInitialize(url)).status).toBe(503);
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 250));
      expect(await onSession(url, busy.session!, 'POST')).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(await onSession(url, idle.session!, 'POST')).toBe(404);
    expect(await onSession(url, busy.session!, 'POST')).toBe(200);
    expect(log()).toContain('http session expired');
    expect((await rawInitialize(url)).status).toBe(200);
  });

  it('a session is usable only with the Authorization it was opened with (loopback, no token configured)', async () => {
    const { url } = await startHttp([]);
    const alice = { authorization: 'Bearer alice-own-secret' };
    const mallory = { authorization: 'Bearer mallory' };
    const opened = await rawInitialize(url, alice);
    expect(opened.status).toBe(200);
    const id = opened.session!;
    for (const method of ['POST', 'GET', 'DELETE'] as const) {
      expect(await onSession(url, id, method, mallory), `${method} as mallory`).toBe(404);
      expect(await onSession(url, id, method), `${method} without Authorization`).toBe(404);
    }
    expect(await onSession(url, id, 'POST', alice)).toBe(200); // mallory's DELETE closed nothing
    // a session opened without Authorization is not usable with one either
    const anonymous = (await rawInitialize(url)).session!;
    expect(await onSession(url, anonymous, 'POST', mallory)).toBe(404);
    expect(await onSession(url, anonymous, 'POST')).toBe(200);
    expect(await onSession(url, id, 'DELETE', alice)).toBe(200);
    expect(await onSession(url, id, 'POST', alice)).toBe(404);
    // the SDK client sends its headers on every request, so it keeps its own session
    const client = await connect(url, 'alice-own-secret');
    await expect(client.ping()).resolves.toBeDefined();
    expect(await onSession(url, sessionOf(client).sessionId!, 'POST', mallory)).toBe(404);
    await client.close();
  });
});
