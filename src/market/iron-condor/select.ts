/**
 * Picking an iron condor's four contracts from a whole option chain (pure): the expiry (the one
 * asked, or the quoted expiration nearest the window's middle), the short put and call whose delta
 * is nearest −target / +target among rows quoted on both sides, and the wings exactly `width`
 * beyond each short, which must be listed and quoted. Whatever the chain cannot give is refused
 * with a stable code and `details.reason`: NOT_FOUND when a contract or expiry is not listed,
 * UNKNOWN_PRICE when the quotes or greeks cannot price the leg.
 *
 * @example const exp = pickExpiry(chain.rows, { gte: '2026-04-09', lte: '2026-04-24' }, null, '2026-03-10')
 */
import { ToolError } from '../../errors.js';
import { daysBetween } from '../../risk/ny-time.js';
import type { OptionChainRow } from '../option-chain.js';
import { bsDelta } from './probability.js';

/** Strikes are compared to a tenth of a cent: OCC strikes have three decimals. */
const STRIKE_EPSILON = 0.0005;

export interface ExpiryWindow {
  gte: string;
  lte: string;
}

/** What a delta is estimated from when the chain sent no greeks for a row. */
export interface DeltaInputs {
  spot: number | null;
  years: number;
}

export interface ShortPick {
  row: OptionChainRow;
  delta: number;
  deltaSource: 'chain' | 'black_scholes';
}

export const expirationsOf = (rows: readonly OptionChainRow[]) => [...new Set(rows.map((r) => r.expiration))].sort();

/** The asked expiry when listed; else the expiration with a quote nearest the window's middle (the earlier on a tie). */
export function pickExpiry(rows: readonly OptionChainRow[], window: ExpiryWindow, asked: string | null, today: string): string {
  const listed = expirationsOf(rows);
  if (asked !== null) {
    if (!listed.includes(asked))
      throw new ToolError('NOT_FOUND', `no option contracts of this underlying expire on ${asked}`, { reason: 'expiry_not_listed', expiry: asked });
    return asked;
  }
  if (!listed.length)
    throw new ToolError('NOT_FOUND', `no option contracts expire between ${window.gte} and ${window.lte}: widen dte_min/dte_max or give an expiry`, {
      reason: 'no_expiry_in_window',
      expiration_gte: window.gte,
      expiration_lte: window.lte,
    });
  const quoted = listed.filter((e) => rows.some((r) => r.expiration === e && r.quoted));
  if (!quoted.length)
    throw new ToolError('UNKNOWN_PRICE', `none of the ${listed.length} expirations between ${window.gte} and ${window.lte} has a quoted contract`, {
      reason: 'no_quotes',
      expirations: listed,
    });
  const middle = (daysBetween(today, window.gte) + daysBetween(today, window.lte)) / 2;
  const distance = (e: string) => Math.abs(daysBetween(today, e) - middle);
  return quoted.reduce((best, e) => (distance(e) < distance(best) ? e : best));
}

/** A row we can sell at a price: a positive bid and an ask at or above it. */
const twoSided = (r: OptionChainRow) => r.quoted && r.bid !== null && r.bid > 0 && r.ask !== null && r.ask >= r.bid;

function deltaOf(row: OptionChainRow, inputs: DeltaInputs): Omit<ShortPick, 'row'> | null {
  if (row.delta !== null) return { delta: row.delta, deltaSource: 'chain' };
  if (inputs.spot === null || row.impliedVolatility === null) return null;
  const delta = bsDelta(row.type, inputs.spot, row.strike, inputs.years, row.impliedVolatility);
  return delta === null ? null : { delta, deltaSource: 'black_scholes' };
}

/** The short of one side: delta nearest ∓target among two-sided rows (ties: the farther out of the money). */
export function pickShort(rows: readonly OptionChainRow[], type: 'put' | 'call', target: number, inputs: DeltaInputs): ShortPick {
  const want = type === 'put' ? -target : target;
  const candidates: ShortPick[] = [];
  for (const row of rows) {
    if (row.type !== type || !twoSided(row)) continue;
    const d = deltaOf(row, inputs);
    // a put's delta is negative and a call's positive; a feed that says otherwise is not trusted
    if (d && Math.sign(d.delta) === Math.sign(want)) candidates.push({ row, ...d });
  }
  if (!candidates.length) {
    const expiry = rows[0]?.expiration ?? 'that expiry';
    throw new ToolError('UNKNOWN_PRICE', `no ${type} expiring ${expiry} has a two-sided quote and a delta (or an implied vol to estimate one)`, {
      reason: 'no_quoted_short',
      type,
      expiry,
    });
  }
  const fartherOut = (a: ShortPick, b: ShortPick) => (type === 'put' ? a.row.strike < b.row.strike : a.row.strike > b.row.strike);
  return candidates.reduce((best, c) => {
    const dc = Math.abs(c.delta - want);
    const db = Math.abs(best.delta - want);
    return dc < db - 1e-12 || (Math.abs(dc - db) <= 1e-12 && fartherOut(c, best)) ? c : best;
  });
}

/** The wing `width` beyond the short (below a put, above a call): listed at that exact strike and quoted. */
export function pickWing(rows: readonly OptionChainRow[], short: OptionChainRow, width: number): OptionChainRow {
  const strike = Math.round((short.type === 'put' ? short.strike - width : short.strike + width) * 1000) / 1000;
  const sameType = rows.filter((r) => r.type === short.type);
  const wing = sameType.find((r) => Math.abs(r.strike - strike) < STRIKE_EPSILON);
  if (!wing) {
    const below = sameType.filter((r) => r.strike < strike).reduce<number | null>((m, r) => (m === null || r.strike > m ? r.strike : m), null);
    const above = sameType.filter((r) => r.strike > strike).reduce<number | null>((m, r) => (m === null || r.strike < m ? r.strike : m), null);
    throw new ToolError(
      'NOT_FOUND',
      `no ${short.type} at strike ${strike} expires ${short.expiration} for a ${width}-wide wing off the ${short.strike} short (nearest listed: ${below ?? 'none'} below, ${above ?? 'none'} above): choose a wing_width the strikes allow`,
      { reason: 'wing_missing', type: short.type, strike, expiry: short.expiration, nearest_below: below, nearest_above: above },
    );
  }
  if (!wing.quoted)
    throw new ToolError('UNKNOWN_PRICE', `the ${short.type} wing ${wing.symbol} has no quote: it cannot be priced`, {
      reason: 'wing_unquoted',
      symbol: wing.symbol,
    });
  return wing;
}
