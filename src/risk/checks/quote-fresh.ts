/** Every quote the order is priced on must be usable and younger than the limit, on the broker's clock. */
import { r } from '../numbers.js';
import { quoteMid } from '../prices.js';
import { defineCheck, fail, pass } from './result.js';

export const quoteFreshCheck = defineCheck({
  name: 'quote_fresh',
  code: 'RISK_STALE_QUOTE',
  evaluate: ({ isMleg, legs, order, quotes, clockMs }, limits) => {
    const maxAge = limits.maxQuoteAgeSec;
    const symbols = isMleg ? legs.map((l) => l.symbol) : order.symbol ? [order.symbol] : [];
    if (!symbols.length) return fail('no symbol to quote', maxAge, null);
    let oldest = -Infinity;
    for (const s of symbols) {
      const q = quotes[s];
      if (!q) return fail(`no quote for ${s}`, maxAge, null);
      if (quoteMid(q) === null) return fail(`the quote for ${s} is unusable (bid ${q.bidPrice}, ask ${q.askPrice})`, maxAge, null);
      const ts = Date.parse(q.timestamp);
      if (!Number.isFinite(ts)) return fail(`the quote for ${s} has no valid timestamp`, maxAge, null);
      oldest = Math.max(oldest, (clockMs - ts) / 1000);
    }
    return oldest <= maxAge
      ? pass(`quote age ${r(oldest, 1)} s within ${maxAge} s`, maxAge, r(oldest, 1))
      : fail(`quote is ${r(oldest, 1)} s old, older than ${maxAge} s`, maxAge, r(oldest, 1));
  },
});
