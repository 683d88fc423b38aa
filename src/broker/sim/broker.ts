/** The sim Broker: every call first sweeps resting orders against the tape, then delegates to the module for its concern. */
import { randomUUID } from 'node:crypto';
import type BetterSqlite3 from 'better-sqlite3';
import type { Deps } from '../../deps.js';
import { OCC_SYMBOL } from '../../orders/order.js';
import { marketClock } from '../calendar.js';
import type {
  OrderReplacement,
  Account,
  Bar,
  BarsRequest,
  Broker,
  BrokerOrder,
  Clock,
  FillCursor,
  FillPage,
  OptionChainRequest,
  OptionContract,
  OptionSnapshot,
  OrderFilter,
  OrderSubmission,
  Position,
  Quote,
  RiskView,
  Snapshot,
  Trade,
} from '../types.js';
import { optionContracts, optionPriceAt, optionSnapshots, optionSnapshotsFor } from './chain.js';
import { listFills } from './fill-feed.js';
import { cents, type Db, migrate, openSimDatabase, SCHEMA, type SimState } from './db.js';
import { accountAt, positionsAt } from './ledger.js';
import { SimMarket } from './market.js';
import { orderRowByClientId, orderRowById, queryOrders, toOrder } from './order-rows.js';
import { cancelOrder, submitOrder } from './orders.js';
import { replaceOrder } from './replace.js';
import { isDue, sweep, sweepAt } from './sweep.js';

/** read()'s answer when an order is due: sweep first, then read. */
const DUE = Symbol('due');

export interface SimBrokerOptions {
  dataDir: string;
  startingCash: number;
  seed: number;
  /** The sim clock; default: config.sim.clock pinned, else real time. */
  now?: () => Date;
}

export class SimBroker implements Broker {
  readonly name = 'sim' as const;
  readonly mode = 'sim' as const;
  readonly market: SimMarket;
  private readonly s: SimState;
  private readonly snapshot: BetterSqlite3.Transaction<(query: () => unknown) => unknown>;

  constructor(
    private readonly db: Db,
    opts: SimBrokerOptions,
  ) {
    this.market = new SimMarket(opts.dataDir, opts.seed);
    const now = opts.now ?? (() => new Date());
    this.s = { db, market: this.market, now, tx: (fn) => db.transaction(fn).immediate() };
    this.snapshot = db.transaction((query: () => unknown) => query());
    db.exec(SCHEMA);
    migrate(db);
    this.s.tx(() => {
      if (!db.prepare("SELECT value FROM meta WHERE key = 'account_id'").get()) {
        const at = now();
        db.prepare("INSERT INTO meta (key, value) VALUES ('account_id', ?), ('created_at', ?)").run(randomUUID(), at.toISOString());
        // The opening deposit is dated at the epoch so every "cash as of T" includes it.
        db.prepare("INSERT INTO cash_movements (at, at_ms, amount_cents, reason) VALUES (?, 0, ?, 'initial_deposit')").run(
          at.toISOString(),
          cents(opts.startingCash),
        );
      }
    });
  }

  /**
   * Read inside one read transaction: one snapshot for every query of the call (an account is a dozen of them),
   * instead of a lock and snapshot per statement. The sweep's "anything due?" is asked in that same snapshot; when
   * something is due, the sweep (its own write transaction) runs first and the read starts over.
   */
  private read<T>(query: (now: Date) => T): T {
    const now = this.s.now();
    const nowMs = now.getTime();
    const answer = this.snapshot.deferred(() => (isDue(this.s, nowMs) ? DUE : query(now)));
    if (answer !== DUE) return answer as T;
    sweepAt(this.s, nowMs);
    return this.snapshot.deferred(() => query(now)) as T;
  }

  async getAccount(): Promise<Account> {
    return this.read((now) => accountAt(this.s, now));
  }

  async getPositions(): Promise<Position[]> {
    return this.read((now) => positionsAt(this.s, now));
  }

  async listOrders(filter: OrderFilter = {}): Promise<BrokerOrder[]> {
    return this.read(() => queryOrders(this.s, filter));
  }

