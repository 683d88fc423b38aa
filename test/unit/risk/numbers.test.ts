import { describe, expect, it } from 'vitest';
import { money, r, usdDigits } from '../../../src/risk/numbers.js';

const INTL = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

describe('money (the amounts in check reports)', () => {
  it('writes exactly what Intl writes, for amounts of every size and sign, cents edges included', () => {
    const values = [0, -0, 0.004, -0.004, 0.005, -0.005, 0.015, 1.005, 2.675, 999.995, 1000, -1000, 5000.5, 123456.789, -987654.321, 1e6, 999999999999.99];
    let seed = 7;
    const rand = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 20_000; i++) values.push((rand() - 0.5) * 10 ** Math.floor(rand() * 13));
    for (let i = 0; i < 2_000; i++) values.push(Math.round((rand() - 0.5) * 1e9) / 100 + 0.005);
    for (const v of values) expect(money(v), String(v)).toBe(`$${INTL.format(r(v))}`);
  });

  it('leaves what cents cannot hold exactly to Intl', () => {
    for (const v of [1e12, -3.5e14, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) expect(usdDigits(v)).toBe(INTL.format(v));
    expect(money(1234.5)).toBe('$1,234.50');
    expect(money(-0.001)).toBe('$0.00');
  });
});
