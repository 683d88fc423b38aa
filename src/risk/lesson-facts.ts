/**
 * The facts a lesson's block rule is matched against (block-rule.ts names them), derived from the
 * shared risk context: the order's own fields, its strategy and tags, and what only the server
 * knows — days to expiry, minutes since the open and to the close, the age and spread of the
 * quotes, whether it opens a position, sells an option to open, or leaves a short option naked.
 * Pure, like every check; the broker's clock is the time (never the local clock).
 *
 * @example blockFacts(buildContext(input), input.limits, { strategy: 'iron_condor', tags: [] }).dte === 35
 */
import { sessionOn } from '../broker/calendar.js';
import { parseOcc } from '../orders/order.js';
import type { BlockFacts } from './block-rule.js';
import { optionsDefinedRiskCheck } from './checks/options-defined-risk.js';
import type { RiskContext } from './context.js';
import type { LessonRules } from './input.js';
import type { RiskLimits } from './limits.js';
import { MIN, daysBetween, nyTime } from './ny-time.js';
import { normalizeSymbol } from './symbols.js';

const round1 = (x: number) => Math.round(x * 10) / 10;

export function blockFacts(ctx: RiskContext, limits: RiskLimits, order: Pick<LessonRules, 'strategy' | 'tags'>): BlockFacts {
  const o = ctx.order;
  const { afterOpen, toClose } = sessionMinutes(ctx);
  const { age, spread } = quoteFacts(ctx);
  return {
    symbol: o.symbol === null ? null : normalizeSymbol(o.symbol),
    underlying: ctx.tradedSymbols.length === 1 ? ctx.tradedSymbols[0]! : null,
    side: ctx.isMleg ? null : o.side,
    type: o.type,
    time_in_force: o.time_in_force,
    order_class: o.order_class,
    position_intent: ctx.option?.intent ?? o.position_intent,
    asset_class: ctx.isMleg || ctx.isOption ? 'us_option' : 'us_equity',
    extended_hours: o.extended_hours,
    qty: o.qty,
    notional: o.notional,
    limit_price: o.limit_price,
    stop_price: o.stop_price,
    trail_price: o.trail_price,
    trail_percent: o.trail_percent,
    strategy: order.strategy,
    tags: order.tags,
    dte: nearestDte(ctx),
    minutes_after_open: afterOpen,
    minutes_to_close: toClose,
    quote_age_sec: age,
    spread_pct: spread,
    opening: !ctx.reducing && !ctx.closeOnly,
    short_option: shortOption(ctx),
    naked_short_option: nakedShort(ctx, limits),
  };
}

/** Days to the nearest expiry among the order's contracts (null for a stock order or unreadable contracts). */
function nearestDte(ctx: RiskContext): number | null {
  const expiries = ctx.isMleg
    ? ctx.allLegsParse
      ? ctx.parsedLegs.map((l) => l.occ.expiration)
      : []
    : ctx.isOption && ctx.order.symbol
      ? [parseOcc(ctx.order.symbol)?.expiration].filter((e): e is string => Boolean(e))
      : [];
  if (!expiries.length) return null;
  const today = nyTime(ctx.clockMs).date;
  return Math.min(...expiries.map((e) => daysBetween(today, e)));
}

/**
 * Minutes since the regular open and to the close, while the broker says the market is open. The
 * open is the NYSE calendar's for the broker clock's date, trusted only when the broker's next
 * close is that session's close (a special session or a broker that disagrees: unknown, null).
 */
function sessionMinutes(ctx: RiskContext): { afterOpen: number | null; toClose: number | null } {
  if (!ctx.clock.isOpen) return { afterOpen: null, toClose: null };
  const nextClose = Date.parse(ctx.clock.nextClose);
  const toClose = Number.isFinite(nextClose) && nextClose > ctx.clockMs ? round1((nextClose - ctx.clockMs) / MIN) : null;
  const session = sessionOn(nyTime(ctx.clockMs).date);
  const agrees = session !== null && Number.isFinite(nextClose) && Math.abs(nextClose - session.close.getTime()) <= MIN;
  const afterOpen = agrees && ctx.clockMs >= session.open.getTime() ? round1((ctx.clockMs - session.open.getTime()) / MIN) : null;
  return { afterOpen, toClose };
}

/** The oldest quote's age and the widest spread (percent of mid) over the quotes the order is priced on. */
function quoteFacts(ctx: RiskContext): { age: number | null; spread: number | null } {
  const symbols = ctx.isMleg ? ctx.legs.map((l) => l.symbol) : ctx.order.symbol ? [ctx.order.symbol] : [];
  if (!symbols.length) return { age: null, spread: null };
  let age = -Infinity;
  let spread: number | null = -Infinity;
  for (const s of symbols) {
    const q = ctx.quotes[s];
    const ts = q ? Date.parse(q.timestamp) : Number.NaN;
    if (!q || !Number.isFinite(ts)) return { age: null, spread: null };
    age = Math.max(age, (ctx.clockMs - ts) / 1000);
    const bid = q.bidPrice;
    const ask = q.askPrice;
    if (spread !== null && Number.isFinite(bid) && Number.isFinite(ask) && bid > 0 && ask >= bid)
      spread = Math.max(spread, ((ask - bid) / ((ask + bid) / 2)) * 100);
    else spread = null;
  }
  return { age: round1(age), spread: spread === null ? null : Math.round(spread * 1000) / 1000 };
}

function shortOption(ctx: RiskContext): boolean | null {
  if (ctx.isMleg) return ctx.legs.some((l) => l.side === 'sell' && l.position_intent === 'sell_to_open');
  if (!ctx.isOption) return false;
  if (!ctx.option) return null;
  return ctx.option.opening && ctx.order.side === 'sell';
}

/** The options_defined_risk rule's own answer: one definition of "naked" for the check and the lessons. */
function nakedShort(ctx: RiskContext, limits: RiskLimits): boolean | null {
  if (!ctx.isMleg && !ctx.isOption) return false;
  const verdict = optionsDefinedRiskCheck.evaluate(ctx, limits);
  if (verdict.passed) return false;
  return verdict.actual === null ? null : true;
}
