/**
 * Option payoff at expiry: the max loss of a multi-leg order from its piecewise-linear payoff,
 * and a net premium estimated from the legs' quotes when the order names no limit.
 * @example optionsMaxLoss([shortPut100, longPut95], -1.5, 2)!.maxLossUsd === 700 // (5 − 1.5) × 100 × 2
 */
import { parseOcc, type OccParts, type OrderLeg } from '../orders/order.js';
import type { QuoteBook } from './input.js';
import { finite } from './numbers.js';

/** Shares per US equity option contract. */
export const CONTRACT_MULTIPLIER = 100;

export interface ParsedLeg extends OrderLeg {
  occ: OccParts;
}

/** The order's payoff at expiry, per spread, excluding the premium: Σ ±ratio × intrinsic(S). */
export function legsPayoff(legs: ParsedLeg[], underlying: number): number {
  let total = 0;
  for (const l of legs) {
    const intrinsic = l.occ.type === 'call' ? Math.max(underlying - l.occ.strike, 0) : Math.max(l.occ.strike - underlying, 0);
    total += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * intrinsic;
  }
  return total;
}

export interface MaxLoss {
  /** Dollars at risk for the whole order (Infinity when unbounded). */
  maxLossUsd: number;
  perSpread: number;
  /** Net premium per spread: positive = debit paid, negative = credit received. */
  netPremium: number;
  /** Underlying price at which the worst loss occurs (null when unbounded). */
  worstAt: number | null;
}

/**
 * Max loss at expiry of a multi-leg order, found by evaluating the piecewise-linear payoff at
 * S = 0, at every strike, and its slope beyond the highest strike (negative slope: unbounded).
 * For a credit spread this is (width − credit) × 100 × qty; it also covers debit spreads,
 * condors, butterflies and ratio spreads. `netPremium` is Alpaca's mleg limit convention
 * (positive debit, negative credit). Returns null when a leg is not an OCC symbol.
 */
export function optionsMaxLoss(legs: OrderLeg[], netPremium: number | null, qty: number): MaxLoss | null {
  const parsed: ParsedLeg[] = [];
  for (const l of legs) {
    const occ = parseOcc(l.symbol);
    if (!occ) return null;
    parsed.push({ ...l, occ });
  }
  const premium = netPremium ?? 0;
  let slope = 0;
  for (const l of parsed) if (l.occ.type === 'call') slope += (l.side === 'buy' ? 1 : -1) * l.ratio_qty;
  if (slope < 0) return { maxLossUsd: Infinity, perSpread: Infinity, netPremium: premium, worstAt: null };
  const points = [0, ...parsed.map((l) => l.occ.strike)];
  let worst = Infinity;
  let worstAt = 0;
  for (const s of points) {
    const pnl = legsPayoff(parsed, s) - premium;
    if (pnl < worst) {
      worst = pnl;
      worstAt = s;
    }
  }
  const perSpread = Math.max(0, -worst);
  return { maxLossUsd: perSpread * CONTRACT_MULTIPLIER * qty, perSpread, netPremium: premium, worstAt };
}

/** Net price per spread from the legs' quotes, priced against us (buy at the ask, sell at the bid). */
export function estimatedNetPremium(legs: OrderLeg[], quotes: QuoteBook): number | null {
  let net = 0;
  for (const l of legs) {
    const q = quotes[l.symbol];
    const px = q ? (l.side === 'buy' ? q.askPrice : q.bidPrice) : null;
    if (px === null || !finite(px) || px < 0) return null;
    net += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * px;
  }
  return net;
}
