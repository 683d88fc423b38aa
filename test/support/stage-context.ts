/**
 * One gate stage on its own: a fresh attempt's context from a harness gate (real stores, services,
 * sim broker or loopback Alpaca, loopback gateway), with the earlier stages it reads already run.
 */
import { Refusal } from '../../src/execution/attempt.js';
import type { AttemptContext, GateStage } from '../../src/execution/context.js';
import type { PlaceOptions } from '../../src/execution/gate.js';
import { ToolError } from '../../src/errors.js';
import type { Harness } from './execution-harness.js';

export async function contextAfter(h: Harness, raw: unknown, before: readonly GateStage[], options: PlaceOptions = {}): Promise<AttemptContext> {
  const ctx = h.gate.attemptContext(raw, options);
  for (const stage of before) await stage.run(ctx);
  return ctx;
}

/** The code and message of the refusal a stage threw; fails when it did not refuse. */
export async function refusalOf(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (err) {
    if (err instanceof Refusal || err instanceof ToolError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected the stage to refuse');
}
