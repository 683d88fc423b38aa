/**
 * The one way an Alpaca SDK call is made: 429 waits for Retry-After within the bound, every failure is
 * mapped (errors.ts), and the body is validated against its wire schema before anything uses it.
 */
import type { z } from 'zod';
import type { Deps } from '../../deps.js';
import { ToolError } from '../../errors.js';
import type { FeedUse } from '../alpaca-feed.js';
import { mapAlpacaError } from './errors.js';

export type Sdk = typeof import('@alpacahq/alpaca-trade-api');

export interface CallInfo {
  what: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Market-data calls: the feed asked for, so a plan refusal can say which setting to change. */
  feed?: FeedUse;
}

export interface RawResponse {
  raw: { json(): Promise<unknown>; status: number };
}

export class AlpacaCaller {
  constructor(
    private readonly sdk: Sdk,
    private readonly rateLimitWaitMs: number,
    private readonly log: Deps['log'] | undefined,
  ) {}

  /** The deadline a call's 429 waits must fit in, counted from now. */
  deadline(): number {
    return Date.now() + this.rateLimitWaitMs;
  }

  /** One SDK call: 429 waits within the bound, every failure mapped, the body validated. */
  async call<S extends z.ZodType>(info: CallInfo, fn: () => Promise<RawResponse>, schema: S): Promise<z.output<S>> {
    const deadline = this.deadline();
    for (;;) {
      let response: RawResponse;
      try {
        response = await fn();
      } catch (err) {
        const waitMs = this.rateLimitWait(err, deadline);
        if (waitMs !== null) {
          this.log?.warn('alpaca rate limited; waiting', { what: info.what, waitMs });
          await new Promise((r) => setTimeout(r, waitMs));
          continue;
        }
        throw this.mapError(err, info);
      }
      let body: unknown;
      try {
        body = await response.raw.json();
      } catch (err) {
        throw new ToolError('BROKER_UNAVAILABLE', `Alpaca sent an unreadable answer to ${info.what}: ${(err as Error).message}`, {
          status: response.raw.status,
          reason: 'invalid_response',
          possiblyReachedBroker: info.method !== 'GET',
        });
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) {
        throw new ToolError(
          'BROKER_UNAVAILABLE',
          `Alpaca's answer to ${info.what} did not validate: ${parsed.error.issues
            .slice(0, 3)
            .map((i) => `${i.path.join('.')}: ${i.message}`)
            .join('; ')}`,
          {
            status: response.raw.status,
            reason: 'invalid_response',
            possiblyReachedBroker: info.method !== 'GET',
          },
        );
      }
      return parsed.data;
    }
  }

  /** ms to wait before retrying a 429, or null when it is not a 429 or the wait does not fit the bound. */
  rateLimitWait(err: unknown, deadline: number): number | null {
    const { errors } = this.sdk;
    if (!(err instanceof errors.ApiError) || err.status !== 429) return null;
    const waitMs = Math.max(50, err.retryAfterMs ?? 1000);
    return Date.now() + waitMs <= deadline ? waitMs : null;
  }

  mapError(err: unknown, info: CallInfo): ToolError {
    return mapAlpacaError(this.sdk.errors, err, info);
  }

  /** True for the SDK's HTTP error with this status. */
  isStatus(err: unknown, status: number): err is InstanceType<Sdk['errors']['ApiError']> {
    return err instanceof this.sdk.errors.ApiError && err.status === status;
  }
}
