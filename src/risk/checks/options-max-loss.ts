/**
 * An options order's max loss at expiry within the profile's dollar limit. Multi-leg: from its
 * payoff at every strike. Single-leg: a long option loses at most its premium; a cash-secured put
 * (strike − premium) × 100 × contracts; a covered call nothing beyond the shares it is written on;
 * a close adds no loss; a naked call is unbounded.
 */
import type { RiskContext } from '../context.js';
import { dollars, money, r } from '../numbers.js';
import { CONTRACT_MULTIPLIER } from '../payoff.js';
import { defineCheck, fail, na, pass, type CheckResult } from './result.js';

export const optionsMaxLossCheck = defineCheck({
  name: 'options_max_loss',
  code: 'RISK_OPTIONS_MAX_LOSS',
  evaluate: (ctx, limits) => {
    const limit = limits.maxOptionsLossUsd;
    if (ctx.isOption) return singleLeg(ctx, limit);
    const { isMleg, allLegsParse, maxLoss, spreads } = ctx;
    if (!isMleg) return na('not an options order');
    if (!allLegsParse) return fail('cannot analyse legs that are not OCC symbols', limit, null);
    if (!maxLoss) return fail('cannot price the order (no limit_price and no quote for every leg)', limit, null);
    if (!Number.isFinite(maxLoss.maxLossUsd)) return fail('the payoff falls without bound as the underlying rises (naked calls)', limit, 'unbounded');
    const kind = maxLoss.netPremium < 0 ? `credit ${r(-maxLoss.netPremium, 4)}` : `debit ${r(maxLoss.netPremium, 4)}`;
    const msg = `max loss at expiry ${money(maxLoss.maxLossUsd)} (${r(maxLoss.perSpread, 4)} per spread × 100 × ${spreads}, ${kind}, worst at ${maxLoss.worstAt})`;
    return within(msg, maxLoss.maxLossUsd, limit);
  },
});

function within(msg: string, loss: number, limit: number): CheckResult {
  return loss <= limit ? pass(`${msg}, within ${money(limit)}`, limit, r(loss)) : fail(`${msg}, above ${money(limit)}`, limit, r(loss));
}

function singleLeg({ option, order, price, qty }: RiskContext, limit: number): CheckResult {
  if (!option) return fail(`cannot read the option contract ${order.symbol}`, limit, null);
  if (!option.opening) return pass('closes an option position: no new loss at expiry', limit, 0);
  if (price === null || qty === null) return fail('cannot price the option (no limit_price and no quote)', limit, null);
  if (order.side === 'buy') {
    const premium = dollars(price * CONTRACT_MULTIPLIER * qty);
    return within(`max loss at expiry is the premium ${r(price, 4)} × 100 × ${qty} = ${money(premium)}`, premium, limit);
  }
  const { strike, type } = option.occ;
  if (type === 'put') {
    const loss = dollars(Math.max(0, strike - price) * CONTRACT_MULTIPLIER * qty);
    return within(`max loss at expiry (strike ${strike} − premium ${r(price, 4)}) × 100 × ${qty} = ${money(loss)} (the underlying at 0)`, loss, limit);
  }
  if (option.cover.free >= qty * CONTRACT_MULTIPLIER) return pass("a covered call: no loss at expiry beyond the shares' own", limit, 0);
  return fail('a naked short call: the loss grows without bound as the underlying rises', limit, 'unbounded');
}
