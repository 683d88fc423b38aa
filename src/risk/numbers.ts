/** Number guards and the rounding and formatting the checks use in their reports. */

export const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

/** Round for reporting only (checks compare unrounded values). */
export const r = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  const v = Math.round(n * f) / f;
  return Object.is(v, -0) ? 0 : v;
};

/** A dollar product without float noise (1.1 × 100 × 2 is 220, not 220.00000000000003): rounded to a millionth, far below a cent. */
export const dollars = (n: number): number => Math.round(n * 1e6) / 1e6;

const USD = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** @example money(5000.5) === '$5,000.50' */
export const money = (n: number) => `$${USD.format(r(n))}`;
/** @example pct(0.03) === '3%' */
export const pct = (n: number) => `${r(n * 100, 2)}%`;
