/**
 * Alpaca fills for trade memory: GET /v2/account/activities/FILL (the SDK's
 * AccountActivitiesApi), oldest first (`direction=asc`), 100 a page (Alpaca's maximum), each next
 * page asked with `page_token` = the id of the last activity of the page before, until an empty
 * page (a short page is not taken as the last: Alpaca does not promise full pages). Activities rather than the orders' fill fields: an activity is one execution with its own
 * id, price and time, so partial fills and fills of orders placed elsewhere (a bracket's exits, a
 * person in the dashboard) are all there, and the id makes a re-read harmless.
 *
 * The cursor is the latest transaction_time seen. The next read asks `after` = that time less a
 * minute: fills at the same instant (a multi-leg order's legs), a cursor the SDK rounds to the
 * millisecond and late-posted executions are read again rather than missed; trade memory drops the
 * repeats by fill id. A FILL activity carries no client_order_id: it is looked up once per order
 * (GET /v2/orders/{id}) and remembered for the process; an order Alpaca no longer knows keeps its
 * own id in that place. Fees are separate activities (FEE, REG, TAF), so a fill's fee is null.
 */
import { z } from 'zod';
import { isoMs, type Fill } from '../../memory/fills.js';
import { MAX_PAGES } from '../paging.js';
import type { FillCursor, FillPage } from '../types.js';
import type { AlpacaClient } from './client.js';
import { getOrder } from './orders.js';
import { num } from './wire.js';

export const FILLS_PAGE_SIZE = 100;
/** How far before the cursor each read starts (repeats are dropped by fill id downstream). */
export const FILLS_OVERLAP_MS = 60_000;

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

function afterOf(cursor: FillCursor | null): Date | undefined {
  if (cursor === null) return undefined;
  const ms = isoMs(cursor);
  return Number.isFinite(ms) ? new Date(ms - FILLS_OVERLAP_MS) : undefined;
}

/** Every FILL activity after the cursor, page by page to the end. */
async function readActivities(c: AlpacaClient, cursor: FillCursor | null): Promise<WireFill[]> {
  const after = afterOf(cursor);
  const out: WireFill[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages++) {
    const page = await c.caller.call(
      { what: 'GET /v2/account/activities/FILL', method: 'GET' },
      () =>
        c.api.activities.getAccountActivitiesByActivityTypeRaw({
          activityType: 'FILL',
          direction: 'asc',
          pageSize: FILLS_PAGE_SIZE,
          ...(after ? { after } : {}),
          ...(token ? { pageToken: token } : {}),
        }),
      z.array(WireFill),
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

async function clientIdOf(c: AlpacaClient, known: Map<string, string>, orderId: string): Promise<string> {
  let id = known.get(orderId);
  if (id === undefined) {
    const order = await getOrder(c, orderId);
    id = order?.clientOrderId || orderId;
    known.set(orderId, id);
  }
  return id;
}

/** The fills after `cursor`, oldest first; `clientIds` remembers order id → client_order_id between reads. */
export async function listFills(c: AlpacaClient, cursor: FillCursor | null, clientIds: Map<string, string>): Promise<FillPage> {
  const wire = await readActivities(c, cursor);
  const fills: Fill[] = [];
  let latest = cursor;
  for (const a of wire) {
    fills.push({
      id: a.id,
      order_id: a.order_id,
      client_order_id: await clientIdOf(c, clientIds, a.order_id),
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
