/**
 * A shadow account's book (SPEC §14), pure: no I/O, no clock. The account is its fills: cash starts at
 * the account's initial cash, every buy spends qty × price, every sell receives it; holdings carry an
 * average cost, and a sell realises (price − average cost) × qty — a win when that is above zero.
 *
 * The fill model (stated in every arena result): whole shares, long only, at the quote's mid plus
 * `slippageBps` against the model (buys mid × (1 + bps/1e4), sells mid × (1 − bps/1e4)), prices to 1/100
 * of a cent, cash to the cent. A BUY of fraction f spends at most f × cash; a SELL of f sells
 * floor(f × held) shares (f = 1 sells all). Nothing fills that the cash or the holding cannot cover.
 *
 * @example
 *   const book = replay(10_000, fills);
 *   const fill = sizeDecision(book, { action: 'BUY', symbol: 'SPY', qty_fraction: 0.5 }, 500, 5);
 *   // { ok: true, side: 'buy', qty: 9, price: 500.25 }
 */

export type Side = 'buy' | 'sell';

export interface BookFill {
  symbol: string;
  side: Side;
  qty: number;
  price: number;
}

export interface Holding {
  qty: number;
  /** Total cost basis of the shares held (USD). */
  cost: number;
}

export interface Book {
  initialCash: number;
  cash: number;
  holdings: Map<string, Holding>;
  realized: number;
  fills: number;
  /** Sells (each closes shares against their average cost) and how many of them made money. */
  closed: number;
  wins: number;
}

export type Sized = { ok: true; side: Side; qty: number; price: number } | { ok: false; reason: string };

export const cents = (x: number): number => Math.round(x * 100) / 100;
const price4 = (x: number): number => Math.round(x * 10_000) / 10_000;

export function emptyBook(initialCash: number): Book {
  return { initialCash, cash: initialCash, holdings: new Map(), realized: 0, fills: 0, closed: 0, wins: 0 };
}

/** Apply one fill (mutates the book). The caller sized it against this book, so it always fits. */
export function applyFill(book: Book, fill: BookFill): void {
  const value = cents(fill.qty * fill.price);
  const held = book.holdings.get(fill.symbol) ?? { qty: 0, cost: 0 };
  book.fills += 1;
  if (fill.side === 'buy') {
    book.cash = cents(book.cash - value);
    book.holdings.set(fill.symbol, { qty: held.qty + fill.qty, cost: held.cost + value });
    return;
  }
  const basis = held.qty > 0 ? (held.cost * fill.qty) / held.qty : 0;
  const pnl = value - basis;
  book.cash = cents(book.cash + value);
  book.realized = cents(book.realized + pnl);
  book.closed += 1;
  if (pnl > 0) book.wins += 1;
  const left = held.qty - fill.qty;
  if (left > 0) book.holdings.set(fill.symbol, { qty: left, cost: held.cost - basis });
  else book.holdings.delete(fill.symbol);
}

/** The book after these fills, in order. */
export function replay(initialCash: number, fills: Iterable<BookFill>): Book {
  const book = emptyBook(initialCash);
  for (const f of fills) applyFill(book, f);
  return book;
}

/** The price a side fills at: the mid moved `bps` against the model. */
export function fillPrice(side: Side, mid: number, bps: number): number {
  return price4(side === 'buy' ? mid * (1 + bps / 10_000) : mid * (1 - bps / 10_000));
}

/** Whole shares a buy of at most `budget` dollars gets at `price`, with the cash to pay for them. */
function affordable(book: Book, budget: number, price: number): number {
  let qty = Math.floor(Math.min(budget, book.cash) / price);
  while (qty > 0 && cents(qty * price) > book.cash) qty -= 1;
  return qty;
}

export interface ArenaAction {
  action: 'BUY' | 'SELL' | 'HOLD';
  symbol: string;
  qty_fraction: number;
}

