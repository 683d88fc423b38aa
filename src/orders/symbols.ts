/** The symbol and id shapes orders accept. */
export const EQUITY_SYMBOL = /^[A-Z]{1,5}([.][A-Z]{1,2})?$/;
/** OCC option symbol: root (1–6), YYMMDD, C|P, strike × 1000 in 8 digits. */
export const OCC_SYMBOL = /^([A-Z]{1,6})(\d{2})(\d{2})(\d{2})([CP])(\d{8})$/;
export const CLIENT_ORDER_ID = /^[A-Za-z0-9._:-]{1,48}$/;

export interface OccParts {
  underlying: string;
  expiration: string; // YYYY-MM-DD
  type: 'call' | 'put';
  strike: number;
}

export function parseOcc(symbol: string): OccParts | null {
  const m = OCC_SYMBOL.exec(symbol);
  if (!m) return null;
  const [, root, yy, mm, dd, cp, strike] = m as unknown as [string, string, string, string, string, string, string];
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return { underlying: root, expiration: `20${yy}-${mm}-${dd}`, type: cp === 'C' ? 'call' : 'put', strike: Number(strike) / 1000 };
}

/** An OCC symbol from its parts (strike in dollars, to the tenth of a cent); a share class's dot is dropped from the root, as the OCC does (BRK.B → BRKB). */
export function occSymbol(underlying: string, expiration: string, type: 'call' | 'put', strike: number): string {
  const [y, m, d] = expiration.split('-') as [string, string, string];
  return `${underlying.replace('.', '')}${y.slice(2)}${m}${d}${type === 'call' ? 'C' : 'P'}${String(Math.round(strike * 1000)).padStart(8, '0')}`;
}
