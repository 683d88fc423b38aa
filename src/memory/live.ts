/**
 * Trade memory kept warm between tool calls: one RoundTripMatcher per server and account, fed only
 * the fills stored since the last read (the store's row counter > the last row read), the order
 * metadata changed since the last read (seq), and the losing trips not yet offered: one `changes`
 * read of the store (one snapshot), and refreshes of one LiveMemory run one at a time. A call after
 * the first costs the new fills, not the history: matching 100k stored fills happens once per
 * server start (and again only when a fill arrives that sorts before one already matched).
 *
 * The result equals matching every stored fill at once (matchRoundTrips) with the stored metadata:
 * the matcher rebuilds itself when FIFO order changed, and a trip's metadata fields are set again
 * whenever its opening order's row changes (a regime read after the fill, a record written late).
 *
 * Fees reported apart from fills (fees.ts) are attributed to their fills before matching; a fee
 * that changes what a matched fill carries (a fee posted after its trade, a fill that joins a
 * fee's day) rebuilds the matcher, as a late fill does.
 *
 * @example const view = await live.refresh(store, account); view.match.trips
 */
import { easternDate } from '../broker/calendar.js';
import { attributeFees, type FeeRecord } from './fees.js';
import { type Fill, isoMs } from './fills.js';
import { dollars, priceMicros } from './money.js';
import { RoundTripMatcher } from './round-trips.js';
import type { MemoryChanges, MemoryStore, StoredMeta } from './store/index.js';
import { setMeta } from './trip-meta.js';
import type { TripRows } from './trip-rows.js';
import type { MatchResult, RoundTrip } from './trips.js';

export interface LiveView {
  match: MatchResult;
  /** Fills the matcher holds (every stored fill of the account). */
  stored: number;
  /** Closed trips (single and position) that are losses and were not yet handed over. */
  losses: RoundTrip[];
}

/** What LiveMemory needs of a matcher (RoundTripMatcher; the bench passes the reference one to compare). */
export type LiveMatcher = Pick<RoundTripMatcher, 'add' | 'size' | 'rebuilds' | 'result'> & { readonly closed: TripRows; readonly closedLegs: TripRows };

export class LiveMemory {
  private matcher: LiveMatcher;

  /** `newMatcher`: how a fresh matcher is made (default: RoundTripMatcher over unique store rows). */
  constructor(private readonly newMatcher: () => LiveMatcher = () => new RoundTripMatcher({ unique: true })) {
    this.matcher = newMatcher();
  }
  private lastRow = 0;
  private metaSeq = 0;
  private readonly meta = new Map<string, StoredMeta>();
  /** How many closed trips / leg trips already carry their metadata (and, for trips, were looked at for losses). */
  private tripsSeen = 0;
  private legTripsSeen = 0;
  private rebuilds = 0;
  /** Trip ids handed over (read from the store once, then kept up to date by `handed`). */
  private handed: Set<string> | null = null;
  /** Every stored fill as the broker reported it (before fees are attributed), and the stored fees. */
  private raw: Fill[] = [];
  private fees: FeeRecord[] = [];
  private feeRow = 0;
  /** The fee micro-dollars attributed to each fill (fees.ts) that the matcher's fills carry. */
  private feeOf = new Map<string, number>();
  private unattributed: FeeRecord[] = [];
  /** Orders and symbol|date keys the fees name: a new fill with one of them may change the attribution. */
  private feeKeys = new Set<string>();
  /** Losing trips not handed over yet, by id: their row in the matcher's closed trips (a failed hand-over stays here and is offered again). */
  private readonly pending = new Map<string, number>();

  /** The refresh running now: the next one waits for it (two would both apply one read's rows). */
  private running: Promise<unknown> = Promise.resolve();

  /** Read what changed in the store and match it; a throw leaves the next call to start from empty. */
  refresh(store: MemoryStore, account: string): Promise<LiveView> {
    const run = async (): Promise<LiveView> => {
      try {
        const changes = await store.changes(account, { fillRow: this.lastRow, feeRow: this.feeRow, metaSeq: this.metaSeq, handed: this.handed === null });
        return this.step(changes);
      } catch (err) {
        this.reset();
        throw err;
      }
    };
    const next = this.running.then(run, run);
    this.running = next.catch(() => undefined);
    return next;
  }

  private reset(): void {
    this.matcher = this.newMatcher();
    this.lastRow = 0;
    this.metaSeq = 0;
    this.meta.clear();
    this.tripsSeen = 0;
    this.legTripsSeen = 0;
    this.rebuilds = 0;
    this.handed = null;
    this.pending.clear();
    this.raw = [];
    this.fees = [];
    this.feeRow = 0;
    this.feeOf = new Map();
    this.unattributed = [];
    this.feeKeys.clear();
  }

