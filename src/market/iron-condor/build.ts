/**
 * An iron condor from a whole option chain (pure): picks the four contracts (./select.ts), prices
 * the net credit at the mid and at the natural, and writes the `mleg` order check_risk and
 * place_order take unchanged (limit_price = −mid credit, Alpaca's convention), with max profit,
 * max loss, breakevens and a probability of profit (./probability.ts).
 *
 * @example
 *   const condor = buildIronCondor(chain, { expiry: null, window, today: '2026-03-10', clockMs, spot: 600,
 *     shortDelta: 0.16, wingWidth: 5, qty: 1, windowSource: 'profile' }, { mode: 'sim', broker: 'sim' });
 *   condor.order.limit_price === -condor.credit.mid
 */
import { easternInstant } from '../../broker/calendar.js';
import type { BrokerName, TradingMode } from '../../broker/types.js';
import { ToolError } from '../../errors.js';
import { OrderInputSchema } from '../../orders/order.js';
import { daysBetween } from '../../risk/ny-time.js';
import type { OptionChain, OptionChainRow } from '../option-chain.js';
import { popBetween, popFromDeltas, yearsBetween } from './probability.js';
import type { IronCondorOutput } from './schema.js';
import { expirationsOf, pickExpiry, pickShort, pickWing, type ExpiryWindow, type ShortPick } from './select.js';

const CONTRACT_MULTIPLIER = 100;
const cents = (x: number) => Math.round(x * 100) / 100;

export interface CondorRequest {
  /** The expiry asked for, or null to pick from `window`. */
  expiry: string | null;
  window: ExpiryWindow;
  windowSource: IronCondorOutput['window']['source'];
  /** The broker clock: its New York date and instant. */
  today: string;
  clockMs: number;
  /** The underlying's quote mid (estimates a missing delta; null when the broker has no quote). */
  spot: number | null;
  shortDelta: number;
  wingWidth: number;
  qty: number;
}

interface Legs {
  /** Years from the broker's clock to 16:00 New York on the expiry. */
  years: number;
  longPut: OptionChainRow;
  shortPut: ShortPick;
  shortCall: ShortPick;
  longCall: OptionChainRow;
}

/** A quoted row's mid: both sides when both are positive, one side alone, never a crossed quote (as risk/prices quoteMid). */
function legMid(row: OptionChainRow): number {
  const bid = row.bid !== null && row.bid > 0 ? row.bid : null;
  const ask = row.ask !== null && row.ask > 0 ? row.ask : null;
  const mid = bid !== null && ask !== null ? (ask >= bid ? (bid + ask) / 2 : null) : (bid ?? ask);
  if (mid === null)
    throw new ToolError('UNKNOWN_PRICE', `${row.symbol} has no usable quote (bid ${row.bid}, ask ${row.ask})`, {
      reason: 'unusable_quote',
      symbol: row.symbol,
    });
  return mid;
}

function pickLegs(chain: OptionChain, req: CondorRequest): Legs {
  const expiry = pickExpiry(chain.rows, req.window, req.expiry, req.today);
  const rows = chain.rows.filter((r) => r.expiration === expiry);
  const years = yearsBetween(req.clockMs, easternInstant(expiry, 16, 0).getTime());
  const inputs = { spot: req.spot, years };
  const shortPut = pickShort(rows, 'put', req.shortDelta, inputs);
  const shortCall = pickShort(rows, 'call', req.shortDelta, inputs);
  if (shortPut.row.strike >= shortCall.row.strike)
    throw new ToolError(
      'UNKNOWN_PRICE',
      `the ${req.shortDelta}-delta put (${shortPut.row.strike}) is not below the ${req.shortDelta}-delta call (${shortCall.row.strike}) on ${expiry}: no condor; choose a smaller short_delta`,
      { reason: 'shorts_cross', short_put: shortPut.row.strike, short_call: shortCall.row.strike, expiry },
    );
  return { years, longPut: pickWing(rows, shortPut.row, req.wingWidth), shortPut, shortCall, longCall: pickWing(rows, shortCall.row, req.wingWidth) };
}

/**
 * Net credit per share: at the mids (rounded to the cent: the order's price) and at the natural
 * (shorts at the bid, wings at the ask). Refused unless 0 < mid credit < width: defined risk, a credit.
 */
function credits({ longPut, shortPut, shortCall, longCall }: Legs, width: number): { mid: number; natural: number } {
  const mid = cents(legMid(shortPut.row) + legMid(shortCall.row) - legMid(longPut) - legMid(longCall));
  const natural = cents((shortPut.row.bid ?? 0) + (shortCall.row.bid ?? 0) - (longPut.ask ?? 0) - (longCall.ask ?? 0));
  if (mid <= 0)
    throw new ToolError('UNKNOWN_PRICE', `the condor's mid credit is ${mid}: the quotes give no credit to sell`, { reason: 'no_credit', credit: mid });
  if (mid >= width)
    throw new ToolError('UNKNOWN_PRICE', `the condor's mid credit ${mid} is not below the wing width ${width}: the quotes are not trustworthy`, {
      reason: 'credit_not_below_width',
      credit: mid,
      wing_width: width,
    });
  return { mid, natural };
}

