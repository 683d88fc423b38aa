/**
 * Fail closed on a PostgreSQL store (SPEC §16): any error of a statement — a lost connection, a
 * statement timeout, a constraint or type error — becomes ToolError STORE_UNAVAILABLE, never a raw
 * driver error a caller might mistake for "not found" or let pass. ToolErrors the store raises on
 * purpose (a refusal, or STORE_UNAVAILABLE already) go through unchanged.
 *
 * @example
 *   take(id, hash) { return failClosed('the approval store', async () => (await query(pool, SQL, [id, hash])).length === 1); }
 */
import { ToolError } from '../../errors.js';
import { unavailable, isUnavailable } from './pool.js';

export async function failClosed<T>(store: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ToolError) throw err;
    if (isUnavailable(err)) throw unavailable(err);
    const code = (err as { code?: string }).code;
    throw new ToolError('STORE_UNAVAILABLE', `${store} on the database failed: ${(err as Error).message ?? String(err)}`, {
      reason: code ?? 'database_error',
    });
  }
}

/**
 * The same for the named methods of a store object: each call that rejects with anything but a
 * ToolError rejects with STORE_UNAVAILABLE instead. For a store written before failClosed whose plain
 * statements let a driver error through (the gate store's reads). Name only the public methods: a helper
 * called inside a transaction must let the driver's error reach withTransaction (retry, broken connection).
 */
export function failClosedMethods<T extends object>(target: T, store: string, names: readonly (keyof T & string)[]): T {
  const t = target as Record<string, unknown>;
  for (const n of names) {
    const method = t[n] as (...args: unknown[]) => unknown;
    t[n] = (...args: unknown[]) => failClosed(store, async () => method.apply(target, args));
  }
  return target;
}
