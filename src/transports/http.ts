/**
 * Streamable HTTP: one MCP server per session, many concurrent sessions. Loopback by default
 * with Host/Origin checks against DNS rebinding; a non-loopback bind needs TRADING_MCP_HTTP_TOKEN
 * and then requires it as a bearer token on every request.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { ConfigError } from '../config.js';
import type { Deps } from '../deps.js';
import { buildServer } from '../server.js';
import { scheduleLessonIngestion } from '../lessons/index.js';

type Req = IncomingMessage & { body?: unknown; headers: IncomingMessage['headers'] };
type Res = ServerResponse & { status(code: number): Res; json(body: unknown): void };
type Next = () => void;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function tokenMatches(expected: string, header: string | undefined): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}

function jsonRpcError(res: Res, status: number, message: string): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

export interface HttpHandle {
  url: string;
  close(): Promise<void>;
}

export async function serveHttp(deps: Deps): Promise<HttpHandle> {
  const { host, port, httpToken } = deps.config;
  const loopback = isLoopbackHost(host);
  if (!loopback && !httpToken) {
    throw new ConfigError(`refusing to serve HTTP on non-loopback host ${host} without TRADING_MCP_HTTP_TOKEN`);
  }
  const allowedHosts = loopback ? undefined : [host, 'localhost', '127.0.0.1', '[::1]'];
  const app = createMcpExpressApp(loopback ? { host: LOOPBACK.has(host) ? host : '127.0.0.1' } : { host, allowedHosts: allowedHosts! });
  const originHosts = new Set(loopback ? ['127.0.0.1', 'localhost', '[::1]', host] : allowedHosts!);

  app.use((req: Req, res: Res, next: Next) => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost = '';
      try {
        originHost = new URL(origin).hostname;
      } catch {
        // unparsable origin: refused below
      }
      if (!originHosts.has(originHost)) return jsonRpcError(res, 403, `Forbidden: origin ${origin} is not allowed`);
    }
    if (httpToken && !tokenMatches(httpToken, req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return jsonRpcError(res, 401, 'Unauthorized: a valid bearer token is required');
    }
    next();
  });

  const sessions = new Map<string, StreamableHTTPServerTransport>();

  const handle = async (req: Req, res: Res) => {
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    try {
      if (existing) return await existing.handleRequest(req, res, req.body);
      if (sessionId !== undefined) return jsonRpcError(res, 404, 'Session not found');
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) return jsonRpcError(res, 400, 'Bad Request: no valid session id');
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      const server = buildServer(deps);
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      deps.log.error('http request failed', { err });
      if (!res.headersSent) jsonRpcError(res, 500, 'Internal server error');
    }
  };
  app.post('/mcp', handle);
  app.get('/mcp', handle);
  app.delete('/mcp', handle);

  const listener: HttpServer = await new Promise((resolve, reject) => {
    const srv = app.listen(port, host, () => resolve(srv));
    srv.once('error', reject);
  });
  const address = listener.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}/mcp`;
  scheduleLessonIngestion(deps); // background, once listening: never on the cold-start path
  deps.log.info('serving Streamable HTTP', { url, profile: deps.profile.name, mode: deps.mode, auth: Boolean(httpToken) });
  return {
    url,
    async close() {
      for (const transport of sessions.values()) await transport.close().catch(() => undefined);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
