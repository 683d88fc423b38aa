/** The sim's option chain: Friday weeklies and third-Friday monthlies, strikes around the spot, priced by Black–Scholes. */
import { addDays, easternDate, easternInstant, isTradingDay, weekday } from '../calendar.js';
import { MAX_OPTION_ROWS, type OptionContract, type OptionChainRequest, type OptionSnapshot, type Quote } from '../types.js';
import { occSymbol, parseOcc } from '../../orders/order.js';
import { blackScholes, smileVol } from './options.js';
import { hash32 } from './path.js';
import type { SimMarket } from './market.js';

const YEAR_MS = 365 * 86_400_000;
const round2 = (x: number) => Math.round(x * 100) / 100;

function strikeStep(spot: number): number {
  if (spot < 25) return 0.5;
  if (spot < 100) return 1;
  if (spot < 250) return 2.5;
  if (spot < 1000) return 5;
  return 10;
}

/** Expirations from `today` through `until`: every Friday (Thursday when Friday is a holiday). */
export function expirations(today: string, until: string): string[] {
  const out: string[] = [];
  let d = today;
  while (weekday(d) !== 5) d = addDays(d, 1);
  for (; d <= until; d = addDays(d, 7)) {
    let exp = d;
    while (!isTradingDay(exp)) exp = addDays(exp, -1);
    if (exp >= today) out.push(exp);
  }
  return out;
}

export interface OptionPrice {
  mid: number;
  quote: Quote;
  iv: number;
  greeks: { delta: number; gamma: number; theta: number; vega: number };
}

/** Price of an OCC contract at an instant (expiry at 16:00 ET on the expiration date). */
export function optionPriceAt(market: SimMarket, occ: string, at: number): OptionPrice {
  const p = parseOcc(occ);
  if (!p) throw new Error(`not an OCC symbol: ${occ}`);
  const spot = market.midAt(p.underlying, at);
  const years = (easternInstant(p.expiration, 16, 0).getTime() - at) / YEAR_MS;
  const iv = smileVol(market.vol(p.underlying), spot, p.strike);
  const bs = blackScholes(p.type, spot, p.strike, years, iv);
  const mid = Math.max(0, bs.price);
  const half = Math.max(0.01, round2(mid * 0.02));
  const bid = Math.max(0, round2(mid - half));
  const ask = Math.max(0.01, round2(mid + half));
  const sizes = hash32(`${occ}:${Math.floor(at / 60_000)}`);
  return {
    mid: round2(mid),
    iv: Math.round(iv * 10_000) / 10_000,
    greeks: { delta: round4(bs.delta), gamma: round4(bs.gamma), theta: round4(bs.theta), vega: round4(bs.vega) },
    quote: {
      symbol: occ,
      bidPrice: bid,
      askPrice: ask > bid ? ask : round2(bid + 0.01),
      bidSize: 1 + (sizes % 50),
      askSize: 1 + ((sizes >>> 8) % 50),
      timestamp: new Date(at).toISOString(),
    },
  };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

export function optionContracts(market: SimMarket, req: OptionChainRequest, now: Date): OptionContract[] {
  const at = market.effectiveTime(now);
  const today = easternDate(now);
  const from = req.expirationGte && req.expirationGte > today ? req.expirationGte : today;
  const until = req.expirationLte ?? addDays(today, 45);
  const spot = market.midAt(req.underlying, at);
  const step = strikeStep(spot);
  const strikes: number[] = [];
  for (let k = Math.ceil((spot * 0.85) / step) * step; k <= spot * 1.15; k += step) strikes.push(Math.round(k * 100) / 100);
  const inStrikeRange = (k: number) => (req.strikeGte === undefined || k >= req.strikeGte) && (req.strikeLte === undefined || k <= req.strikeLte);
  const out: OptionContract[] = [];
  for (const exp of expirations(from, until)) {
    for (const strike of strikes.filter(inStrikeRange)) {
      for (const type of ['call', 'put'] as const) {
        if (req.type && req.type !== type) continue;
        const symbol = occSymbol(req.underlying, exp, type, strike);
        out.push({
          symbol,
          underlying: req.underlying,
          expiration: exp,
          type,
          strike,
          openInterest: hash32(symbol) % 5000,
          closePrice: optionPriceAt(market, symbol, at).mid,
        });
      }
    }
  }
  // Nearest expirations first and, within one, strikes nearest the money, so a small limit gives a useful chain.
  const picked = out
    .map((c) => ({ c, d: Math.abs(c.strike - spot) }))
    .sort((a, b) => a.c.expiration.localeCompare(b.c.expiration) || a.d - b.d)
    .slice(0, req.limit ?? MAX_OPTION_ROWS)
    .map((x) => x.c);
  return picked.sort((a, b) => a.expiration.localeCompare(b.expiration) || a.strike - b.strike || a.type.localeCompare(b.type));
}

function snapshotAt(market: SimMarket, symbol: string, at: number): OptionSnapshot {
  const p = optionPriceAt(market, symbol, at);
  return {
    symbol,
    latestQuote: p.quote,
    latestTrade: { symbol, price: p.mid, size: 1 + (hash32(symbol) % 20), timestamp: new Date(at).toISOString() },
    impliedVolatility: p.iv,
    greeks: p.greeks,
  };
}

export function optionSnapshots(market: SimMarket, req: OptionChainRequest, now: Date): OptionSnapshot[] {
  const at = market.effectiveTime(now);
  return optionContracts(market, req, now).map((c) => snapshotAt(market, c.symbol, at));
}

/** Snapshots of OCC symbols the sim can price; anything else is absent, as on Alpaca. */
export function optionSnapshotsFor(market: SimMarket, symbols: readonly string[], now: Date): OptionSnapshot[] {
  const at = market.effectiveTime(now);
  return [...new Set(symbols)].filter((s) => parseOcc(s) !== null).map((s) => snapshotAt(market, s, at));
}
