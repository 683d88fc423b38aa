/**
 * The facts several checks share, derived once from the RiskInput: prices, size, legs, exposure,
 * max loss, exits, trail, the option contract and what the action is. A check reads the context
 * and its limits and nothing else; a check that needs a new raw fact (e.g. the lessons matched to
 * the order) reads it from `ctx.input`, so a new check is one file in checks/ and one row in
 * checks/index.ts. Derive a fact here only once two checks share it.
 * @example const ctx = buildContext(input); tradingHaltedCheck.evaluate(ctx, input.limits)
 */
import type { Account, BrokerOrder, Clock, Position, Quote } from '../broker/types.js';
import { OCC_SYMBOL, orderHash, parseOcc, type NormalizedOrder, type OrderLeg, type TradingMode } from '../orders/order.js';
import { exitFacts, type ExitFacts } from './exits.js';
import { exposureOf, workingOrders, type Exposure } from './exposure.js';
import type { QuoteBook, RiskAction, RiskInput, RiskStateSnapshot } from './input.js';
import { finite } from './numbers.js';
import { CONTRACT_MULTIPLIER, type MaxLoss, type ParsedLeg } from './payoff.js';
import { trailFacts, type TrailFacts } from './prices.js';
import { mlegPricing, simplePricing } from './pricing.js';
import { singleOption, type SingleOption } from './single-option.js';
import { normalizeSymbol } from './symbols.js';

export interface RiskContext {
  /** The raw input, for a check that needs a fact no other check shares. */
  input: RiskInput;
  order: NormalizedOrder;
  /** The order's order_hash, computed on first ask and kept (the verdict's, and the duplicate fingerprint of an order without client_order_id). */
  orderHash(): string;
  /** place (the default), close (a held position), or replace (an open order, dropped from openOrders). */
  action: RiskAction;
  mode: TradingMode;
  account: Account;
  state: RiskStateSnapshot;
  clock: Clock;
  quotes: QuoteBook;
  positions: Position[];
  /** The orders that can still fill, one per bracket/OCO group (exposure.ts workingOrders), less the one a replace replaces. */
  openOrders: BrokerOrder[];
  /** `now` (local rate and duplicate windows) and the broker's clock (market checks), in ms. */
  nowMs: number;
  clockMs: number;
  isMleg: boolean;
  legs: OrderLeg[];
  /** The legs that are valid OCC symbols; `allLegsParse` when that is every leg. */
  parsedLegs: ParsedLeg[];
  allLegsParse: boolean;
  /** Normalised underlyings of the legs, and the symbols the order trades (underlyings for options). */
  underlyings: string[];
  tradedSymbols: string[];
  /** A simple order on an OCC option symbol; `option` holds its facts (null when the symbol does not parse). */
  isOption: boolean;
  option: SingleOption | null;
  /** Shares per unit of qty: 100 for an option contract, else 1. */
  multiplier: number;
  /** Account equity (0 when not a finite number). */
  equity: number;
  /** Simple-order pricing (null for multi-leg): the quote, its mid, the execution price, size (shares or contracts) and dollars. */
  quote: Quote | null;
  mid: number | null;
  price: number | null;
  qty: number | null;
  notional: number | null;
  /** Multi-leg pricing (0 / null otherwise): spreads, net premium per spread, max loss, leg mids. */
  spreads: number;
  netPremium: number | null;
  maxLoss: MaxLoss | null;
  grossMid: number | null;
  netMid: number | null;
  /** Bracket / OTO / OCO: the exits and the loss the stop bounds (null otherwise). */
  exits: ExitFacts | null;
  /** Trailing stop: its reference, trail and worst-case fill (null otherwise). */
  trail: TrailFacts | null;
  /** Position and working orders of the order's symbol (null for multi-leg or no symbol). */
  exposure: Exposure | null;
  /** The order only closes or reduces (a PDT day trade could result). */
  reducing: boolean;
  /** The order may only close: action close, an OCO (exits only, at Alpaca) or a _to_close intent. */
  closeOnly: boolean;
}

