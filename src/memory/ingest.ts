/**
 * Fills into trade memory: read the broker's new fills from the stored cursor (every page to the
 * end), store them (INSERT OR IGNORE by fill id: never counted twice), read the regime at entry of
 * orders that have just filled, then match every stored fill into round trips with the metadata the
 * gate recorded at submit. A new losing round trip is handed once (ever, across restarts and
 * processes) to the callback registered with `setLosingTripHandler`.
 *
 * The regime is read at ingestion, from daily bars up to the order's first fill (not at submit: it
 * keeps a bars request off the order path, and the fill time is when the position was entered).
 *
 * @example const { match } = await loadTradeMemory(deps, broker); match.trips // closed round trips
 */
import type { Broker } from '../broker/types.js';
import type { Deps } from '../deps.js';
import { regimeAt } from './regime.js';
import { sortFills } from './fills.js';
import { LiveMemory } from './live.js';
import { type MemoryStore, memoryStore, type OrderMetaRecord } from './store/index.js';
import type { MatchResult, RoundTrip } from './trips.js';

/** What a losing trip is linked to: the opening order's audit id (the gate's record) and client_order_id. */
export interface LosingTripLink {
  audit_id: string | null;
  client_order_id: string;
}

/** Called once per losing round trip (a throw gives the trip back: it is offered again on the next read). */
export type OnLosingTrip = (trip: RoundTrip, link: LosingTripLink, deps: Deps) => Promise<void> | void;

const handlers = new WeakMap<Deps, OnLosingTrip>();
const syncing = new WeakMap<Deps, Promise<unknown>>();

/** Register the draft-lesson writer (or any callback) for this server's losing round trips. */
export function setLosingTripHandler(deps: Deps, fn: OnLosingTrip | null): void {
  if (fn) handlers.set(deps, fn);
  else handlers.delete(deps);
}

/**
 * The default hand-over: a draft lesson for the losing trip (SPEC §13), written by the lessons
 * module — through the analysis tier when a gateway is configured, else its template; one per trip.
 */
export const draftLessonOf: OnLosingTrip = async (t, link, deps) => {
  const { writeLossDraft } = await import('../lessons/drafts.js');
  await writeLossDraft(deps, {
    roundTripId: t.id,
    symbol: t.symbol,
    strategy: t.strategy,
    tags: t.tags,
    realizedPnl: t.realized_pnl,
    holdingMs: t.holding_seconds * 1000,
    entryPrice: t.entry_price,
    exitPrice: t.exit_price,
    qty: t.qty,
    side: t.direction,
    openedAt: t.opened_at,
    closedAt: t.closed_at,
    regimeAtEntry: t.regime,
    auditId: link.audit_id,
    clientOrderId: link.client_order_id,
    rationale: t.rationale,
    tradeIds: t.fill_ids.slice(0, 200),
  });
};

/** The account key rows are stored under in memory.sqlite: broker and mode (a paper and a live account never mix). */
export const accountKey = (deps: Pick<Deps, 'brokerName' | 'mode'>): string => `${deps.brokerName}:${deps.mode}`;

const accounts = new WeakMap<Broker, Promise<string>>();

/**
 * The account key of this broker's rows: `accountKey` on SQLite (one data dir, one account); on the
 * shared database also the broker's account id, so replicas on different accounts never mix their fills
 * or cursors (each data dir's sim is an account of its own, numbering its fills from 1), while replicas
 * on one account share one memory. Read once per broker object.
 */
export async function memoryAccount(deps: Deps, broker: Broker): Promise<string> {
  const { storeBackend } = await import('../store/backend.js');
  if (storeBackend(deps) === 'sqlite') return accountKey(deps);
  let key = accounts.get(broker);
  if (!key) {
    key = broker.getAccount().then((a) => `${accountKey(deps)}:${a.id}`);
    accounts.set(broker, key);
    key.catch(() => accounts.delete(broker));
  }
  return key;
}

export { memoryStore };

export type OrderMetaInput = Omit<OrderMetaRecord, 'tags'> & { tags?: readonly string[] | null };

/**
 * How long a submitted order's answer waits for its trade-memory record: the order is live whatever the
 * record does, so a slow store (PostgreSQL's connect and statement timeouts, a first `getAccount` to
 * Alpaca) must not hold the answer and make a client time out on a live order. Past it the write goes on.
 */
export const ORDER_META_WAIT_MS = 1_000;

