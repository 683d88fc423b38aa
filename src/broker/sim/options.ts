/** Black–Scholes pricing and greeks for the sim broker's options (European, no dividends). */

export const RISK_FREE_RATE = 0.04;

function normCdf(x: number): number {
  // Abramowitz–Stegun 26.2.17, |error| < 7.5e-8
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989422804014327 * Math.exp((-x * x) / 2);
  const p = d * t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - p : p;
}

function normPdf(x: number): number {
  return 0.3989422804014327 * Math.exp((-x * x) / 2);
}

export interface BsResult {
  price: number;
  delta: number;
  gamma: number;
  theta: number; // per calendar day
  vega: number; // per 1 vol point (0.01)
}

export function blackScholes(type: 'call' | 'put', spot: number, strike: number, years: number, vol: number, rate = RISK_FREE_RATE): BsResult {
  if (years <= 0 || vol <= 0) {
    const intrinsic = type === 'call' ? Math.max(0, spot - strike) : Math.max(0, strike - spot);
    const itm = type === 'call' ? spot > strike : spot < strike;
    return { price: intrinsic, delta: itm ? (type === 'call' ? 1 : -1) : 0, gamma: 0, theta: 0, vega: 0 };
  }
  const sqrtT = Math.sqrt(years);
  const d1 = (Math.log(spot / strike) + (rate + (vol * vol) / 2) * years) / (vol * sqrtT);
  const d2 = d1 - vol * sqrtT;
  const disc = Math.exp(-rate * years);
  const gamma = normPdf(d1) / (spot * vol * sqrtT);
  const vega = (spot * normPdf(d1) * sqrtT) / 100;
  if (type === 'call') {
    const price = spot * normCdf(d1) - strike * disc * normCdf(d2);
    const theta = (-(spot * normPdf(d1) * vol) / (2 * sqrtT) - rate * strike * disc * normCdf(d2)) / 365;
    return { price, delta: normCdf(d1), gamma, theta, vega };
  }
  const price = strike * disc * normCdf(-d2) - spot * normCdf(-d1);
  const theta = (-(spot * normPdf(d1) * vol) / (2 * sqrtT) + rate * strike * disc * normCdf(-d2)) / 365;
  return { price, delta: normCdf(d1) - 1, gamma, theta, vega };
}

/** A mild smile: out-of-the-money strikes trade at a higher implied vol than the path's own. */
export function smileVol(baseVol: number, spot: number, strike: number): number {
  const m = Math.log(strike / spot);
  return baseVol * (1 + 0.8 * m * m + (m < 0 ? -0.25 * m : 0));
}
