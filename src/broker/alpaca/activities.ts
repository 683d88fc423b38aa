/**
 * Alpaca fills for trade memory: GET /v2/account/activities/FILL (the SDK's
 * AccountActivitiesApi), oldest first (`direction=asc`), 100 a page (Alpaca's maximum), each next
 * page asked with `page_token` = the id of the last activity of the page before, until an empty
 * page (a short page is not taken as the last: Alpaca does not promise full pages). Activities rather than the orders' fill fields: an activity is one execution with its own
 * id, price and time, so partial fills and fills of orders placed elsewhere (a bracket's exits, a
 * person in the dashboard) are all there, and the id makes a re-read harmless.
 *
 * The cursor is the latest transaction_time seen. Alpaca can post an execution late, stamped with
 * its real (earlier) time, and its API offers no "posted after" filter: only `after` on the
 * transaction time. So every read starts FILLS_OVERLAP_MS (15 minutes) before the cursor, and a
 * deep read starts FILLS_DEEP_MS (3 days) before it: the first read of each server process and
 * every read FILLS_DEEP_EVERY_MS (6 hours) after the last deep one. Repeats are dropped by fill id
 * (the store's primary key), so a re-read costs pages, never a double count. The bound: a fill
 * stamped up to 15 minutes before the latest fill already read is read by the next poll; one
 * stamped up to 3 days before it, by the next deep read (within 6 hours, or at a restart). Older
 * late postings are not read. Same-instant fills (a multi-leg order's legs) and the SDK's
 * millisecond rounding of the cursor fall inside the overlap too; trade memory drops the
 * repeats by fill id. A FILL activity carries no client_order_id: it is looked up once per order
 * (GET /v2/orders/{id}) and remembered for the process; an order Alpaca no longer knows keeps its
 * own id in that place. Fees are separate activities (FEE, REG, TAF), so a fill's fee is null.
 *
 * Multi-leg orders: a leg's FILL names only the leg's own order_id, and the leg order names no
 * parent (Alpaca nests legs under the mleg order, never the other way). An order that looks like a
 * leg (order_class mleg, no legs of its own) or that Alpaca does not serve by id is found in the
 * nested listing (GET /v2/orders?status=all&nested=true) over the week up to its fill: the mleg
 * order whose legs name it. Every leg of that parent is remembered at once (one listing for the
 * four legs of a condor), and its fills carry parent_order_id and the parent's client_order_id, so
 * the legs form one position trip exactly as the sim's do.
 */
import { z } from 'zod';
import { isoMs, type Fill } from '../../memory/fills.js';
import { MAX_PAGES } from '../paging.js';
import type { FeeRecord } from '../../memory/fees.js';
import type { FeePage, FillCursor, FillPage } from '../types.js';
import type { AlpacaClient } from './client.js';
import { getOrder } from './orders.js';
import { num } from './wire.js';

export const FILLS_PAGE_SIZE = 100;
/** How far before the cursor each read starts (repeats are dropped by fill id downstream). */
export const FILLS_OVERLAP_MS = 15 * 60_000;
/** How far before the cursor a deep read starts, and how often one is made. */
export const FILLS_DEEP_MS = 3 * 86_400_000;
export const FILLS_DEEP_EVERY_MS = 6 * 3_600_000;

const WireFill = z.looseObject({
  id: z.string().min(1),
  activity_type: z.literal('FILL'),
  transaction_time: z.string().refine((v) => Number.isFinite(isoMs(v)), 'not an ISO 8601 time with a zone'),
  type: z.enum(['fill', 'partial_fill']),
  price: num,
  qty: num,
  side: z.enum(['buy', 'sell', 'sell_short']),
  symbol: z.string().min(1),
  order_id: z.string().min(1),
  leaves_qty: num.optional(),
  cum_qty: num.optional(),
});
type WireFill = z.output<typeof WireFill>;

function afterOf(cursor: FillCursor | null, overlapMs: number): Date | undefined {
  if (cursor === null) return undefined;
  const ms = isoMs(cursor);
  return Number.isFinite(ms) ? new Date(ms - overlapMs) : undefined;
}

/** When this process last read deep (per broker instance: a new server reads deep once). */
export interface FillReadState {
  links: Map<string, OrderLink>;
  lastDeepMs: number | null;
}

/** Every activity of one type after `after`, page by page to the end. */
async function readActivities<T extends { id: string }>(c: AlpacaClient, type: 'FILL' | 'FEE', after: Date | undefined, schema: z.ZodType<T>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await c.caller.call(
      { what: `GET /v2/account/activities/${type}`, method: 'GET' },
      () =>
        c.api.activities.getAccountActivitiesByActivityTypeRaw({
          activityType: type,
          direction: 'asc',
          pageSize: FILLS_PAGE_SIZE,
          ...(after ? { after } : {}),
          ...(token ? { pageToken: token } : {}),
        }),
      z.array(schema),
    );
    out.push(...page);
    // Alpaca's contract: the token is the id of the page's last item (a page out of order then re-reads some: harmless)
    const last = page[page.length - 1]?.id;
    // only an empty page ends the walk: Alpaca does not promise full pages before the last one
    if (!last || seen.has(last)) break;
    seen.add(last);
    token = last;
  }
  return out;
}

/** What a fill's order is: our client_order_id, and the mleg parent for a leg. */
export interface OrderLink {
  clientOrderId: string;
  parentId: string | null;
}

