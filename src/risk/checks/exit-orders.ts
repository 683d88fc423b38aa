/**
 * Bracket, OTO and OCO exits: a market-entry bracket/OTO and an OCO (exits of a position held)
 * must have their exits straddle the current price (for exits that sell: stop below, take-profit
 * above; mirrored for exits that buy) — Alpaca refuses them otherwise. Reports the loss the stop
 * bounds (exits.ts), and says when a stop-limit exit may not fill in a gap.
 */
import type { RiskContext } from '../context.js';
import type { ExitFacts } from '../exits.js';
import { money, r } from '../numbers.js';
import { defineCheck, fail, na, pass } from './result.js';

export const exitOrdersCheck = defineCheck({
  name: 'exit_orders',
  code: 'RISK_EXIT_ORDERS',
  evaluate: (ctx) => {
    const { exits, mid } = ctx;
    if (!exits) return na('no exit orders');
    const rule = exits.exitSide === 'sell' ? 'stop < price < take_profit' : 'take_profit < price < stop';
    const needsStraddle = exits.marketEntry || exits.orderClass === 'oco';
    if (needsStraddle && mid === null) return fail(`no usable quote to check the ${exits.orderClass} exits against`, rule, null);
    const wrong = needsStraddle && mid !== null ? misplaced(exits, mid) : [];
    const what = exits.orderClass === 'oco' ? `an ${exits.orderClass}` : `a market-entry ${exits.orderClass}`;
    if (wrong.length)
      return fail(
        `${what}'s exits must straddle the current price ${r(mid ?? 0, 4)} (${rule}): ${wrong.join('; ')}; Alpaca refuses it too`,
        rule,
        r(mid ?? 0, 4),
      );
    const loss = exits.maxLossUsd === null ? null : r(exits.maxLossUsd);
    return pass(lossText(ctx, exits), needsStraddle ? rule : null, loss);
  },
});

function misplaced(e: ExitFacts, mid: number): string[] {
  const up = e.exitSide === 'sell';
  const out: string[] = [];
  if (e.stop !== null && (up ? e.stop >= mid : e.stop <= mid)) out.push(`stop_loss ${e.stop} is not ${up ? 'below' : 'above'} it`);
  if (e.takeProfit !== null && (up ? e.takeProfit <= mid : e.takeProfit >= mid)) out.push(`take_profit ${e.takeProfit} is not ${up ? 'above' : 'below'} it`);
  return out;
}

/** The loss the stop bounds, in words. */
function lossText({ qty }: RiskContext, e: ExitFacts): string {
  const tp = e.takeProfit !== null ? `; take profit ${e.takeProfit}` : '';
  if (e.stop === null) return `no stop_loss: the order does not bound its loss${tp}`;
  if (e.perShare === null || e.maxLossUsd === null || e.from === null) return `stop ${e.stop}, but the order cannot be priced to bound its loss${tp}`;
  const exitAt = e.stopLimit ? `stop ${e.stop} / limit ${e.stopExit}` : `stop ${e.stop}`;
  const from = e.orderClass === 'oco' ? `the current price ${r(e.from, 4)}` : `the entry ${r(e.from, 4)}`;
  const gap = e.stopLimit
    ? `; a stop-limit exit may not fill in a gap through ${e.stopExit}, and the position then stays open without a stop`
    : '; a stop exits at the market once triggered (a gap can fill it below the stop)';
  const verb = e.orderClass === 'oco' ? 'the stop gives up at most' : 'max loss';
  return `${verb} ${money(e.maxLossUsd)}: ${r(e.perShare, 4)} from ${from} to ${exitAt} × ${r(qty ?? 0, 4)}${tp}${gap}`;
}
