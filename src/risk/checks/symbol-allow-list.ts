/** Every traded symbol (underlyings for multi-leg) must be on the profile's allow-list, after folding look-alikes. */
import { normalizeSymbol } from '../symbols.js';
import { defineCheck, fail, pass } from './result.js';

export const symbolAllowListCheck = defineCheck({
  name: 'symbol_allow_list',
  code: 'RISK_SYMBOL_NOT_ALLOWED',
  evaluate: ({ tradedSymbols }, limits) => {
    if (!tradedSymbols.length) return fail('the order names no tradable symbol', null, null);
    if (limits.allowSymbols === null) return pass('no allow-list: any symbol may trade', null, tradedSymbols.join(','));
    const allowed = new Set(limits.allowSymbols.map(normalizeSymbol));
    const outside = tradedSymbols.filter((s) => !allowed.has(s));
    return outside.length
      ? fail(`${outside.join(', ')} is not on the allow-list (${limits.allowSymbols.length} symbols)`, limits.allowSymbols.join(','), tradedSymbols.join(','))
      : pass(`${tradedSymbols.join(', ')} is on the allow-list`, limits.allowSymbols.join(','), tradedSymbols.join(','));
  },
});
