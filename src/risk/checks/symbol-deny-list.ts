/** No traded symbol may be on the profile's deny-list, after folding case, width and look-alikes. */
import { normalizeSymbol } from '../symbols.js';
import { defineCheck, fail, pass } from './result.js';

export const symbolDenyListCheck = defineCheck({
  name: 'symbol_deny_list',
  code: 'RISK_SYMBOL_DENIED',
  evaluate: ({ tradedSymbols }, limits) => {
    const denied = new Set(limits.denySymbols.map(normalizeSymbol));
    const hit = tradedSymbols.filter((s) => denied.has(s));
    return hit.length
      ? fail(`${hit.join(', ')} is on the deny-list`, limits.denySymbols.join(','), tradedSymbols.join(','))
      : pass(limits.denySymbols.length ? 'not on the deny-list' : 'deny-list is empty', limits.denySymbols.join(','), tradedSymbols.join(','));
  },
});