  /** One sweep and one read snapshot for the four reads of a risk check (the positions valued once, for the account too). */
  async riskView(filter: OrderFilter): Promise<RiskView> {
    return this.read((now) => {
      const positions = positionsAt(this.s, now);
      return { account: accountAt(this.s, now, positions), positions, openOrders: queryOrders(this.s, filter), clock: marketClock(now) };
    });
  }

  async getOrder(id: string): Promise<BrokerOrder | null> {
    return this.read(() => {
      const row = orderRowById(this.s, id);
      return row ? toOrder(this.s, row) : null;
    });
  }

  async getOrderByClientId(clientOrderId: string): Promise<BrokerOrder | null> {
    return this.read(() => {
      const row = orderRowByClientId(this.s, clientOrderId);
      return row ? toOrder(this.s, row) : null;
    });
  }

  async submitOrder(order: OrderSubmission): Promise<BrokerOrder> {
    return submitOrder(this.s, order, sweep(this.s));
  }

  async replaceOrder(id: string, change: OrderReplacement): Promise<BrokerOrder> {
    return replaceOrder(this.s, id, change, sweep(this.s));
  }

  async cancelOrder(id: string): Promise<void> {
    cancelOrder(this.s, id, sweep(this.s));
  }

  async getClock(): Promise<Clock> {
    return marketClock(sweep(this.s));
  }

  async getBars(req: BarsRequest): Promise<Bar[]> {
    return this.market.bars(req, sweep(this.s));
  }

  /** An equity quote, or for an OCC option symbol the Black–Scholes quote (risk checks price option legs this way). */
  async getLatestQuote(symbol: string): Promise<Quote> {
    const now = sweep(this.s);
    if (OCC_SYMBOL.test(symbol)) return optionPriceAt(this.market, symbol, this.market.effectiveTime(now)).quote;
    return this.market.quote(symbol, now);
  }

  async getLatestTrade(symbol: string): Promise<Trade> {
    const now = sweep(this.s);
    if (OCC_SYMBOL.test(symbol)) {
      const at = this.market.effectiveTime(now);
      return { symbol, price: optionPriceAt(this.market, symbol, at).mid, size: 1, timestamp: new Date(at).toISOString() };
    }
    return this.market.trade(symbol, now);
  }

  async getSnapshot(symbol: string): Promise<Snapshot> {
    return this.market.snapshot(symbol, sweep(this.s));
  }

  async getOptionContracts(req: OptionChainRequest): Promise<OptionContract[]> {
    return optionContracts(this.market, req, sweep(this.s));
  }

  async getOptionSnapshots(req: OptionChainRequest): Promise<OptionSnapshot[]> {
    return optionSnapshots(this.market, req, sweep(this.s));
  }

  async getOptionSnapshotsFor(symbols: readonly string[]): Promise<OptionSnapshot[]> {
    return optionSnapshotsFor(this.market, symbols, sweep(this.s));
  }

  async listFills(after: FillCursor | null): Promise<FillPage> {
    sweep(this.s);
    return listFills(this.s, after);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

export async function createSimBroker(deps: Deps, opts: Partial<SimBrokerOptions> = {}): Promise<SimBroker> {
  const db = await openSimDatabase(opts.dataDir ?? deps.dataDir);
  const pinned = deps.config.sim.clock;
  const broker = new SimBroker(db, {
    dataDir: opts.dataDir ?? deps.dataDir,
    startingCash: opts.startingCash ?? deps.config.sim.startingCash,
    seed: opts.seed ?? deps.config.sim.seed,
    now: opts.now ?? (pinned ? () => new Date(pinned) : () => new Date()),
  });
  deps.onClose(() => broker.close());
  return broker;
}

/** For tests and tools that hold no Deps: open a sim broker on a data dir directly. */
export async function openSimBroker(opts: SimBrokerOptions): Promise<SimBroker> {
  return new SimBroker(await openSimDatabase(opts.dataDir), opts);
}