function probability(legs: Legs, req: CondorRequest, lower: number, upper: number): IronCondorOutput['probability_of_profit'] {
  const { shortPut, shortCall } = legs;
  if (shortPut.deltaSource === 'chain' && shortCall.deltaSource === 'chain')
    return {
      value: popFromDeltas(shortPut.delta, shortCall.delta),
      method: 'chain_delta',
      note: "1 − |Δ short put| − |Δ short call| from the chain's greeks: the chance both shorts expire out of the money",
    };
  const putIv = shortPut.row.impliedVolatility;
  const callIv = shortCall.row.impliedVolatility;
  const value = req.spot !== null && putIv !== null && callIv !== null ? popBetween(req.spot, lower, upper, legs.years, putIv, callIv) : null;
  return value === null
    ? { value: null, method: 'unavailable', note: 'the chain has neither deltas nor implied vols (and a spot) for both shorts' }
    : {
        value,
        method: 'black_scholes',
        note: "the chain sent no deltas: P(lower breakeven < price at expiry < upper) under Black–Scholes with each short's implied vol, rate 0",
      };
}

/** The mleg order; it is handed to check_risk and place_order as is, so it must be one the order schema accepts. */
function condorOrder(underlying: string, legs: Legs, qty: number, credit: number): IronCondorOutput['order'] {
  const leg = (row: OptionChainRow, side: 'buy' | 'sell') => ({
    symbol: row.symbol,
    side,
    ratio_qty: 1 as const,
    position_intent: side === 'buy' ? ('buy_to_open' as const) : ('sell_to_open' as const),
  });
  const order: IronCondorOutput['order'] = {
    side: 'buy',
    qty,
    type: 'limit',
    limit_price: -credit,
    time_in_force: 'day',
    order_class: 'mleg',
    legs: [leg(legs.longPut, 'buy'), leg(legs.shortPut.row, 'sell'), leg(legs.shortCall.row, 'sell'), leg(legs.longCall, 'buy')],
  };
  const valid = OrderInputSchema.safeParse(order);
  if (valid.success) return order;
  const issues = valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new ToolError('INVALID_INPUT', `the ${underlying} chain's contracts do not make an order check_risk accepts (${issues.join('; ')})`, {
    reason: 'order_not_accepted',
    issues,
  });
}

/** The condor, or a ToolError naming why the chain cannot give a defined-risk one. */
export function buildIronCondor(chain: OptionChain, req: CondorRequest, source: { mode: TradingMode; broker: BrokerName }): IronCondorOutput {
  const legs = pickLegs(chain, req);
  const expiry = legs.shortPut.row.expiration;
  const width = req.wingWidth;
  const credit = credits(legs, width);
  const lower = cents(legs.shortPut.row.strike - credit.mid);
  const upper = cents(legs.shortCall.row.strike + credit.mid);
  const order = condorOrder(chain.underlying, legs, req.qty, credit.mid);
  const role = <R extends IronCondorOutput['rows'][number]['role']>(row: OptionChainRow, r: R) => ({ ...row, role: r });
  return {
    mode: source.mode,
    broker: source.broker,
    underlying: chain.underlying,
    spot: req.spot,
    expiry,
    days_to_expiry: daysBetween(req.today, expiry),
    window: { expiration_gte: req.window.gte, expiration_lte: req.window.lte, source: req.windowSource },
    order,
    wing_width: width,
    strikes: { long_put: legs.longPut.strike, short_put: legs.shortPut.row.strike, short_call: legs.shortCall.row.strike, long_call: legs.longCall.strike },
    credit,
    max_profit_usd: cents(credit.mid * CONTRACT_MULTIPLIER * req.qty),
    max_loss_usd: cents((width - credit.mid) * CONTRACT_MULTIPLIER * req.qty),
    breakevens: { lower, upper },
    probability_of_profit: probability(legs, req, lower, upper),
    rows: [role(legs.longPut, 'long_put'), role(legs.shortPut.row, 'short_put'), role(legs.shortCall.row, 'short_call'), role(legs.longCall, 'long_call')],
    chain: {
      contracts: chain.rows.length,
      quoted: chain.rows.length - chain.unquoted.length,
      expirations: expirationsOf(chain.rows),
      capped: chain.capped !== null,
    },
  };
}

/** A few lines a model can act on. */
export function describeCondor(c: IronCondorOutput): string {
  const s = c.strikes;
  const pop = c.probability_of_profit;
  const popText = pop.value === null ? 'probability of profit unavailable' : `probability of profit ≈ ${(pop.value * 100).toFixed(1)}% (${pop.method})`;
  return [
    `Iron condor on ${c.underlying} (${c.mode}) expiring ${c.expiry} (${c.days_to_expiry} days): buy ${s.long_put}P / sell ${s.short_put}P / sell ${s.short_call}C / buy ${s.long_call}C × ${c.order.qty}.`,
    `Credit ${c.credit.mid} at the mid (${c.credit.natural} natural); limit_price ${c.order.limit_price}. Max profit $${c.max_profit_usd}, max loss $${c.max_loss_usd}; breakevens ${c.breakevens.lower} / ${c.breakevens.upper}; ${popText}.`,
    'Pass `order` unchanged to check_risk, then place_order.',
  ].join(' ');
}
