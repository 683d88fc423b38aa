/**
 * The fetch the openai clients use: one request over node:http/https with keep-alive agents, the reply read
 * whole and handed back as a WHATWG Response. Node 20's built-in fetch (undici) costs ~0.2–0.4 ms of the event
 * loop per call before and after the bytes move; a council sends 2–8 calls at once, and that work, done one
 * call after another, lands in front of the slowest member (issue 21: 8 members went from slowest + 18 ms to
 * slowest + 12 ms by this alone).
 *
 * What it does the way fetch does: the method, headers and a string or byte body (with its content-length);
 * the signal (an abort rejects with an AbortError, as openai expects, before or during the reply); a gzip,
 * deflate or br reply is decoded (identity is asked for). Idle sockets are kept no longer than the server's
 * Keep-Alive hint less a second (Node's agent) and at most IDLE_SOCKET_MS (undici's 4 s default).
 * What it does not: follow redirects (a gateway URL must be the final one: a 3xx is answered as an error
 * status), stream a reply (the router sends stream: false) — and any other body (a stream, a form) is handed to
 * the built-in fetch.
 */
import { Agent as HttpAgent, type IncomingMessage, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

/** Idle keep-alive sockets are closed after this long (the server's own hint, less a second, when shorter). */
export const IDLE_SOCKET_MS = 4_000;

const agents = {
  http: new HttpAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  https: new HttpsAgent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

/** Statuses whose Response may carry no body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

const abortError = (signal: AbortSignal): Error =>
  signal.reason instanceof Error && signal.reason.name === 'AbortError' ? signal.reason : new DOMException('This operation was aborted', 'AbortError');

function headerRecord(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function bodyBytes(body: RequestInit['body']): Buffer | null | undefined {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return undefined; // a stream, a form, a blob: not ours
}

function decoded(res: IncomingMessage, raw: Buffer): Buffer {
  const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'identity' || raw.length === 0) return raw;
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  if (encoding === 'br') return brotliDecompressSync(raw);
  throw new TypeError(`unsupported content-encoding ${encoding}`);
}

function responseOf(res: IncomingMessage, raw: Buffer): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i]!;
    // the body handed over is decoded: its length and encoding are no longer the wire's
    if (/^content-(encoding|length)$/i.test(name)) continue;
    headers.append(name, res.rawHeaders[i + 1]!);
  }
  const status = res.statusCode ?? 0;
  const body = NULL_BODY.has(status) ? null : decoded(res, raw);
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers });
}

/** A fetch for JSON APIs over keep-alive sockets (see the module note). */
export const httpFetch: typeof fetch = (input, init = {}) => {
  const bytes = bodyBytes(init.body);
  if (bytes === undefined || input instanceof Request || init.redirect === 'error') return fetch(input, init);
  const url = input instanceof URL ? input : new URL(String(input));
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') return fetch(input, init);
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const headers = headerRecord(init.headers);
    headers['accept-encoding'] ??= 'identity';
    if (bytes) headers['content-length'] = String(bytes.length);
    const fail = (err: unknown) => reject(signal?.aborted ? abortError(signal) : err);
    const send = secure ? httpsRequest : httpRequest;
    const req = send(url, { method: (init.method ?? 'GET').toUpperCase(), headers, agent: secure ? agents.https : agents.http }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', fail);
      res.on('end', () => {
        try {
          resolve(responseOf(res, Buffer.concat(chunks)));
        } catch (err) {
          reject(err);
        }
      });
      res.on('close', () => {
        if (!res.complete) fail(new TypeError('the connection closed before the reply ended'));
      });
    });
    const onAbort = () => req.destroy(abortError(signal!));
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('close', () => signal?.removeEventListener('abort', onAbort));
    req.on('error', fail);
    req.end(bytes ?? undefined);
  });
};
