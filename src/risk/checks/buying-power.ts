/** What the order needs (cost, short-sale margin or options max loss) must fit the buying power open orders leave. */
import type { RiskContext } from '../context.js';
import { reservedBuyingPower } from '../exposure.js';
import { finite, money, r } from '../numbers.js';
import { normalizeSymbol } from '../symbols.js';
import { defineCheck, fail, pass } from './result.js';

export const buyingPowerCheck = defineCheck({
  name: 'buying_power',
  code: 'RISK_BUYING_POWER',
  evaluate: (ctx) => {
    const { account, openOrders, input } = ctx;
    const bp = finite(account.buyingPower) ? account.buyingPower : 0;
    const reserved = reservedBuyingPower(openOrders, (s) => knownPrice(ctx, s));
    const net = input.buyingPowerNetOfOpenOrders ?? true;
    const available = net ? bp : bp - reserved;
    const required = requiredBuyingPower(ctx);
    if (required === null) return fail('cannot price what the order needs', r(available), null);
    if (!Number.isFinite(required)) return fail('the order has unbounded risk', r(available), null);
    const msg = net
      ? `needs ${money(required)}; buying power after open orders (≈ ${money(reserved)} held) ${money(available)}`
      : `needs ${money(required)}; buying power ${money(bp)} less ${money(reserved)} held by open orders = ${money(available)}`;
    return required <= available ? pass(msg, r(available), r(required)) : fail(msg, r(available), r(required));
  },
});

/** A price for an open order's symbol: this order's price for its own symbol, else the position's mark. */
function knownPrice({ order, price, mid, positions }: RiskContext, s: string): number | null {
  if (order.symbol && normalizeSymbol(s) === normalizeSymbol(order.symbol)) return price ?? mid;
  const p = positions.find((x) => normalizeSymbol(x.symbol) === normalizeSymbol(s));
  return p && finite(p.currentPrice) ? p.currentPrice : null;
}

/** Dollars the order ties up: max loss (multi-leg), cost (buy), or the short part of a sale. */
function requiredBuyingPower({ isMleg, maxLoss, qty, price, order, exposure }: RiskContext): number | null {
  if (isMleg) return maxLoss ? maxLoss.maxLossUsd : null;
  if (qty === null || price === null) return null;
  if (order.side === 'buy') return qty * price;
  const sellable = Math.max(0, (exposure?.position ?? 0) - (exposure?.openSells ?? 0));
  return Math.max(0, qty - sellable) * price;
}
