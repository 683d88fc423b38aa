/**
 * The loopback Alpaca's account activities of type FILL (GET /v2/account/activities/FILL), the
 * fields and types of Alpaca's recorded bodies (alpaca-py tests/trading/test_activities.py): id
 * (`<yyyymmddhhmmssSSS>::<uuid>`), activity_type, transaction_time (microseconds, Z), type
 * fill|partial_fill, price, qty, cum_qty, leaves_qty (numbers as strings), side, symbol, order_id,
 * order_status. Every fill the book makes posts one; `post()` adds any record (a test's duplicate
 * or a late-posted execution with an earlier time).
 *
 * Served in posting order for direction=asc (reversed for desc), `after` exclusive on
 * transaction_time, `page_size` (default and maximum 100; `pageSize` caps it to force paging) and
 * `page_token` = the id of the last activity of the previous page (the next page starts after its
 * last posting). Knob `reversePages`: each page is served back to front (out of order).
 */
import { randomUUID } from 'node:crypto';
import { decimal, errorBody } from './bodies.js';
import type { Outcome } from './market-data.js';

export type FillActivity = Record<string, string>;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:TZ.]/g, '');

export class ActivityLog {
  readonly entries: FillActivity[] = [];
  pageSize = 100;
  reversePages = false;

  /** The FILL activity of one execution of an order. */
  record(o: { id: string; symbol: string; side?: unknown }, qty: number, price: number, cumQty: number, leavesQty: number, atMs = Date.now()): FillActivity {
    const at = new Date(atMs).toISOString().replace('Z', '000Z');
    const a: FillActivity = {
      id: `${stamp(atMs)}::${randomUUID()}`,
      activity_type: 'FILL',
      transaction_time: at,
      type: leavesQty > 1e-9 ? 'partial_fill' : 'fill',
      price: decimal(price),
      qty: decimal(qty),
      side: String(o.side),
      symbol: o.symbol,
      leaves_qty: decimal(leavesQty),
      order_id: o.id,
      cum_qty: decimal(cumQty),
      order_status: leavesQty > 1e-9 ? 'partially_filled' : 'filled',
    };
    this.entries.push(a);
    return a;
  }

  post(a: FillActivity): void {
    this.entries.push({ ...a });
  }

  handle(activityType: string, q: URLSearchParams): Outcome {
    if (activityType !== 'FILL') return { status: 200, body: [] };
    const after = q.get('after');
    const afterMs = after ? Date.parse(after) : null;
    if (after && !Number.isFinite(afterMs)) return { status: 422, body: errorBody(422, 'invalid after') };
    const size = Math.min(Number(q.get('page_size') ?? 100) || 100, 100, this.pageSize);
    let list = this.entries.filter((a) => afterMs === null || Date.parse(a.transaction_time!) > afterMs!);
    if (q.get('direction') === 'desc') list = [...list].reverse();
    const token = q.get('page_token');
    if (token) {
      let at = -1;
      list.forEach((a, i) => {
        if (a.id === token) at = i;
      });
      list = list.slice(at + 1);
    }
    const page = list.slice(0, size);
    return { status: 200, body: this.reversePages ? [...page].reverse() : page };
  }
}
