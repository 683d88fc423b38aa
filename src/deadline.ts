/**
 * A call under its own deadline and the caller's signal (the council's members, the arena's models): a callee
 * that ignores its signal still cannot hold the caller. Whatever the callee throws once the deadline has fired
 * (an abort error, the router's own timeout a hair earlier or later) comes out as the DeadlineError, so a
 * caller tells a timeout from a failure with one `instanceof`.
 */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

export async function withDeadline<T>(ms: number, parent: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent?.reason);
  parent?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(`no answer within ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([fn(controller.signal), deadline]);
  } catch (err) {
    throw controller.signal.reason instanceof DeadlineError ? controller.signal.reason : err;
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onAbort);
  }
}