/** Derive every shared fact of a RiskInput. Pure: no I/O, no clock reads. */
export function buildContext(input: RiskInput): RiskContext {
  const { order, mode, account, state, clock, quotes } = input;
  const action = input.action ?? { kind: 'place' };
  const positions = input.positions ?? [];
  const openOrders = workingOrders(input.openOrders ?? [], action.kind === 'replace' ? action.replaces : null);
  const nowMs = input.now.getTime();
  const clockParsed = Date.parse(clock.timestamp);
  const clockMs = Number.isFinite(clockParsed) ? clockParsed : nowMs;
  const isMleg = order.order_class === 'mleg' || Boolean(order.legs?.length);
  const isOption = !isMleg && order.symbol !== null && OCC_SYMBOL.test(order.symbol);
  const multiplier = isOption ? CONTRACT_MULTIPLIER : 1;
  const legs = order.legs ?? [];
  const parsedLegs = parseLegs(legs);
  const allLegsParse = parsedLegs.length === legs.length;
  const underlyings = [...new Set(parsedLegs.map((l) => normalizeSymbol(l.occ.underlying)))];
  const equity = finite(account.equity) ? account.equity : 0;
  const { quote, mid, price, qty, notional } = simplePricing(order, isMleg, quotes, multiplier);
  const { spreads, netPremium, maxLoss, grossMid, netMid } = mlegPricing(order, isMleg, allLegsParse, quotes);
  const exposure = !isMleg && order.symbol ? exposureOf(order.symbol, positions, openOrders, price ?? mid) : null;
  const option = isOption ? singleOption(order, exposure, qty, price, positions, openOrders) : null;
  const tradedSymbols = isMleg ? underlyings : order.symbol ? [normalizeSymbol(option?.occ.underlying ?? order.symbol)] : [];
  const reducing = isReducing(order, isMleg, legs, exposure, option);
  const closeOnly =
    action.kind === 'close' ||
    order.order_class === 'oco' ||
    Boolean(order.position_intent?.endsWith('_to_close')) ||
    (isMleg && legs.some((l) => l.position_intent.endsWith('_to_close')));
  // One literal, not spreads: V8 builds this object from spreads ~100× slower (≈10 µs a verdict, measured).
  let hash: string | null = null;
  return {
    input,
    order,
    orderHash: () => (hash ??= orderHash(order, mode)),
    action,
    mode,
    account,
    state,
    clock,
    quotes,
    positions,
    openOrders,
    nowMs,
    clockMs,
    isMleg,
    legs,
    parsedLegs,
    allLegsParse,
    underlyings,
    tradedSymbols,
    isOption,
    option,
    multiplier,
    equity,
    quote,
    mid,
    price,
    qty,
    notional,
    spreads,
    netPremium,
    maxLoss,
    grossMid,
    netMid,
    exits: exitFacts(order, price, mid, qty),
    trail: trailFacts(order, quote),
    exposure,
    reducing,
    closeOnly,
  };
}

/** Multi-leg: every leg closes; an option: its intent closes; else the order's side works against the position held. */
function isReducing(order: NormalizedOrder, isMleg: boolean, legs: OrderLeg[], exposure: Exposure | null, option: SingleOption | null): boolean {
  if (isMleg) return legs.length > 0 && legs.every((l) => l.position_intent.endsWith('_to_close'));
  if (option?.opening) return false;
  return exposure !== null && ((order.side === 'sell' && exposure.position > 0) || (order.side === 'buy' && exposure.position < 0));
}

/** The legs that are valid OCC symbols, with their parsed contract. */
function parseLegs(legs: OrderLeg[]): ParsedLeg[] {
  const parsed: ParsedLeg[] = [];
  for (const l of legs) {
    const occ = parseOcc(l.symbol);
    if (occ) parsed.push({ ...l, occ });
  }
  return parsed;
}
