/**
 * Shadow execution of council votes (SPEC §14): every member's vote goes to ModelChat (it is advice we paid
 * for), and when the vote was on an order, each member that APPROVEd takes that order in its own shadow
 * account, scaled to its cash (sizeOrder: qty × account cash / the real account's cash, at the mid plus
 * slippage, a limit honoured). REJECT, ABSTAIN, invalid and failed members take nothing. Only stock entries
 * are shadowed (a bracket's exits, stops, options and multi-leg orders are noted, not simulated).
 *
 * Called by the council after it decided; it never fails the council (council.ts logs what went wrong).
 * It reads the real broker's account and a quote; it never submits anything.
 */
import type { Deps } from '../deps.js';
import type { MemberOutcome } from '../council/aggregate.js';
import type { Broker } from '../broker/types.js';
import { EQUITY_SYMBOL, type NormalizedOrder } from '../orders/order.js';
import { type ShadowOrder, sizeOrder } from './book.js';
import { midOf, midsOf, type PriceSource } from './snapshot.js';
import { type ArenaStore, type ChatRecord, type FillRequest, type FillResult, getArenaStore } from './store.js';

export interface CouncilShadowInput {
  councilId: string;
  at: string;
  order: NormalizedOrder | null;
  promptDigest: string;
  outcomes: readonly MemberOutcome[];
  /** Each member's reply text (null: none came). */
  replies: ReadonlyArray<string | null>;
  callIds: ReadonlyArray<string | null>;
}

export interface ShadowFill {
  member: number;
  model: string;
  filled: { id: number; side: 'buy' | 'sell'; qty: number; price: number } | null;
  note: string | null;
}

/** Why an order is not shadowed, or null when it is a stock entry the shadow account can take. */
export function unshadowable(order: NormalizedOrder): string | null {
  if (order.legs?.length) return 'multi-leg orders are not shadowed';
  if (!order.symbol || !EQUITY_SYMBOL.test(order.symbol)) return 'only stock orders are shadowed';
  if (order.type !== 'market' && order.type !== 'limit') return `a ${order.type} order waits for a trigger the shadow account does not simulate`;
  return null;
}

const modelOf = (o: MemberOutcome) => o.model_served ?? o.model_requested ?? o.tier;

function chatOf(input: CouncilShadowInput, o: MemberOutcome, fill: { id: number | null; note: string | null }): ChatRecord {
  return {
    at: input.at,
    kind: 'council',
    ref: input.councilId,
    model: modelOf(o),
    model_requested: o.model_requested,
    model_served: o.model_served,
    tier: o.tier,
    symbols: input.order?.symbol ? [input.order.symbol] : [],
    prompt_digest: input.promptDigest,
    reply: input.replies[o.member] ?? null,
    action: o.vote,
    symbol: input.order?.symbol ?? null,
    qty_fraction: null,
    confidence: o.confidence,
    reasoning: o.reasoning,
    status: o.status,
    error_code: o.error?.code ?? null,
    error_message: o.error?.message ?? null,
    cost_usd: o.cost_usd,
    latency_ms: o.latency_ms,
    call_id: input.callIds[o.member] ?? null,
    fill_id: fill.id,
    fill_note: fill.note,
  };
}

interface Market {
  realCash: number;
  mid: number;
}

/** What the shadow reads of the real broker: its cash and quotes — nothing that submits. */
export type ShadowBroker = Pick<Broker, 'getAccount' | 'getLatestQuote' | 'getBars'>;

async function marketFor(broker: ShadowBroker, symbol: string): Promise<Market> {
  const [account, quote] = await Promise.all([broker.getAccount(), broker.getLatestQuote(symbol)]);
  return { realCash: account.cash > 0 ? account.cash : account.equity, mid: midOf(quote) };
}

/** The approving member's shadow of the order, sized in its own account. */
function shadowRequest(deps: Deps, input: CouncilShadowInput, o: MemberOutcome, order: NormalizedOrder, market: Market): FillRequest {
  const shadow: ShadowOrder = {
    symbol: order.symbol!,
    side: order.side,
    qty: order.qty ?? undefined,
    notional: order.notional ?? undefined,
    type: order.type,
    limit_price: order.limit_price ?? undefined,
  };
  return {
    model: modelOf(o),
    initialCash: deps.profile.arena.initialCash,
    at: input.at,
    source: 'council',
    ref: input.councilId,
    symbol: shadow.symbol,
    mid: market.mid,
    size: (book) => sizeOrder(book, shadow, market.realCash, market.mid, deps.profile.arena.slippageBps),
  };
}

function shadowFill(o: MemberOutcome, order: NormalizedOrder, r: FillResult): ShadowFill {
  const model = modelOf(o);
  if (!r.filled) return { member: o.member, model, filled: null, note: r.reason };
  const exits = order.order_class !== 'simple' ? `entry only: the ${order.order_class} exits are not simulated` : null;
  return { member: o.member, model, filled: { id: r.filled.id, side: r.filled.side, qty: r.filled.qty, price: r.filled.price }, note: exits };
}

/** A point on each filled account's equity curve, every holding at its mid now (cost when unquoted). */
async function markFilled(store: ArenaStore, broker: PriceSource, input: CouncilShadowInput, fills: readonly ShadowFill[], market: Market): Promise<void> {
  const models = fills.filter((f) => f.filled).map((f) => f.model);
  if (!models.length) return;
  const others = (await store.heldBy(models)).filter((s) => s !== input.order?.symbol);
  const mids = new Map([...(await midsOf(broker, others)), [input.order!.symbol!, market.mid] as const]);
  await store.markAll(models, mids, input.at);
}

/** The approving members' fills, in one commit (each still sized atomically in its own account). */
async function fillApproving(
  deps: Deps,
  store: ArenaStore,
  input: CouncilShadowInput,
  approving: readonly MemberOutcome[],
  market: Market | null,
  note: string | null,
) {
  const order = input.order;
  if (!market || !order) return approving.map((o): ShadowFill => ({ member: o.member, model: modelOf(o), filled: null, note }));
  const results = await store.fillAll(approving.map((o) => shadowRequest(deps, input, o, order, market)));
  return approving.map((o, i) => shadowFill(o, order, results[i]!));
}

/** Shadow fills for the approving members, then every vote into ModelChat (with the fill it caused). */
export async function shadowCouncil(deps: Deps, brokerOf: () => Promise<ShadowBroker>, input: CouncilShadowInput): Promise<ShadowFill[]> {
  const store = await getArenaStore(deps);
  const approving = input.outcomes.filter((o) => o.status === 'valid' && o.vote === 'APPROVE');
  const order = input.order;
  const why = order ? unshadowable(order) : 'no order';
  let market: Market | null = null;
  let broker: ShadowBroker | null = null;
  let note = why;
  if (order && !why && approving.length) {
    market = await brokerOf()
      .then((b) => {
        broker = b;
        return marketFor(b, order.symbol!);
      })
      .catch((err: Error) => {
        note = `no price to shadow at: ${err.message.slice(0, 200)}`;
        return null;
      });
  }
  const fills = new Map((await fillApproving(deps, store, input, approving, market, note)).map((f) => [f.member, f] as const));
  if (market && broker) await markFilled(store, broker, input, [...fills.values()], market);
  // one commit for the council's chat rows, not one per member
  await store.recordChats(
    input.outcomes.map((o) => {
      const f = fills.get(o.member);
      return chatOf(input, o, { id: f?.filled?.id ?? null, note: f ? f.note : o.status === 'valid' ? `${o.vote}: takes nothing` : null });
    }),
  );
  return [...fills.values()];
}
