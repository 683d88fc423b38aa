/**
 * Symbols for list matching: case, width, invisible and look-alike characters folded away, so
 * 'ｔｓｌａ' or a Cyrillic 'ТSLA' cannot slip past an allow- or deny-list entry for TSLA.
 */

/** Cyrillic and Greek capitals that render like Latin ones (after upper-casing), per Unicode confusables. */
const CONFUSABLES: Record<string, string> = {
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  Ԛ: 'Q',
  Ԝ: 'W',
  Ү: 'Y',
  Ӏ: 'I',
  Ԁ: 'D',
  Ԍ: 'G',
  Ꙅ: 'S',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ℐ: 'I',
  ℑ: 'I',
  ℒ: 'L',
  ℳ: 'M',
  ℛ: 'R',
  ℜ: 'R',
  ℬ: 'B',
  ℰ: 'E',
  ℱ: 'F',
  ℋ: 'H',
  ℌ: 'H',
  ℭ: 'C',
  Ⅰ: 'I',
  Ⅴ: 'V',
  Ⅹ: 'X',
  Ⅼ: 'L',
  Ⅽ: 'C',
  Ⅾ: 'D',
  Ⅿ: 'M',
  '․': '.',
  '。': '.',
  '｡': '.',
  '·': '.',
};
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each Hangul filler is matched on its own on purpose (they render as nothing)
const INVISIBLE = /[\p{Cf}\p{Zs}\s\u034F\u115F\u1160\u3164\uFFA0]/gu;

/**
 * Canonical form of a ticker for list matching: NFKC (full-width → ASCII), invisible and
 * format characters removed, upper-cased, Cyrillic/Greek look-alikes folded to Latin.
 * @example normalizeSymbol('ｔｓｌａ') === 'TSLA'; normalizeSymbol('Т\u200BSLA') === 'TSLA' (Cyrillic Т)
 */
export function normalizeSymbol(symbol: string): string {
  const cached = SYMBOL_CACHE.get(symbol);
  if (cached !== undefined) return cached;
  const out = foldSymbol(symbol);
  if (SYMBOL_CACHE.size > 10_000) SYMBOL_CACHE.clear();
  SYMBOL_CACHE.set(symbol, out);
  return out;
}
const SYMBOL_CACHE = new Map<string, string>();

function foldSymbol(symbol: string): string {
  const folded = symbol.normalize('NFKC').replace(INVISIBLE, '').toUpperCase();
  let out = '';
  for (const ch of folded) out += CONFUSABLES[ch] ?? ch;
  return out.normalize('NFKC');
}
