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

/**
 * What USD.format writes for an amount already rounded to cents ('-1,234.50'), without Intl (~1 µs a call, and a
 * passing check_risk formats a dozen amounts). Past 1e12 (cents no longer exact in toFixed's reach), NaN and ±Infinity: Intl.
 */
export function usdDigits(v: number): string {
  if (!(Math.abs(v) < 1e12)) return USD.format(v);
  const fixed = Math.abs(v).toFixed(2);
  const whole = fixed.slice(0, -3);
  let grouped = '';
  for (let end = whole.length; end > 0; end -= 3) grouped = (end > 3 ? ',' : '') + whole.slice(Math.max(0, end - 3), end) + grouped;
  return (v < 0 ? '-' : '') + grouped + fixed.slice(-3);
}

/** @example money(5000.5) === '$5,000.50' */
export const money = (n: number) => `$${usdDigits(r(n))}`;
/** @example pct(0.03) === '3%' */
export const pct = (n: number) => `${r(n * 100, 2)}%`;
