/** The request/response shapes the HTTP transport handles and its JSON-RPC error replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Req = IncomingMessage & { body?: unknown; headers: IncomingMessage['headers'] };
export type Res = ServerResponse & { status(code: number): Res; json(body: unknown): void };

export function jsonRpcError(res: Res, status: number, message: string, id: unknown = null): void {
  res.status(status).json({ jsonrpc: '2.0', error: { code: -32000, message }, id });
}

/** The JSON-RPC id of a request body, when it has a usable one. */
export function requestId(body: unknown): unknown {
  const id = (body as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
