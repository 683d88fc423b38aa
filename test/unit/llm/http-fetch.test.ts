import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { httpFetch } from '../../../src/llm/http-fetch.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: Handler): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
};

describe('httpFetch (the openai clients’ fetch)', () => {
  it('sends the method, headers and body with its length, and answers a Response with status, headers and JSON', async () => {
    let seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
    const url = await serve((req, body, res) => {
      seen = { method: req.method, headers: req.headers, body };
      json(res, 201, { ok: true, echo: JSON.parse(body) }, { 'x-request-id': 'r-1' });
    });
    const body = JSON.stringify({ text: 'héllo' });
    const res = await httpFetch(`${url}/v1/x`, { method: 'post', headers: { 'content-type': 'application/json', 'x-a': 'b' }, body });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('r-1');
    expect(await res.json()).toEqual({ ok: true, echo: { text: 'héllo' } });
    expect(seen.method).toBe('POST');
    expect(seen.headers?.['x-a']).toBe('b');
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(seen.headers?.['accept-encoding']).toBe('identity');
    expect(seen.body).toBe(body);
  });

  it('decodes a gzip reply, and answers a 204 with no body', async () => {
    const url = await serve((req, _body, res) => {
      if (req.url === '/empty') {
        res.writeHead(204);
        res.end();
        return;
      }
      const zipped = gzipSync(JSON.stringify({ zipped: true }));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(zipped.length) });
      res.end(zipped);
    });
    const res = await httpFetch(`${url}/zip`);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.json()).toEqual({ zipped: true });
    const empty = await httpFetch(`${url}/empty`, { method: 'DELETE' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('rejects with an AbortError when the signal fires before the request or while the reply is awaited', async () => {
    const url = await serve(() => undefined); // never answers
    const early = new AbortController();
    early.abort();
    await expect(httpFetch(url, { method: 'POST', body: '{}', signal: early.signal })).rejects.toMatchObject({ name: 'AbortError' });
    const late = new AbortController();
    const pending = httpFetch(url, { method: 'POST', body: '{}', signal: late.signal });
    setTimeout(() => late.abort(), 30);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('rejects when the server drops the connection, before or in the middle of the reply', async () => {
    const url = await serve((req, _body, res) => {
      if (req.url === '/reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 10);
    });
    await expect(httpFetch(`${url}/reset`, { method: 'POST', body: '{}' })).rejects.toThrow();
    await expect(httpFetch(`${url}/cut`, { method: 'POST', body: '{}' })).rejects.toThrow(/closed before the reply ended|aborted|socket hang up/);
  });

  it('is what the openai client needs: a reply, a timeout, a cancellation and a refused connection each read as the SDK reads them with fetch', async () => {
    const url = await serve((req, _body, res) => {
      if (req.url?.includes('slow')) return; // hangs
      json(res, 200, { object: 'list', data: [{ id: 'm-1', object: 'model', created: 0, owned_by: 'x' }] });
    });
    const client = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1`, maxRetries: 0, fetch: httpFetch });
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['m-1']);
    const slow = new OpenAI({ apiKey: 'k', baseURL: `${url}/v1/slow`, maxRetries: 0, timeout: 50, fetch: httpFetch });
    await expect(slow.models.list()).rejects.toBeInstanceOf(APIConnectionTimeoutError);
    const user = new AbortController();
    setTimeout(() => user.abort(), 30);
    await expect(slow.models.list({ signal: user.signal, timeout: 5_000 })).rejects.toBeInstanceOf(APIUserAbortError);
    const refused = new OpenAI({ apiKey: 'k', baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0, fetch: httpFetch });
    await expect(refused.models.list()).rejects.toBeInstanceOf(APIConnectionError);
  });

  it('reuses one keep-alive connection for calls one after another', async () => {
    const ports = new Set<number>();
    const url = await serve((req, _body, res) => {
      ports.add(req.socket.remotePort!);
      json(res, 200, { ok: true });
    });
    for (let i = 0; i < 5; i++) await (await httpFetch(url, { method: 'POST', body: '{}' })).json();
    expect(ports.size).toBe(1);
  });
});
