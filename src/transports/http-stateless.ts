/**
 * `--transport http --stateless`: no session ids and nothing kept between requests, so any
 * replica behind any load balancer can answer any request. Each POST is served by a fresh MCP
 * server and transport (the SDK's stateless pattern, `sessionIdGenerator: undefined`) that are
 * closed when the response is. The token, Host and Origin checks run before this handler, as for
 * sessions, and the server is built from the same profile. What is lost: no GET notification
 * stream (405), so nothing server-initiated outlives the request that caused it; no resumability;
 * no session idle limit (nothing lives to expire). Progress within one call still streams on its
 * own response.
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Deps } from '../deps.js';
import { buildServer } from '../server.js';
import { jsonRpcError, type Req, type Res, requestId } from './http-rpc.js';

export interface StatelessHandler {
  (req: Req, res: Res): Promise<void>;
  /** Requests being answered now. */
  readonly inFlight: number;
}

/**
 * POST /mcp served by a throw-away server. At most `maxInFlight` at once (each builds a server):
 * past that a request is answered 503 with `Retry-After: 1` and builds nothing.
 */
export function statelessHandler(deps: Deps, maxInFlight: number): StatelessHandler {
  let inFlight = 0;
  const handle = async (req: Req, res: Res): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return jsonRpcError(res, 405, 'Method not allowed: this server is stateless (POST only, no sessions)');
    }
    if (inFlight >= maxInFlight) {
      res.setHeader('Retry-After', '1');
      return jsonRpcError(res, 503, `Server busy: ${maxInFlight} requests in flight (TRADING_MCP_HTTP_MAX_SESSIONS); retry`, requestId(req.body));
    }
    inFlight++;
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const server = buildServer(deps);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
      void transport.close().catch(() => undefined);
      void server.close().catch(() => undefined);
    };
    res.once('close', release);
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      deps.log.error('http request failed', { err });
      if (!res.headersSent) jsonRpcError(res, 500, 'Internal server error', requestId(req.body));
      release();
    }
  };
  return Object.defineProperty(handle, 'inFlight', { get: () => inFlight }) as StatelessHandler;
}