/** The nested listing's mleg orders with their legs' ids (only what the link needs). */
const MlegListing = z.array(
  z.looseObject({
    id: z.string(),
    client_order_id: z.string(),
    order_class: z.string().nullable().optional(),
    legs: z
      .array(z.looseObject({ id: z.string() }))
      .nullable()
      .optional(),
  }),
);

/** How far before a leg's fill its mleg order is looked for (a GTC spread may rest for days). */
export const MLEG_LOOKBACK_MS = 7 * 86_400_000;

/** Find the mleg order one of whose legs is `orderId` and remember every leg of it; false when none is found. */
async function linkLegs(c: AlpacaClient, known: Map<string, OrderLink>, orderId: string, filledAt: string): Promise<boolean> {
  const until = new Date(isoMs(filledAt) + 1000);
  const after = new Date(until.getTime() - MLEG_LOOKBACK_MS);
  const list = await c.caller.call(
    { what: 'GET /v2/orders (nested, for a leg)', method: 'GET' },
    () => c.api.orders.getAllOrdersRaw({ status: 'all', nested: true, direction: 'desc', limit: 500, after: after.toISOString(), until: until.toISOString() }),
    MlegListing,
  );
  let found = false;
  for (const o of list) {
    if (!o.legs?.length || (o.order_class && o.order_class !== 'mleg')) continue;
    if (o.legs.some((l) => l.id === orderId)) found = true;
    for (const l of o.legs) known.set(l.id, { clientOrderId: o.client_order_id || o.id, parentId: o.id });
  }
  return found;
}

async function linkOf(c: AlpacaClient, known: Map<string, OrderLink>, orderId: string, filledAt: string): Promise<OrderLink> {
  let link = known.get(orderId);
  if (link) return link;
  const order = await getOrder(c, orderId);
  const legLike = !order || (order.orderClass === 'mleg' && !order.legs?.length);
  if (legLike && (await linkLegs(c, known, orderId, filledAt))) return known.get(orderId)!;
  link = { clientOrderId: order?.clientOrderId || orderId, parentId: null };
  known.set(orderId, link);
  return link;
}

/** The fills after `cursor`, oldest first; `state` remembers each order's client_order_id and mleg parent, and the last deep read. */
export async function listFills(c: AlpacaClient, cursor: FillCursor | null, state: FillReadState, nowMs = Date.now()): Promise<FillPage> {
  const deep = state.lastDeepMs === null || nowMs - state.lastDeepMs >= FILLS_DEEP_EVERY_MS;
  const wire = await readActivities(c, 'FILL', afterOf(cursor, deep ? FILLS_DEEP_MS : FILLS_OVERLAP_MS), WireFill);
  if (deep) state.lastDeepMs = nowMs;
  const links = state.links;
  const fills: Fill[] = [];
  let latest = cursor;
  for (const a of wire) {
    const link = await linkOf(c, links, a.order_id, a.transaction_time);
    fills.push({
      id: a.id,
      order_id: a.order_id,
      client_order_id: link.clientOrderId,
      parent_order_id: link.parentId,
      symbol: a.symbol,
      side: a.side === 'buy' ? 'buy' : 'sell',
      qty: a.qty,
      price: a.price,
      fee: null,
      at: a.transaction_time,
    });
    if (latest === null || isoMs(a.transaction_time) > isoMs(latest)) latest = a.transaction_time;
  }
  return { fills, cursor: latest };
}

/**
 * Fee activities: GET /v2/account/activities/FEE, the non-trade activity shape (alpaca-py's
 * NonTradeActivity: id, activity_type, date, net_amount, symbol, qty, per_share_amount,
 * description, status). Alpaca's changelog of 2026-10-21 ("parent_id is now optional on fee
 * activity events") says which fees name their trade: a fee with a one-to-one parent trade (a
 * commission, COM) carries parent_id; the volume-based regulatory fees (REG, the SEC fee; TAF;
 * CAT; ORF, the options regulatory fee; NRV, NRC, BSWP) are charged across a period's trades and
 * name at most a symbol and a date. Both are read; trade memory attributes them (memory/fees.ts:
 * by order, else by symbol and trade date, else not at all). A positive net_amount (a rebate) is
 * not a fee and is skipped. The cursor is the latest date seen; each read re-reads from three days
 * before it (fees post after the trade, sometimes days later), repeats dropped by id in the store.
 */
const WireFee = z.looseObject({
  id: z.string().min(1),
  activity_type: z.literal('FEE'),
  date: z.string().min(10).optional(),
  transaction_time: z.string().optional(),
  net_amount: num,
  symbol: z.string().nullable().optional(),
  order_id: z.string().nullable().optional(),
  parent_id: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
});

export const FEES_OVERLAP_MS = 3 * 86_400_000;

export async function listFees(c: AlpacaClient, cursor: FillCursor | null): Promise<FeePage> {
  const ms = cursor === null ? Number.NaN : Date.parse(cursor);
  const after = Number.isFinite(ms) ? new Date(ms - FEES_OVERLAP_MS) : undefined;
  const wire = await readActivities(c, 'FEE', after, WireFee);
  const fees: FeeRecord[] = [];
  let latest = cursor;
  for (const a of wire) {
    const date = (a.date ?? a.transaction_time ?? '').slice(0, 10);
    if (/^\d{4}-\d{2}-\d{2}$/.test(date) && (latest === null || date > latest)) latest = date;
    if (!(a.net_amount < 0)) continue;
    fees.push({ id: a.id, amount: -a.net_amount, order_id: a.order_id || a.parent_id || null, symbol: a.symbol || null, date: date || null });
  }
  return { fees, cursor: latest };
}
