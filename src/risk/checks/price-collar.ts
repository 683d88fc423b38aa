/** A limit or stop price must sit near the quote mid (multi-leg: the net limit near the net mid): catches a misplaced decimal. */
import { OCC_SYMBOL } from '../../orders/symbols.js';
import type { RiskContext } from '../context.js';
import { pct, r } from '../numbers.js';
import { defineCheck, fail, na, pass, type CheckResult } from './result.js';

export const priceCollarCheck = defineCheck({
  name: 'price_collar',
  code: 'RISK_PRICE_COLLAR',
  evaluate: (ctx, limits) => {
    const band = limits.priceCollarPct;
    if (ctx.isMleg) return mlegCollar(ctx, band);
    const { order, mid } = ctx;
    const prices = [order.limit_price, order.stop_price].filter((p): p is number => p !== null);
    if (!prices.length) return na(noPrice(order));
    if (mid === null) return fail('no usable quote to collar the price against', band, null);
    if (order.symbol !== null && OCC_SYMBOL.test(order.symbol) && ctx.quote) return optionCollar(prices, ctx.quote, mid, band);
    const off = Math.max(...prices.map((p) => Math.abs(p - mid) / mid));
    return off <= band
      ? pass(`price within ${pct(off)} of the quote mid ${r(mid, 4)} (collar ${pct(band)})`, band, r(off, 6))
      : fail(`price is ${pct(off)} away from the quote mid ${r(mid, 4)}, outside the ${pct(band)} collar`, band, r(off, 6));
  },
});

/**
 * A single-leg option: its quotes are wide (a 1.20 × 1.30 quote is 8% wide), and paying the ask or
 * selling at the bid is an ordinary order, so the collar is measured from the quote's nearer side:
 * a price inside bid–ask is 0% off; outside, its distance beyond the quote over the mid.
 */
function optionCollar(prices: number[], quote: { bidPrice: number; askPrice: number }, mid: number, band: number): CheckResult {
  const off = Math.max(...prices.map((p) => Math.max(0, p - quote.askPrice, quote.bidPrice - p) / mid));
  const where = `the option quote ${quote.bidPrice} × ${quote.askPrice}`;
  return off <= band
    ? pass(`price ${off === 0 ? 'inside' : `${pct(off)} beyond`} ${where} (collar ${pct(band)} beyond the quote)`, band, r(off, 6))
    : fail(`price is ${pct(off)} beyond ${where}, outside the ${pct(band)} collar`, band, r(off, 6));
}

/** The net limit's distance from the net mid, as a fraction of the legs' gross mid. */
function mlegCollar({ order, netMid, grossMid }: RiskContext, band: number): CheckResult {
  if (order.limit_price === null) return na('a market multi-leg order has no limit price');
  if (netMid === null || grossMid === null || grossMid <= 0) return fail('no quote for every leg to collar the net price against', band, null);
  const off = Math.abs(order.limit_price - netMid) / grossMid;
  const msg = `net limit ${order.limit_price} vs net mid ${r(netMid, 4)}: ${pct(off)} of the legs' gross mid ${r(grossMid, 4)}`;
  return off <= band ? pass(`${msg}, within ${pct(band)}`, band, r(off, 6)) : fail(`${msg}, outside ${pct(band)}`, band, r(off, 6));
}

/** Why a simple order has no price of its own to collar. */
function noPrice(order: RiskContext['order']): string {
  if (order.type === 'trailing_stop') return 'a trailing stop has no fixed price (trailing_stop reports its worst case)';
  if (order.order_class === 'oco') return "an oco's prices are its exits (exit_orders checks them against the quote)";
  return 'a market order has no price to collar';
}
