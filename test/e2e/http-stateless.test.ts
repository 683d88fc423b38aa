import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../support/client.js';
import { type HttpServer, startHttpServer } from '../support/http-server.js';

const children: ChildProcess[] = [];
const startStateless = (args: string[] = [], env: Record<string, string> = {}): Promise<HttpServer> => startHttpServer(children, ['--stateless', ...args], env);

afterEach(() => {
  while (children.length) children.pop()!.kill('SIGKILL');
});

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function connect(
  url: string,
  options: { token?: string; fetch?: typeof fetch } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'stateless-test', version: '1' });
  const headers: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, ...(options.fetch ? { fetch: options.fetch } : {}) });
  await client.connect(transport);
  return { client, transport };
}

/** The JSON-RPC message in a response body, whether it came as JSON or as one SSE event. */
function rpcMessage(body: string): { result?: { tools?: { name: string }[] }; error?: unknown } {
  const data = body.trimStart().startsWith('{') ? body : /^data: (.*)$/m.exec(body)?.[1];
  return JSON.parse(data ?? 'null');
}

const accountOf = (r: Awaited<ReturnType<Client['callTool']>>) => (r.structuredContent as { account?: { equity?: number } } | undefined)?.account;

describe('Streamable HTTP --stateless', () => {
  it('tools/list and a tool call work through an SDK client; no session id is handed out; the profile still applies', async () => {
    const { url } = await startStateless(['--profile', 'council']);
    const { client, transport } = await connect(url);
    expect(transport.sessionId).toBeUndefined();
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('get_account');
    expect(names).not.toContain('place_order'); // the council profile has no order tool
    const account = await client.callTool({ name: 'get_account', arguments: {} });
    expect(account.isError).toBeFalsy();
    expect(accountOf(account)?.equity).toBeGreaterThan(0);
    const refused = await client.callTool({ name: 'place_order', arguments: {} });
    expect(refused.isError).toBe(true);
    const bad = await client.callTool({ name: 'get_account', arguments: { bogus: 1 } });
    expect(bad.isError).toBe(true);
    await client.close();
  });

  it('a request needs no earlier initialize (nothing is kept between requests); GET and DELETE are 405', async () => {
    const { url } = await startStateless();
    const res = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(rpcMessage(await res.text()).result?.tools?.map((t) => t.name)).toContain('get_account');
    expect((await fetch(url, { method: 'GET', headers: HEADERS })).status).toBe(405);
    expect((await fetch(url, { method: 'DELETE', headers: HEADERS })).status).toBe(405);
  });

  it('two clients interleaved, and one client spread round-robin over two replicas, all succeed', async () => {
    const dataDir = tempDataDir();
    const [a, b] = await Promise.all([startStateless(['--data-dir', dataDir]), startStateless(['--data-dir', dataDir])]);
    const one = await connect(a.url);
    const two = await connect(a.url);
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      calls.push(one.client.listTools(), two.client.callTool({ name: 'get_account', arguments: {} }));
      calls.push(two.client.listTools(), one.client.callTool({ name: 'get_account', arguments: {} }));
    }
    const results = await Promise.all(calls);
    for (const [i, r] of results.entries()) {
      if (i % 2 === 0) expect((r as { tools: unknown[] }).tools.length).toBeGreaterThan(0);
      else expect(accountOf(r as Awaited<ReturnType<Client['callTool']>>)?.equity).toBeGreaterThan(0);
    }
    // a load balancer that sends each request to the next replica: initialize on one, calls on both
    const replicas = [new URL(a.url), new URL(b.url)];
    let next = 0;
    const served: string[] = [];
    const roundRobin: typeof fetch = (input, init) => {
      const target = replicas[next++ % replicas.length]!;
      served.push(target.port);
      const url = new URL(input instanceof Request ? input.url : input.toString());
      url.port = target.port;
      return fetch(url, init);
    };
    const spread = await connect(a.url, { fetch: roundRobin });
    for (let i = 0; i < 4; i++) expect(accountOf(await spread.client.callTool({ name: 'get_account', arguments: {} }))?.equity).toBeGreaterThan(0);
    expect(new Set(served).size).toBe(2);
    await Promise.all([one.client.close(), two.client.close(), spread.client.close()]);
  });

  it('the token, Host and Origin checks still apply', async () => {
    const token = 'correct-horse-battery-staple-42';
    const { url } = await startStateless([], { TRADING_MCP_HTTP_TOKEN: token });
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect((await fetch(url, { method: 'POST', headers: HEADERS, body })).status).toBe(401);
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(url, { method: 'POST', headers: { ...HEADERS, ...auth, authorization: 'Bearer not-the-token-at-all' }, body })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { ...HEADERS, ...auth, origin: 'https://evil.example' }, body })).status).toBe(403);
    const badHost = await new Promise<number>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { ...HEADERS, ...auth, host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', reject);
      req.end(body);
    });
    expect(badHost).toBe(403);
    await expect(connect(url)).rejects.toThrow();
    const { client } = await connect(url, { token });
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
    await client.close();
  });
});
