/**
 * How the router reads a failed or odd gateway answer: which errors are worth a retry, what a
 * Retry-After asks for, how a failure is recorded, and whether a served model is the one requested.
 */
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { BrokenCircuitError } from 'cockatiel';
import { ToolError } from '../errors.js';

/** Same model, allowing a gateway's vendor prefix and a dated/pinned suffix (claude-opus-4-5 → anthropic/claude-opus-4-5-20251101). */
export function sameModel(requested: string, served: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/^[\w.-]+\//, '');
  const a = norm(requested);
  const b = norm(served);
  if (a === b) return true;
  return b.startsWith(a) && /^[-@:](\d{4}-?\d{2}-?\d{2}|latest|v\d+(\.\d+)*)$/.test(b.slice(a.length));
}

export function retryAfterMs(err: unknown): number | undefined {
  if (!(err instanceof APIError) || !err.headers) return undefined;
  const ms = err.headers.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = err.headers.get('retry-after');
  if (!ra) return undefined;
  if (Number.isFinite(Number(ra))) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/** 429, 408, 409, 5xx, timeouts, resets and unparseable replies are worth another try. */
export function isTransient(err: unknown): boolean {
  if (err instanceof BrokenCircuitError || err instanceof APIUserAbortError) return false;
  if (err instanceof APIConnectionError) return true; // includes APIConnectionTimeoutError, ECONNRESET
  if (err instanceof APIError) return err.status === 408 || err.status === 409 || err.status === 429 || (err.status !== undefined && err.status >= 500);
  return err instanceof SyntaxError; // a malformed body
}

export function classifyFailure(err: unknown): { outcome: string; message: string; status?: number } {
  if (err instanceof BrokenCircuitError) return { outcome: 'circuit_open', message: 'circuit open' };
  if (err instanceof APIUserAbortError) return { outcome: 'aborted', message: 'aborted' };
  if (err instanceof APIConnectionError)
    return { outcome: err.constructor.name === 'APIConnectionTimeoutError' ? 'timeout' : 'connection_error', message: err.message };
  if (err instanceof APIError)
    return {
      outcome: err.status === 429 ? 'rate_limited' : `http_${err.status ?? 'error'}`,
      message: err.message,
      ...(err.status !== undefined ? { status: err.status } : {}),
    };
  if (err instanceof SyntaxError) return { outcome: 'malformed_reply', message: err.message };
  if (err instanceof ToolError) return { outcome: err.code.toLowerCase(), message: err.message };
  return { outcome: 'error', message: (err as Error)?.message ?? String(err) };
}
