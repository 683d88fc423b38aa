/**
 * An order that may only close — action close (close_position), an OCO (exit-only at Alpaca), a
 * _to_close position intent (single-leg or any leg of a multi-leg order) — needs a position on the
 * side it closes, at least its size once open orders on the same side have taken theirs.
 */
import type { RiskContext } from '../context.js';
import { r } from '../numbers.js';
import { normalizeSymbol } from '../symbols.js';
import { defineCheck, fail, na, pass, type CheckResult } from './result.js';

export const closeOnlyCheck = defineCheck({
  name: 'close_only',
  code: 'RISK_CLOSE_ONLY',
  evaluate: (ctx) => {
    if (!ctx.closeOnly) return na('the order may open');
    return ctx.isMleg ? closingLegs(ctx) : closingOrder(ctx);
  },
});

/** Why the order is close-only, for the message. */
function why({ action, order }: RiskContext): string {
  if (action.kind === 'close') return 'a close';
  if (order.order_class === 'oco') return 'an oco (exit only)';
  return `a ${order.position_intent}`;
}

function closingOrder(ctx: RiskContext): CheckResult {
  const { order, exposure, qty } = ctx;
  const symbol = order.symbol ?? '';
  const side = order.side === 'sell' ? 'long' : 'short';
  if (!exposure) return fail(`${why(ctx)} names no symbol to close`, null, null);
  if (qty === null) return fail(`cannot size ${why(ctx)} without a quote`, null, null);
  const held = order.side === 'sell' ? exposure.position : -exposure.position;
  const onOrders = order.side === 'sell' ? exposure.openSells : exposure.openBuys;
  const free = Math.max(0, held - onOrders);
  const limit = r(free, 4);
  if (held <= 0)
    return fail(
      `${why(ctx)} ${order.side}s ${r(qty, 4)} ${symbol}, but the account holds no ${side} ${symbol} position (holds ${r(exposure.position, 4)})`,
      limit,
      r(qty, 4),
    );
  const detail = `holds ${r(held, 4)} ${symbol} ${side}${onOrders > 0 ? `, ${r(onOrders, 4)} already on open ${order.side} orders` : ''}`;
  return qty <= free + 1e-9
    ? pass(`${why(ctx)} of ${r(qty, 4)}: ${detail}`, limit, r(qty, 4))
    : fail(`${why(ctx)} of ${r(qty, 4)} exceeds the ${r(free, 4)} free to close: ${detail}`, limit, r(qty, 4));
}

/** Each closing leg needs the contract held on its side, spreads × ratio of it. */
function closingLegs({ legs, spreads, positions }: RiskContext): CheckResult {
  const problems: string[] = [];
  for (const l of legs) {
    if (!l.position_intent.endsWith('_to_close')) continue;
    const key = normalizeSymbol(l.symbol);
    const position = positions.filter((p) => normalizeSymbol(p.symbol) === key).reduce((s, p) => s + (Number.isFinite(p.qty) ? p.qty : 0), 0);
    const held = l.side === 'sell' ? position : -position;
    const need = spreads * l.ratio_qty;
    if (held < need) problems.push(`${l.position_intent} ${need} ${l.symbol}: holds ${Math.max(0, held)} ${l.side === 'sell' ? 'long' : 'short'}`);
  }
  return problems.length
    ? fail(`closing legs exceed the contracts held: ${problems.join('; ')}`, 'held', 'exceeds')
    : pass('every closing leg is covered by contracts held on its side', 'held', 'held');
}
