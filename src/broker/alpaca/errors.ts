/** Every SDK failure mapped to a ToolError with a stable code and reason (the table in ../alpaca.ts). */
import { ToolError } from '../../errors.js';
import { dataPlanRefusal } from '../alpaca-feed.js';
import type { CallInfo, Sdk } from './call.js';

export function mapAlpacaError(errors: Sdk['errors'], err: unknown, info: CallInfo): ToolError {
  const mutating = info.method !== 'GET';
  if (err instanceof ToolError) return err;
  if (err instanceof errors.ApiError) {
    const status = err.status;
    const base = { status, ...(err.code !== undefined ? { alpacaCode: err.code } : {}), ...(err.requestId ? { requestId: err.requestId } : {}) };
    if (status === 401)
      return new ToolError('BROKER_UNAVAILABLE', `Alpaca refused the API keys (401): ${err.message}`, {
        ...base,
        reason: 'unauthorized',
        possiblyReachedBroker: false,
      });
    if (status === 403)
      return (
        dataPlanRefusal(info.feed, status, err.message, info.what, base) ??
        new ToolError('BROKER_REJECTED', `Alpaca rejected ${info.what} (403): ${err.message}`, { ...base, reason: 'forbidden' })
      );
    if (status === 400 || status === 422) {
      const duplicate = /client_order_id must be unique/i.test(err.message);
      return new ToolError('BROKER_REJECTED', `Alpaca rejected ${info.what} (${status}): ${err.message}`, {
        ...base,
        reason: duplicate ? 'duplicate_client_order_id' : 'invalid',
      });
    }
    if (status === 404) return new ToolError('NOT_FOUND', `Alpaca does not know ${info.what.replace(/^\w+ /, '')} (404): ${err.message}`, { ...base });
    if (status === 429) {
      return new ToolError('BROKER_UNAVAILABLE', `Alpaca is rate limiting us (429); retry in ${Math.ceil((err.retryAfterMs ?? 0) / 1000)} s`, {
        ...base,
        reason: 'rate_limited',
        retryAfterMs: err.retryAfterMs ?? null,
        possiblyReachedBroker: false,
      });
    }
    if (status >= 500)
      return new ToolError('BROKER_UNAVAILABLE', `Alpaca failed on ${info.what} (${status}): ${err.message}`, {
        ...base,
        reason: 'server_error',
        possiblyReachedBroker: mutating,
      });
    return new ToolError('BROKER_REJECTED', `Alpaca answered ${status} to ${info.what}: ${err.message}`, { ...base, reason: 'unexpected_status' });
  }
  if (err instanceof errors.FetchError) {
    const cause = err.cause as (Error & { cause?: { code?: string }; code?: string }) | undefined;
    const name = cause?.name ?? '';
    const code = cause?.cause?.code ?? cause?.code ?? '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      return new ToolError('BROKER_UNAVAILABLE', `Alpaca did not answer ${info.what} in time`, {
        status: null,
        reason: 'timeout',
        possiblyReachedBroker: mutating,
      });
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return new ToolError('BROKER_UNAVAILABLE', `cannot connect to Alpaca for ${info.what} (${code})`, {
        status: null,
        reason: 'connection_refused',
        possiblyReachedBroker: false,
      });
    }
    return new ToolError(
      'BROKER_UNAVAILABLE',
      `the connection to Alpaca failed during ${info.what}: ${cause?.message ?? err.message}${code ? ` (${code})` : ''}`,
      { status: null, reason: 'connection_reset', possiblyReachedBroker: mutating },
    );
  }
  return new ToolError('BROKER_UNAVAILABLE', `Alpaca call ${info.what} failed: ${(err as Error).message}`, {
    status: null,
    reason: 'client_error',
    possiblyReachedBroker: mutating,
  });
}