/** What an arena decision fills as in this book at this mid; a HOLD or a size of zero fills nothing. */
export function sizeDecision(book: Book, d: ArenaAction, mid: number, bps: number): Sized {
  if (d.action === 'HOLD') return { ok: false, reason: 'HOLD' };
  if (!(mid > 0)) return { ok: false, reason: `no price for ${d.symbol}` };
  if (d.action === 'BUY') {
    const price = fillPrice('buy', mid, bps);
    const qty = affordable(book, d.qty_fraction * book.cash, price);
    return qty > 0
      ? { ok: true, side: 'buy', qty, price }
      : { ok: false, reason: `a ${d.qty_fraction} fraction of $${book.cash} buys no whole share at ${price}` };
  }
  const held = book.holdings.get(d.symbol)?.qty ?? 0;
  if (held === 0) return { ok: false, reason: `no ${d.symbol} held (long only: a SELL closes, never shorts)` };
  const qty = Math.floor(d.qty_fraction * held);
  return qty > 0
    ? { ok: true, side: 'sell', qty, price: fillPrice('sell', mid, bps) }
    : { ok: false, reason: `a ${d.qty_fraction} fraction of ${held} shares is no whole share` };
}

export interface ShadowOrder {
  symbol: string;
  side: Side;
  qty?: number | undefined;
  notional?: number | undefined;
  type: string;
  limit_price?: number | undefined;
}

/**
 * What a council member's shadow of an order fills as: the order scaled by (this account's cash / the real
 * account's cash), at the mid plus slippage, when a limit order's limit reaches that price; a sell is capped
 * at what the account holds.
 */
export function sizeOrder(book: Book, order: ShadowOrder, realCash: number, mid: number, bps: number): Sized {
  if (!(mid > 0)) return { ok: false, reason: `no price for ${order.symbol}` };
  if (!(realCash > 0)) return { ok: false, reason: 'the real account has no cash to scale the order against' };
  const price = fillPrice(order.side, mid, bps);
  if (order.type !== 'market' && order.limit_price !== undefined) {
    const reached = order.side === 'buy' ? order.limit_price >= price : order.limit_price <= price;
    if (!reached) return { ok: false, reason: `limit ${order.limit_price} not reached at ${price}` };
  }
  const ratio = book.cash / realCash;
  const wanted = order.qty !== undefined ? order.qty * ratio : ((order.notional ?? 0) * ratio) / price;
  if (order.side === 'buy') {
    const qty = affordable(book, Math.floor(wanted) * price, price);
    return qty > 0 ? { ok: true, side: 'buy', qty, price } : { ok: false, reason: `scaled by ${ratio.toFixed(4)} the order is no whole share` };
  }
  const held = book.holdings.get(order.symbol)?.qty ?? 0;
  const qty = Math.min(held, Math.floor(wanted));
  return qty > 0
    ? { ok: true, side: 'sell', qty, price }
    : { ok: false, reason: held ? `scaled by ${ratio.toFixed(4)} the order is no whole share` : `no ${order.symbol} held` };
}

export interface MarkedPosition {
  symbol: string;
  qty: number;
  avg_cost: number;
  price: number | null;
  market_value: number;
  unrealized_pl: number;
}

/** Equity at these prices; a holding without a price is carried at its cost (and says so: price null). */
export function markToMarket(book: Book, prices: ReadonlyMap<string, number>): { equity: number; positions: MarkedPosition[] } {
  const positions: MarkedPosition[] = [];
  let value = 0;
  for (const [symbol, h] of [...book.holdings].sort(([a], [b]) => a.localeCompare(b))) {
    const price = prices.get(symbol) ?? null;
    const mv = price === null ? cents(h.cost) : cents(h.qty * price);
    value += mv;
    positions.push({ symbol, qty: h.qty, avg_cost: price4(h.cost / h.qty), price, market_value: mv, unrealized_pl: cents(mv - h.cost) });
  }
  return { equity: cents(book.cash + value), positions };
}

/** The largest fall from a running peak, as a fraction of that peak (0: never below a peak). */
export function maxDrawdown(equity: Iterable<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const e of equity) {
    if (e > peak) peak = e;
    else if (peak > 0) worst = Math.max(worst, (peak - e) / peak);
  }
  return Math.round(worst * 1e6) / 1e6;
}
