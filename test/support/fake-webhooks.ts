/**
 * Loopback stand-ins for the notification APIs, answering as each does: Slack's incoming webhook (200 "ok";
 * 429 with Retry-After), Discord's webhook (204; 429 with a JSON `retry_after` in seconds), Telegram's Bot API
 * sendMessage (200 {ok: true, result}; 429 {ok: false, error_code: 429, parameters: {retry_after}}). Each can be
 * told to rate-limit the next N posts or to hang (never answer).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Flavour = 'slack' | 'discord' | 'telegram';

export interface FakeWebhook {
  url: string;
  posts: Array<{ path: string; body: Record<string, unknown>; answered: number | null }>;
  rateLimit(n: number, retryAfterSec: number): void;
  hang(on: boolean): void;
  close(): Promise<void>;
}

function limited(flavour: Flavour, retryAfter: number): { status: number; headers: Record<string, string>; body: string } {
  if (flavour === 'slack') return { status: 429, headers: { 'retry-after': String(retryAfter), 'content-type': 'text/plain' }, body: 'rate_limited' };
  if (flavour === 'discord')
    return {
      status: 429,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'You are being rate limited.', retry_after: retryAfter, global: false }),
    };
  return {
    status: 429,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok: false, error_code: 429, description: `Too Many Requests: retry after ${retryAfter}`, parameters: { retry_after: retryAfter } }),
  };
}

function ok(flavour: Flavour, body: Record<string, unknown>): { status: number; headers: Record<string, string>; body: string } {
  if (flavour === 'slack') return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
  if (flavour === 'discord') return { status: 204, headers: {}, body: '' };
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ok: true, result: { message_id: 1, chat: { id: body.chat_id }, text: body.text } }),
  };
}

export async function startFakeWebhook(flavour: Flavour): Promise<FakeWebhook> {
  let limit = { n: 0, after: 1 };
  let hanging = false;
  const posts: FakeWebhook['posts'] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const entry = { path: req.url ?? '', body: JSON.parse(raw || '{}') as Record<string, unknown>, answered: null as number | null };
      posts.push(entry);
      if (hanging) return; // never answers: the client must time out
      const reply = limit.n > 0 ? (limit.n--, limited(flavour, limit.after)) : ok(flavour, entry.body);
      entry.answered = reply.status;
      res.writeHead(reply.status, reply.headers).end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: flavour === 'telegram' ? base : `${base}/hook`,
    posts,
    rateLimit: (n, after) => {
      limit = { n, after };
    },
    hang: (on) => {
      hanging = on;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
