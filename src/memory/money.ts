/**
 * Integer money for trade memory: amounts are whole micro-dollars (1e-6 $), quantities whole
 * nano-units (1e-9, Alpaca's fractional-share step), so P&L never accumulates float error. A fill's
 * cash (qty × price × multiplier) is rounded half up to the micro-dollar once; every split of it
 * (a partial close, a fee shared by two lots) hands the last piece the remainder, so the pieces
 * always add back to the whole.
 *
 * @example cashMicros(qtyNanos(3), priceMicros(1.25), 100) === 375_000_000 // $375.00
 */
import { ToolError } from '../errors.js';

export const MICROS_PER_DOLLAR = 1_000_000;
export const NANOS_PER_UNIT = 1_000_000_000;
const NANOS_BIG = 1_000_000_000n;
const HALF_NANOS_BIG = 500_000_000n;

/** Whole nano-units of a quantity that has at most 9 decimals (checked by the caller). */
export const qtyNanos = (qty: number): number => Math.round(qty * NANOS_PER_UNIT);

/** Whole micro-dollars of a price or fee, rounded half away from zero (finer than any tick). */
export function priceMicros(dollars: number): number {
  const m = Math.round(Math.abs(dollars) * MICROS_PER_DOLLAR);
  return dollars < 0 ? -m : m;
}

/** Dollars from micro-dollars: the closest double, which prints as the exact 6-decimal text. */
export function dollars(micros: number): number {
  const d = micros / MICROS_PER_DOLLAR;
  return Object.is(d, -0) ? 0 : d;
}

/** Micro-dollars of a dollar figure this module produced (exact: it is a multiple of 1e-6). */
export const toMicros = (d: number): number => Math.round(d * MICROS_PER_DOLLAR);

/** Fail closed when a sum leaves the range where integer doubles are exact (≈ $9 billion). */
export function safe(micros: number, what: string): number {
  if (!Number.isSafeInteger(micros)) {
    throw new ToolError('INVALID_INPUT', `${what} is too large to account exactly (over $9,007,199,254 in micro-dollars)`, { what });
  }
  return micros;
}

/**
 * Cash of `nanos` units at `micros` per unit times `multiplier`, in micro-dollars (half up).
 * Whole quantities stay in doubles; fractional ones go through BigInt so nothing is lost.
 */
export function cashMicros(nanos: number, micros: number, multiplier: number): number {
  if (nanos % NANOS_PER_UNIT === 0) return safe((nanos / NANOS_PER_UNIT) * micros * multiplier, 'a fill amount');
  const exact = BigInt(nanos) * BigInt(micros) * BigInt(multiplier);
  return safe(Number((exact + HALF_NANOS_BIG) / NANOS_BIG), 'a fill amount');
}

/**
 * The share of `total` that `part` of `whole` carries, rounded; the whole when part is all of it.
 * Used to split a fee or a remainder; callers subtract it so the pieces add back exactly.
 */
export function prorate(total: number, part: number, whole: number): number {
  if (part >= whole) return total;
  if (total === 0) return 0;
  // Doubles are exact while 2·total·part is a safe integer (the quotient's rounding cannot slip); a fee's share usually is.
  if (2 * total * part <= Number.MAX_SAFE_INTEGER) return Math.round((total * part) / whole);
  // Whole shares are multiples of 1e9 nanos: cancel that first so the product usually stays small.
  const g = part % NANOS_PER_UNIT === 0 && whole % NANOS_PER_UNIT === 0 ? NANOS_PER_UNIT : gcd(part, whole);
  const p = part / g;
  const w = whole / g;
  // The same rule for the reduced fraction (p / w = part / whole: the same rounded quotient).
  if (2 * total * p <= Number.MAX_SAFE_INTEGER) return Math.round((total * p) / w);
  return Number((BigInt(total) * BigInt(part) * 2n + BigInt(whole)) / (2n * BigInt(whole)));
}

/** Greatest common divisor of whole numbers (nano-unit quantities). */
export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  // Euclid in doubles while the divisor is large, then in 32-bit integers (a double's % is a library call)
  while (y > 0x7fffffff) {
    const r = x % y;
    x = y;
    y = r;
  }
  if (y === 0) return x;
  let xi = (x % y) | 0;
  let yi = y | 0;
  while (xi) {
    const r = yi % xi;
    yi = xi;
    xi = r;
  }
  return yi;
}
