/** The risk stage alone, and its verdict check (also the pre-send re-check): pass, halt, a failed limit, a bad verdict. */
import { afterEach, describe, expect, it } from 'vitest';
import { getRiskState } from '../../../../src/risk/service.js';
import { judgeRiskVerdict, riskStage } from '../../../../src/execution/stages/risk.js';
import { validateStage } from '../../../../src/execution/stages/validate.js';
import { BUY_AAPL, startHarness, type Harness } from '../../../support/execution-harness.js';
import { contextAfter, refusalOf } from '../../../support/stage-context.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('risk stage', () => {
  it('passes an order within every limit and records the verdict and when it was computed', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    const before = ctx.riskAt;
    const verdict = await riskStage.run(ctx);
    expect(verdict.outcome).toBe('passed');
    expect(verdict.message).toBe(`all ${ctx.result.risk!.checks.length} risk checks passed`);
    expect(ctx.result.risk).toMatchObject({ passed: true, order_hash: ctx.order.hash });
    expect(ctx.riskAt).toBeGreaterThan(before);
  });

  it('refuses with TRADING_HALTED while trading is halted', async () => {
    h = await startHarness();
    await (await getRiskState(h.deps)).halt('stage test', 'test');
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    const refusal = await refusalOf(riskStage.run(ctx));
    expect(refusal.code).toBe('TRADING_HALTED');
    expect(refusal.message).toContain('RISK_HALTED');
    expect(ctx.result.risk!.passed).toBe(false);
  });

  it('refuses with RISK_REJECTED naming the failed check', async () => {
    h = await startHarness({ risk: { maxOrderNotionalUsd: 1 } });
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    const refusal = await refusalOf(riskStage.run(ctx));
    expect(refusal.code).toBe('RISK_REJECTED');
    expect(refusal.message).toMatch(/^risk check refused the order: .*RISK_MAX_NOTIONAL/);
  });
});

describe('the risk verdict check (risk stage and pre-send re-check)', () => {
  it('refuses a malformed verdict in both phases without recording it', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    expect(() => judgeRiskVerdict({ passed: true }, ctx.order.hash, 'stage', ctx.result)).toThrow('the risk check returned a malformed verdict; refusing');
    expect(() => judgeRiskVerdict({ passed: true }, ctx.order.hash, 'recheck', ctx.result)).toThrow(
      'the risk re-check before sending returned a malformed verdict; refusing',
    );
    expect(ctx.result.risk).toBeNull();
  });

  it('refuses a verdict for another order hash; only the stage shows it on the result', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    const real = await ctx.env.services.assessOrder(ctx.order.parsed);
    const other = { ...real, order_hash: 'f'.repeat(64) };
    expect((await refusalOf(Promise.resolve().then(() => judgeRiskVerdict(other, ctx.order.hash, 'recheck', ctx.result)))).code).toBe('RISK_REJECTED');
    expect(ctx.result.risk).toBeNull();
    const refusal = await refusalOf(Promise.resolve().then(() => judgeRiskVerdict(other, ctx.order.hash, 'stage', ctx.result)));
    expect(refusal).toEqual({ code: 'RISK_REJECTED', message: 'the risk verdict is for a different order hash; refusing' });
    expect(ctx.result.risk!.order_hash).toBe('f'.repeat(64));
    expect(judgeRiskVerdict(real, ctx.order.hash, 'recheck', ctx.result)).toEqual(real);
  });

  it('a failed halt check is TRADING_HALTED in the re-check too, worded as the re-check', async () => {
    h = await startHarness();
    const ctx = await contextAfter(h, BUY_AAPL, [validateStage]);
    await (await getRiskState(h.deps)).halt('stage test', 'test');
    const verdict = await ctx.env.services.assessOrder(ctx.order.parsed);
    const refusal = await refusalOf(Promise.resolve().then(() => judgeRiskVerdict(verdict, ctx.order.hash, 'recheck', ctx.result)));
    expect(refusal.code).toBe('TRADING_HALTED');
    expect(refusal.message).toMatch(/^the risk re-check just before sending refused the order: RISK_HALTED/);
  });
});