/** recordOrderMeta, waited for at most `ms`: resolves true when the write finished in time, false when it goes on in the background. */
export async function recordOrderMetaWithin(deps: Deps, meta: OrderMetaInput, ms = ORDER_META_WAIT_MS): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([recordOrderMeta(deps, meta).then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The gate's record of a submitted order (best effort: an error is logged, never thrown). */
export async function recordOrderMeta(deps: Deps, meta: OrderMetaInput): Promise<void> {
  try {
    const store = await memoryStore(deps);
    const { getBroker } = await import('../broker/index.js');
    const account = await memoryAccount(deps, await getBroker(deps));
    await store.recordMeta(account, { ...meta, tags: meta.tags ?? [] }, new Date());
  } catch (err) {
    deps.log.error('trade memory could not record the order metadata', { err, clientOrderId: meta.client_order_id });
  }
}

export interface SyncReport {
  /** Fills the broker returned this time, and how many of them were new. */
  read: number;
  added: number;
}

export interface TradeMemory {
  match: MatchResult;
  sync: SyncReport & { stored: number };
}

async function readRegimes(deps: Deps, store: MemoryStore, broker: Broker, account: string): Promise<void> {
  for (const p of await store.pendingRegimes(account)) {
    const regime = await regimeAt(broker, p.symbol, p.at, (msg, meta) => deps.log.warn(msg, meta));
    await store.setRegime(account, p.client_order_id, regime);
  }
}

/** Fees reported apart from fills (Alpaca), stored once by id; a failed read is logged and tried on the next sync. */
async function readFees(deps: Deps, store: MemoryStore, broker: Broker, account: string): Promise<void> {
  if (!broker.listFees) return;
  try {
    const from = await store.feeCursor(account);
    const page = await broker.listFees(from);
    await store.addFees(account, page.fees, { from, to: page.cursor }, new Date());
  } catch (err) {
    deps.log.warn('trade memory: fees could not be read; round trips leave them out until they are', { err: (err as Error).message });
  }
}

/** Read the broker's new fills into the store, one sync at a time per server. */
export function syncFills(deps: Deps, broker: Broker): Promise<SyncReport> {
  const run = async (): Promise<SyncReport> => {
    const store = await memoryStore(deps);
    const account = await memoryAccount(deps, broker);
    const from = await store.cursor(account);
    const page = await broker.listFills(from);
    // stored in matching order, so the rows of one read are applied without a rebuild; the cursor moves only from `from`
    const added = await store.addFills(account, sortFills(page.fills), { from, to: page.cursor }, new Date());
    await readFees(deps, store, broker, account);
    await readRegimes(deps, store, broker, account);
    return { read: page.fills.length, added };
  };
  const next = (syncing.get(deps) ?? Promise.resolve()).then(run, run);
  syncing.set(
    deps,
    next.catch(() => undefined),
  );
  return next;
}

/** Hand every not-yet-handed losing trip to the registered callback, once each (across processes: the store's claim). */
async function handLosses(deps: Deps, store: MemoryStore, account: string, live: LiveMemory, trips: readonly RoundTrip[], fn: OnLosingTrip): Promise<void> {
  await retryReleases(deps, store, account);
  for (const trip of trips) {
    if (!(await store.claimHandOver(account, trip.id, new Date()))) {
      live.markHanded(trip.id);
      continue;
    }
    try {
      const meta = await store.meta(account, trip.opening_client_order_id);
      await fn(trip, { audit_id: meta?.audit_id ?? null, client_order_id: trip.opening_client_order_id }, deps);
      live.markHanded(trip.id);
    } catch (err) {
      deps.log.error('the losing-trip callback failed; the trip will be offered again', { err, tripId: trip.id });
      await release(deps, store, account, trip.id);
    }
  }
}

/**
 * Claims this process took but could not give back (the store failed on the release too), by store and
 * account: released again before the next hand-over, so a database blip never leaves a losing trip
 * claimed with no draft written, and never stops the rest of the loop's trips from being offered.
 */
const unreleased = new WeakMap<MemoryStore, Map<string, Set<string>>>();

async function release(deps: Deps, store: MemoryStore, account: string, tripId: string): Promise<void> {
  try {
    await store.releaseHandOver(account, tripId);
  } catch (err) {
    deps.log.error('could not release a losing trip claim; it is released again before the next hand-over', { err, tripId });
    const byAccount = unreleased.get(store) ?? new Map<string, Set<string>>();
    unreleased.set(store, byAccount);
    byAccount.set(account, (byAccount.get(account) ?? new Set()).add(tripId));
  }
}

async function retryReleases(deps: Deps, store: MemoryStore, account: string): Promise<void> {
  const pending = unreleased.get(store)?.get(account);
  if (!pending?.size) return;
  for (const tripId of [...pending]) {
    pending.delete(tripId);
    await release(deps, store, account, tripId);
  }
}

/** This server's warm matcher for its account (live.ts). */
const liveMemory = (deps: Deps): Promise<LiveMemory> => deps.service('memory.live', async () => new LiveMemory());

/**
 * Sync, then match the stored fills with the recorded metadata (only what is new since this
 * server's last call: live.ts); losing trips go to the registered callback.
 */
export async function loadTradeMemory(deps: Deps, broker: Broker): Promise<TradeMemory> {
  const sync = await syncFills(deps, broker);
  const store = await memoryStore(deps);
  const live = await liveMemory(deps);
  const account = await memoryAccount(deps, broker);
  const view = await live.refresh(store, account);
  await handLosses(deps, store, account, live, view.losses, handlers.get(deps) ?? draftLessonOf);
  return { match: view.match, sync: { ...sync, stored: view.stored } };
}
