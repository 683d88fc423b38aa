/**
 * What the order needs (cost, short-sale margin, options premium, a cash-secured put's strike or
 * options max loss) must fit the buying power open orders leave; options orders draw on the
 * broker's options buying power when it reports one. A close (action close) that only reduces
 * needs none.
 */
import type { RiskContext } from '../context.js';
import { reservedBuyingPower } from '../exposure.js';
import { finite, money, r } from '../numbers.js';
import { CONTRACT_MULTIPLIER } from '../payoff.js';
import { normalizeSymbol } from '../symbols.js';
import { defineCheck, fail, pass } from './result.js';

export const buyingPowerCheck = defineCheck({
  name: 'buying_power',
  code: 'RISK_BUYING_POWER',
  evaluate: (ctx) => {
    const { account, openOrders, input } = ctx;
    const options = ctx.isMleg || ctx.isOption;
    const useOptionsBp = options && finite(account.optionsBuyingPower);
    const raw = useOptionsBp ? account.optionsBuyingPower : account.buyingPower;
    const bp = finite(raw) ? raw : 0;
    const what = useOptionsBp ? 'options buying power' : 'buying power';
    const reserved = reservedBuyingPower(openOrders, (s) => knownPrice(ctx, s));
    const net = input.buyingPowerNetOfOpenOrders ?? true;
    // a replace: the broker's figure already holds the order being replaced, which frees up as it goes
    const freed = net && ctx.action.kind === 'replace' ? reservedBuyingPower([ctx.action.replaces], (s) => knownPrice(ctx, s)) : 0;
    const available = net ? bp + freed : bp - reserved;
    if (ctx.action.kind === 'close' && ctx.reducing) return pass(`a close only reduces the position: needs no ${what}`, r(available), 0);
    const required = requiredBuyingPower(ctx);
    if (required === null) return fail('cannot price what the order needs', r(available), null);
    if (!Number.isFinite(required)) return fail('the order has unbounded risk', r(available), null);
    const msg = net
      ? `needs ${money(required)}; ${what} after open orders (≈ ${money(reserved)} held${freed ? `, ${money(freed)} freed by the replaced order` : ''}) ${money(available)}`
      : `needs ${money(required)}; ${what} ${money(bp)} less ${money(reserved)} held by open orders = ${money(available)}`;
    return required <= available ? pass(msg, r(available), r(required)) : fail(msg, r(available), r(required));
  },
});

/** A price for an open order's symbol: this order's price for its own symbol, else the position's mark. */
function knownPrice({ order, price, mid, positions }: RiskContext, s: string): number | null {
  if (order.symbol && normalizeSymbol(s) === normalizeSymbol(order.symbol)) return price ?? mid;
  const p = positions.find((x) => normalizeSymbol(x.symbol) === normalizeSymbol(s));
  return p && finite(p.currentPrice) ? p.currentPrice : null;
}

/** Dollars the order ties up: max loss (multi-leg), an option's own need, cost (buy), or the short part of a sale. */
function requiredBuyingPower(ctx: RiskContext): number | null {
  const { isMleg, maxLoss, qty, price, order, exposure, multiplier } = ctx;
  if (isMleg) return maxLoss ? maxLoss.maxLossUsd : null;
  if (ctx.isOption) return optionRequired(ctx);
  if (qty === null || price === null) return null;
  if (order.side === 'buy') return qty * price * multiplier;
  const sellable = Math.max(0, (exposure?.position ?? 0) - (exposure?.openSells ?? 0));
  return Math.max(0, qty - sellable) * price * multiplier;
}

/** A buy pays its premium; a sale that closes needs nothing; a put sold to open holds its strike; an uncovered call is unbounded. */
function optionRequired({ option, qty, order }: RiskContext): number | null {
  if (!option || qty === null) return null;
  if (order.side === 'buy') return option.premiumUsd;
  if (!option.opening) return 0;
  if (option.occ.type === 'put') return option.occ.strike * CONTRACT_MULTIPLIER * qty;
  return option.cover.free >= qty * CONTRACT_MULTIPLIER ? 0 : Infinity;
}
