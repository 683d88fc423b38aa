/** The human stage alone: skipped outside live mode; in live mode only an explicit confirmation passes. */
import { afterEach, describe, expect, it } from 'vitest';
import { humanStage } from '../../../../src/execution/stages/human.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import type { PlaceOptions } from '../../../../src/execution/gate.js';
import { BUY_AAPL, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const live = async (options: PlaceOptions) => {
  h = await startHarness({ mode: 'live' });
  return contextAfter(h, { ...BUY_AAPL, qty: 3 }, [validateStage], options);
};

describe('human stage', () => {
  it('is skipped outside live mode, without asking', async () => {
    h = await startHarness();
    let asked = 0;
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage], { elicit: async () => (asked++, { action: 'accept', content: { confirm: true } }) });
    expect(await humanStage.run(ctx)).toEqual({ outcome: 'skipped', message: 'mode sim: no human confirmation needed' });
    expect(asked).toBe(0);
  });

  it('passes a live order the human confirmed, asked in plain words', async () => {
    const asked: string[] = [];
    const ctx = await live({ elicit: async (message) => (asked.push(message), { action: 'accept', content: { confirm: true } }) });
    expect(await humanStage.run(ctx)).toEqual({ outcome: 'passed', message: 'the human confirmed the live order' });
    expect(asked[0]).toContain('LIVE ORDER — real money. BUY 3 AAPL at market');
    expect(ctx.result.human).toEqual({ action: 'accept', confirmed: true });
  });

  it('refuses HUMAN_DECLINED when the client cannot elicit', async () => {
    const ctx = await live({});
    expect((await refusalOf(humanStage.run(ctx))).code).toBe('HUMAN_DECLINED');
    expect(ctx.result.human).toEqual({ action: 'unsupported', confirmed: false });
  });

  it('refuses HUMAN_DECLINED on a decline, an unticked box, or a failed elicitation', async () => {
    const declined = await live({ elicit: async () => ({ action: 'decline' }) });
    expect((await refusalOf(humanStage.run(declined))).code).toBe('HUMAN_DECLINED');
    expect(declined.result.human).toEqual({ action: 'decline', confirmed: false });
    await h!.close();
    const unticked = await live({ elicit: async () => ({ action: 'accept', content: { confirm: false } }) });
    expect((await refusalOf(humanStage.run(unticked))).code).toBe('HUMAN_DECLINED');
    expect(unticked.result.human).toEqual({ action: 'accept', confirmed: false });
    await h!.close();
    const failed = await live({
      elicit: async () => {
        throw new Error('client went away');
      },
    });
    const refusal = await refusalOf(humanStage.run(failed));
    expect(refusal).toEqual({ code: 'HUMAN_DECLINED', message: 'the human confirmation could not be obtained (client went away); refusing' });
    expect(failed.result.human).toEqual({ action: 'error', confirmed: false });
  });
});
