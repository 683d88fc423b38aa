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
 * first posting). Knobs: `reversePages` serves each page back to front (out of order);
 * `repeatPrevious` adds the last activity of the page before to each page (the same fill twice).
 */
import { randomUUID } from 'node:crypto';
import { decimal, errorBody } from './bodies.js';
import type { Outcome } from './market-data.js';

export type FillActivity = Record<string, string>;

const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:TZ.]/g, '');

export class ActivityLog {
  readonly entries: FillActivity[] = [];
  /** FEE activities (GET /v2/account/activities/FEE), in posting order: `postFee` adds one. */
  readonly fees: FillActivity[] = [];
  pageSize = 100;
  reversePages = false;
  repeatPrevious = false;

  /** Microseconds of the last execution stamped "now": each one later than the one before, as Alpaca's are. */
  private lastMicros = 0;

  private nowMicros(): number {
    this.lastMicros = Math.max(this.lastMicros + 1, Date.now() * 1000);
    return this.lastMicros;
  }

  /** The FILL activity of one execution of an order (at `atMs`, else now). */
  record(o: { id: string; symbol: string; side?: unknown }, qty: number, price: number, cumQty: number, leavesQty: number, atMs?: number): FillActivity {
    const micros = atMs === undefined ? this.nowMicros() : atMs * 1000;
    const ms = Math.floor(micros / 1000);
    const at = new Date(ms).toISOString().replace('Z', `${String(micros % 1000).padStart(3, '0')}Z`);
    const a: FillActivity = {
      id: `${stamp(ms)}::${randomUUID()}`,
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

  /**
   * A fee as Alpaca posts it (a non-trade activity: id, activity_type FEE, date, net_amount < 0 for
   * a charge, symbol, description, and parent_id for a per-trade fee); its date is the trade date.
   */
  postFee(fee: { date: string; net_amount: number; symbol?: string; description?: string; parent_id?: string; id?: string }): FillActivity {
    const a: FillActivity = {
      id: fee.id ?? `${fee.date.replace(/-/g, '')}000000000::${randomUUID()}`,
      activity_type: 'FEE',
      date: fee.date,
      net_amount: decimal(fee.net_amount),
      description: fee.description ?? 'REG fee',
      status: 'executed',
      ...(fee.symbol ? { symbol: fee.symbol } : {}),
      ...(fee.parent_id ? { parent_id: fee.parent_id } : {}),
    };
    this.fees.push(a);
    return a;
  }

  handle(activityType: string, q: URLSearchParams): Outcome {
    if (activityType !== 'FILL' && activityType !== 'FEE') return { status: 200, body: [] };
    const after = q.get('after');
    const afterMs = after ? Date.parse(after) : null;
    if (after && !Number.isFinite(afterMs)) return { status: 422, body: errorBody(422, 'invalid after') };
    const size = Math.min(Number(q.get('page_size') ?? 100) || 100, 100, this.pageSize);
    const source = activityType === 'FEE' ? this.fees : this.entries;
    // a non-trade activity has a date, not a transaction_time: `after` compares its day's end
    const at = (a: FillActivity) => (a.transaction_time ? Date.parse(a.transaction_time) : Date.parse(`${a.date}T23:59:59Z`));
    let list = source.filter((a) => afterMs === null || at(a) > afterMs!);
    if (q.get('direction') === 'desc') list = [...list].reverse();
    const token = q.get('page_token');
    const from = token ? list.findIndex((a) => a.id === token) + 1 : 0;
    const page = list.slice(from, from + size);
    if (this.repeatPrevious && from > 0 && page.length) page.push(list[from - 1]!);
    return { status: 200, body: this.reversePages ? [...page].reverse() : page };
  }
}
