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