  /** The fill as matched: with the fees attributed to it added to what the fill itself reported. */
  private withFee(f: Fill): Fill {
    const extra = this.feeOf.get(f.id);
    return extra === undefined ? f : { ...f, fee: dollars(priceMicros(f.fee ?? 0) + extra) };
  }

  private touchesFees(fills: readonly Fill[]): boolean {
    if (!this.feeKeys.size) return false;
    for (const f of fills) {
      if (this.feeKeys.has(f.order_id) || (f.parent_order_id && this.feeKeys.has(f.parent_order_id))) return true;
      const ms = isoMs(f.at);
      if (Number.isFinite(ms) && this.feeKeys.has(`${f.symbol}|${easternDate(ms)}`)) return true;
    }
    return false;
  }

  /** Read new fills and fees into the matcher; a changed fee attribution rebuilds it from every fill. */
  private readFills(newFees: MemoryChanges['fees'], page: MemoryChanges['fills']): void {
    this.feeRow = newFees.lastRow;
    for (const fee of newFees.fees) {
      this.fees.push(fee);
      if (fee.order_id) this.feeKeys.add(fee.order_id);
      if (fee.symbol && fee.date) this.feeKeys.add(`${fee.symbol}|${fee.date}`);
    }
    this.lastRow = page.lastRow;
    for (const f of page.fills) this.raw.push(f);
    if (newFees.fees.length || this.touchesFees(page.fills)) {
      const attribution = attributeFees(this.fees, this.raw);
      this.unattributed = attribution.unattributed;
      const same = attribution.byFill.size === this.feeOf.size && [...attribution.byFill].every(([id, m]) => this.feeOf.get(id) === m);
      if (!same) {
        this.feeOf = attribution.byFill;
        this.matcher = this.newMatcher();
        this.matcher.add(this.raw.map((f) => this.withFee(f)));
        this.rebuilds = -1; // not the matcher's count: look at every trip again
        return;
      }
    }
    this.matcher.add(this.feeOf.size ? page.fills.map((f) => this.withFee(f)) : page.fills);
  }

  /** Fees that name no order and no symbol's day: left out of every trip (fees.ts rule 3). */
  get unattributedFees(): readonly FeeRecord[] {
    return this.unattributed;
  }

  private step(c: MemoryChanges): LiveView {
    const changed = this.readMeta(c.meta);
    this.readFills(c.fees, c.fills);
    if (this.matcher.rebuilds !== this.rebuilds) {
      // every trip is a new object after a rebuild (and a late fill may have changed which ones lost): look at them all again
      this.rebuilds = this.matcher.rebuilds;
      this.pending.clear();
      this.tripsSeen = 0;
      this.legTripsSeen = 0;
    } else if (changed.size) {
      this.remeta(this.matcher.closed, this.tripsSeen, changed);
      this.remeta(this.matcher.closedLegs, this.legTripsSeen, changed);
    }
    this.handed ??= c.handed ?? new Set();
    const trips = this.matcher.closed;
    for (let k = this.tripsSeen; k < trips.length; k++) {
      trips.setMeta(k, this.meta.get(trips.openingClientOrderId(k)));
      if (trips.pnlMicros(k) < 0) {
        const id = trips.id(k);
        if (!this.handed.has(id)) this.pending.set(id, k);
      }
    }
    this.tripsSeen = trips.length;
    const legs = this.matcher.closedLegs;
    for (let k = this.legTripsSeen; k < legs.length; k++) legs.setMeta(k, this.meta.get(legs.openingClientOrderId(k)));
    this.legTripsSeen = legs.length;
    const match = this.matcher.result();
    for (const t of match.open) setMeta(t, this.meta.get(t.opening_client_order_id));
    const losses = [...this.pending.values()].map((k) => trips.at(k));
    return { match, stored: this.matcher.size, losses };
  }

  /** Take the metadata rows changed since the last read; the client_order_ids they belong to. */
  private readMeta({ rows, lastSeq }: MemoryChanges['meta']): Set<string> {
    this.metaSeq = lastSeq;
    // nothing matched yet (a cold start): no trip to set again, so no set of ~100k changed ids
    const track = this.tripsSeen > 0 || this.legTripsSeen > 0;
    const changed = new Set<string>();
    for (const r of rows) {
      this.meta.set(r.client_order_id, r);
      if (track) changed.add(r.client_order_id);
    }
    return changed;
  }

  /** Set the metadata again on the trips (up to `upTo`) whose opening order's row changed. */
  private remeta(trips: TripRows, upTo: number, changed: ReadonlySet<string>): void {
    for (let k = 0; k < upTo; k++) {
      const client = trips.openingClientOrderId(k);
      if (changed.has(client)) trips.setMeta(k, this.meta.get(client));
    }
  }

  /** A trip was handed over (or found already claimed by another process): never offer it again. */
  markHanded(tripId: string): void {
    this.handed?.add(tripId);
    this.pending.delete(tripId);
  }
}
