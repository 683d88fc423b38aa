/**
 * Streamable HTTP: one MCP server per session, at most `http.maxSessions` of them, each closed
 * after `http.sessionIdleMs` without a request and usable only with the Authorization it was
 * opened with (./http-sessions.ts). Loopback by default with Host checks against DNS rebinding
 * and an exact Origin check (./origin.ts); a non-loopback bind needs TRADING_MCP_HTTP_TOKEN and
 * then requires it as a bearer token on every request. With `http.stateless` there are no
 * sessions at all: each POST gets a throw-away server (./http-stateless.ts), behind the same checks.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError } from '../config.js';
import type { Deps } from '../deps.js';
import { buildServer } from '../server.js';
import { jsonRpcError, type Req, type Res, requestId } from './http-rpc.js';
import { credentialOf, SessionRegistry, type SessionSlot } from './http-sessions.js';
import { statelessHandler } from './http-stateless.js';
import { allowedOrigins, originAllowed } from './origin.js';

type Next = () => void;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** A secret compared in constant time (a header that is absent or repeated never matches). */
export function secretMatches(expected: string, given: string | string[] | undefined): boolean {
  if (typeof given !== 'string') return false;
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export function tokenMatches(expected: string, header: string | undefined): boolean {
  return Boolean(header?.startsWith('Bearer ')) && secretMatches(expected, header!.slice('Bearer '.length));
}

/**
 * The Host header names the server answers to (port-agnostic, checked by the SDK's DNS-rebinding
 * guard): the loopback names, the bind address unless it is a wildcard (nobody addresses 0.0.0.0),
 * and the `--allowed-hosts` the operator listed (the machine's name or IP when bound off loopback).
 */
export function hostNames(host: string, extra: readonly string[]): string[] {
  const bracket = (name: string) => (name.includes(':') && !name.startsWith('[') ? `[${name}]` : name);
  const own = host === '0.0.0.0' || host === '::' ? [] : [bracket(host)];
  return [...new Set(['127.0.0.1', 'localhost', '[::1]', ...own, ...extra.map(bracket)])];
}

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

type Sessions = SessionRegistry<StreamableHTTPServerTransport>;

/** POST/GET/DELETE /mcp: route to the caller's own session, or open one if there is room. */
function sessionHandler(deps: Deps, sessions: Sessions): (req: Req, res: Res) => Promise<void> {
  let capWarnedAt = 0;
  return async (req, res) => {
    const sessionId = req.headers['mcp-session-id'];
    try {
      if (sessionId !== undefined) {
        // Unknown, expired and someone else's sessions all look the same: nothing to learn by probing.
        const transport = typeof sessionId === 'string' ? sessions.find(sessionId, credentialOf(req)) : undefined;
        if (!transport) return jsonRpcError(res, 404, 'Session not found', requestId(req.body));
        res.once('close', sessions.begin(sessionId as string, req.method === 'POST'));
        return await transport.handleRequest(req, res, req.body);
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) return jsonRpcError(res, 400, 'Bad Request: no valid session id');
      const slot = sessions.reserve();
      if (slot) return await openSession(deps, sessions, slot, req, res);
      if (Date.now() - capWarnedAt > 60_000) {
        capWarnedAt = Date.now(); // once a minute, not once per refused client
        deps.log.warn('http session cap reached: refusing new sessions', { maxSessions: deps.config.http.maxSessions });
      }
      refuseAtCap(deps, sessions, req, res);
    } catch (err) {
      deps.log.error('http request failed', { err });
      if (!res.headersSent) jsonRpcError(res, 500, 'Internal server error');
    }
  };
}

function refuseAtCap(deps: Deps, sessions: Sessions, req: Req, res: Res): void {
  const retryAfter = sessions.retryAfterSeconds();
  res.setHeader('Retry-After', String(retryAfter));
  const { maxSessions } = deps.config.http;
  jsonRpcError(
    res,
    503,
    `Server busy: ${maxSessions} HTTP sessions are open, the limit (TRADING_MCP_HTTP_MAX_SESSIONS); close one with DELETE or retry after ${retryAfter} s`,
    requestId(req.body),
  );
}

/** A fresh server and transport for one initialize, bound to the caller's credential. */
async function openSession(deps: Deps, sessions: Sessions, slot: SessionSlot<StreamableHTTPServerTransport>, req: Req, res: Res): Promise<void> {
  const credential = credentialOf(req);
  const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    onsessioninitialized: (id) => slot.commit(id, transport, credential),
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.remove(transport.sessionId);
  };
  try {
    await buildServer(deps).connect(transport);
    await transport.handleRequest(req, res, req.body);
  } finally {
    // An initialize that never completed leaves no server behind and frees its slot.
    if (!slot.committed) {
      slot.release();
      await transport.close().catch(() => undefined);
    }
  }
}

export async function serveHttp(deps: Deps): Promise<HttpHandle> {
  const { host, port, httpToken } = deps.config;
  const loopback = isLoopbackHost(host);
  if (!loopback && !httpToken) {
    throw new ConfigError(`refusing to serve HTTP on non-loopback host ${host} without TRADING_MCP_HTTP_TOKEN`);
  }
  const allowedHosts = hostNames(host, deps.config.http.allowedHosts);
  const app = createMcpExpressApp({ host, allowedHosts });
  const originNames = allowedHosts;
  let origins = new Set<string>(); // filled once the port is bound (--port 0 picks one)

  app.use((req: Req, res: Res, next: Next) => {
    const origin = req.headers.origin;
    if (!originAllowed(origins, origin)) return jsonRpcError(res, 403, `Forbidden: origin ${origin} is not allowed`);
    if (httpToken && !tokenMatches(httpToken, req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return jsonRpcError(res, 401, 'Unauthorized: a valid bearer token is required');
    }
    next();
  });

  const { maxSessions, sessionIdleMs, stateless } = deps.config.http;
  // Stateless: nothing to expire or close at shutdown; the session registry is never built.
  const sessions: Sessions | null = stateless
    ? null
    : new SessionRegistry({ maxSessions, idleMs: sessionIdleMs }, (id) => deps.log.info('http session expired', { session: id, idleMs: sessionIdleMs }));

  const handle = sessions ? sessionHandler(deps, sessions) : statelessHandler(deps, maxSessions);
  app.post('/mcp', handle);
  app.get('/mcp', handle);
  app.delete('/mcp', handle);
  // Prometheus text format, behind the same origin and token checks as /mcp (telemetry/metrics.ts)
  app.get('/metrics', (_req: Req, res: Res) => {
    import('../telemetry/metrics.js')
      .then((m) => m.scrape(deps))
      .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
      .catch((err: Error) => {
        deps.log.error('metrics scrape failed', { err: err.message });
        res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable; see the server log\n');
      });
  });

  const listener: HttpServer = await new Promise((resolve, reject) => {
    const srv = app.listen(port, host, () => resolve(srv));
    srv.once('error', reject);
  });
  // keep idle client sockets longer than clients do (undici keeps them 4 s; Node closes at 5 s and a
  // request sent on a socket as it closes fails with "other side closed")
  listener.keepAliveTimeout = 65_000;
  listener.headersTimeout = 66_000;
  const address = listener.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  origins = allowedOrigins(originNames, boundPort, deps.config.http.allowedOrigins);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/mcp`;
  deps.log.info('serving Streamable HTTP', {
    url,
    profile: deps.profile.name,
    mode: deps.mode,
    auth: Boolean(httpToken),
    stateless,
    maxSessions,
    sessionIdleMs,
  });
  return {
    url,
    async close() {
      await sessions?.closeAll();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
