/** Every SDK failure mapped to a ToolError with a stable code and reason (the table in ../alpaca.ts). */
import { ToolError } from '../../errors.js';
import { dataPlanRefusal } from '../alpaca-feed.js';
import type { CallInfo, Sdk } from './call.js';

/** Alpaca's 403 for an order the account cannot pay for (code 40310000, "insufficient buying power"). */
const INSUFFICIENT_BUYING_POWER = /insufficient buying power|buying power or shares is not sufficient/i;
/** Alpaca's code for an order it will not process as asked; on PATCH, an order it will not replace. */
const UNPROCESSABLE = 42210000;

/** Why a 400/422 refused: a reused client_order_id, an order Alpaca will not replace, or invalid input. */
function invalidReason(message: string, code: number | string | undefined, info: CallInfo): string {
  if (/client_order_id must be unique/i.test(message)) return 'duplicate_client_order_id';
  if (info.method === 'PATCH' && Number(code) === UNPROCESSABLE) return 'not_replaceable';
  return 'invalid';
}

/** An HTTP answer from Alpaca, by status. */
function mapApiError(err: InstanceType<Sdk['errors']['ApiError']>, info: CallInfo): ToolError {
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
      new ToolError('BROKER_REJECTED', `Alpaca rejected ${info.what} (403): ${err.message}`, {
        ...base,
        reason: INSUFFICIENT_BUYING_POWER.test(err.message) ? 'insufficient_buying_power' : 'forbidden',
      })
    );
  if (status === 400 || status === 422)
    return new ToolError('BROKER_REJECTED', `Alpaca rejected ${info.what} (${status}): ${err.message}`, {
      ...base,
      reason: invalidReason(err.message, err.code, info),
    });
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
      possiblyReachedBroker: info.method !== 'GET',
    });
  return new ToolError('BROKER_REJECTED', `Alpaca answered ${status} to ${info.what}: ${err.message}`, { ...base, reason: 'unexpected_status' });
}

export function mapAlpacaError(errors: Sdk['errors'], err: unknown, info: CallInfo): ToolError {
  const mutating = info.method !== 'GET';
  if (err instanceof ToolError) return err;
  if (err instanceof errors.ApiError) return mapApiError(err, info);
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
