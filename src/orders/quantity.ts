/**
 * What a size may be (SPEC §11 "Quantities mean something"): a share quantity is a multiple of
 * 1e-9 (Alpaca's fractional precision) and at least 1e-9; a dollar notional is at least $1 in
 * whole cents. Judged on the number as JSON writes it, so float error never decides.
 *
 * @example decimalPlaces(0.3) === 1; decimalPlaces(1.5e-9) === 10; decimalPlaces(5e-324) === 324
 */

/** Alpaca's fractional-share precision: nine decimal places. */
export const QTY_DECIMALS = 9;
export const QTY_STEP = 1e-9;
/** Alpaca's smallest notional order, in dollars, and its precision (cents). */
export const MIN_NOTIONAL = 1;
export const NOTIONAL_DECIMALS = 2;

/**
 * Decimal places of `n` in its shortest round-trip text, the text JSON.stringify and the broker
 * adapter write: a typed 0.3 is 1 place although 0.3 * 1e9 is 299999999.99999994.
 */
export function decimalPlaces(n: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(n)).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/** True when `qty` is k × 1e-9 for a whole k >= 1. */
export function isQtyMultiple(qty: number): boolean {
  return Number.isFinite(qty) && qty >= QTY_STEP && decimalPlaces(qty) <= QTY_DECIMALS;
}

/** True when `notional` is a whole number of cents (the $1 floor is the schema's min). */
export function isNotionalInCents(notional: number): boolean {
  return Number.isFinite(notional) && decimalPlaces(notional) <= NOTIONAL_DECIMALS;
}

/**
 * A number as plain decimal text, never exponent form (String(1e-7) is "1e-7", which an order API
 * may refuse or misread): the exact digits the shortest round-trip text has.
 *
 * @example decimalText(1e-7) === '0.0000001'; decimalText(12.5) === '12.5'
 */
export function decimalText(n: number): string {
  const text = String(n);
  if (!/e/i.test(text)) return text;
  return n.toFixed(Math.min(100, decimalPlaces(n)));
}
