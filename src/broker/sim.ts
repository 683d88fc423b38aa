/**
 * The simulated broker: the embedded default when no Alpaca keys are set.
 *
 * Durable in `<dataDir>/sim-broker.sqlite` (WAL, synchronous=FULL). Every order, fill and cash
 * movement is written in one IMMEDIATE transaction, so a kill -9 loses nothing and several
 * server processes on one data dir never double-fill. Resting orders are evaluated against the
 * simulated tape on every broker call, by sim time (TRADING_MCP_SIM_CLOCK, else real time).
 *
 * Account model: a cash account (no margin, no equity shorting). Buying power = cash minus what
 * open buy orders reserve. Options trade only inside defined-risk multi-leg orders.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type DatabaseCtor from 'better-sqlite3';
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import { OCC_SYMBOL, parseOcc, type OrderLeg } from '../orders/order.js';
import { addDays, currentOrNextSession, easternDate, isMarketOpen, marketClock, previousSession, sessionOn, sessionsBetween } from './calendar.js';
import { SimMarket } from './sim/market.js';
import { optionContracts, optionPriceAt, optionSnapshots, optionSnapshotsFor } from './sim/chain.js';
import { openSqlite } from '../store/sqlite.js';
import {
  OPEN_ORDER_STATUSES,
  type Account,
  type Bar,
  type BarsRequest,
  type Broker,
  type BrokerOrder,
  type Clock,
  type OptionChainRequest,
  type OptionContract,
  type OptionSnapshot,
  type OrderFilter,
  type OrderStatus,
  type OrderSubmission,
  type Position,
  type Quote,
  type Snapshot,
  type Trade,
} from './types.js';

type Db = DatabaseCtor.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  client_order_id TEXT NOT NULL UNIQUE,
  symbol TEXT, side TEXT, order_class TEXT NOT NULL, type TEXT NOT NULL, time_in_force TEXT NOT NULL,
  qty REAL, notional REAL, limit_price REAL, stop_price REAL, extended_hours INTEGER NOT NULL, legs TEXT,
  status TEXT NOT NULL, filled_qty REAL NOT NULL DEFAULT 0, filled_avg_price REAL, stop_triggered INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, submitted_at TEXT NOT NULL, filled_at TEXT, canceled_at TEXT, updated_at TEXT NOT NULL,
  checked_until INTEGER NOT NULL, expires_at INTEGER, reserved_cents INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE TABLE IF NOT EXISTS fills (
  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, symbol TEXT NOT NULL, asset_class TEXT NOT NULL,
  side TEXT NOT NULL, qty REAL NOT NULL, price REAL NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS cash_movements (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, at_ms INTEGER NOT NULL, amount_cents INTEGER NOT NULL, reason TEXT NOT NULL, order_id TEXT
);
CREATE TABLE IF NOT EXISTS positions (symbol TEXT PRIMARY KEY, asset_class TEXT NOT NULL, qty REAL NOT NULL, cost_basis REAL NOT NULL);
`;

interface OrderRow {
  seq: number;
  id: string;
  client_order_id: string;
  symbol: string | null;
  side: 'buy' | 'sell' | null;
  order_class: string;
  type: string;
  time_in_force: string;
  qty: number | null;
  notional: number | null;
  limit_price: number | null;
  stop_price: number | null;
  extended_hours: number;
  legs: string | null;
  status: string;
  filled_qty: number;
  filled_avg_price: number | null;
  stop_triggered: number;
  created_at: string;
  submitted_at: string;
  filled_at: string | null;
  canceled_at: string | null;
  updated_at: string;
  checked_until: number;
  expires_at: number | null;
  reserved_cents: number;
}

interface LegFill {
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
}

const MINUTE = 60_000;
const MAX_SWEEP_MS = 60 * 86_400_000;
const SWEEPABLE = ['new', 'accepted', 'partially_filled', 'pending_new'];
const round2 = (x: number) => Math.round(x * 100) / 100;
const cents = (dollars: number) => Math.round(dollars * 100);

function rejected(status: 403 | 422, message: string, extra: Record<string, unknown> = {}): ToolError {
  return new ToolError('BROKER_REJECTED', message, { status, broker: 'sim', ...extra });
}

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
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    opts: SimBrokerOptions,
  ) {
    this.market = new SimMarket(opts.dataDir, opts.seed);
    this.now = opts.now ?? (() => new Date());
    db.exec(SCHEMA);
    this.tx(() => {
      if (!this.db.prepare("SELECT value FROM meta WHERE key = 'account_id'").get()) {
        const at = this.now();
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('account_id', ?), ('created_at', ?)").run(randomUUID(), at.toISOString());
        // The opening deposit is dated at the epoch so every "cash as of T" includes it.
        this.db.prepare("INSERT INTO cash_movements (at, at_ms, amount_cents, reason) VALUES (?, 0, ?, 'initial_deposit')").run(at.toISOString(), cents(opts.startingCash));
      }
    });
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ── reads ──────────────────────────────────────────────────────────────────

  async getAccount(): Promise<Account> {
    const now = this.sweep();
    const cash = this.cashCents() / 100;
    const positions = this.positionsAt(now);
    const equity = round2(cash + positions.reduce((a, p) => a + p.marketValue, 0));
    const reserved = (this.db.prepare(`SELECT COALESCE(SUM(reserved_cents), 0) AS r FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')})`).get(...SWEEPABLE) as { r: number }).r / 100;
    const daytrades = this.daytradeCount(now);
    return {
      id: (this.db.prepare("SELECT value FROM meta WHERE key = 'account_id'").get() as { value: string }).value,
      status: 'ACTIVE',
      currency: 'USD',
      cash: round2(cash),
      equity,
      lastEquity: this.lastEquity(now),
      buyingPower: round2(Math.max(0, cash - reserved)),
      daytradeCount: daytrades,
      patternDayTrader: daytrades >= 4,
      tradingBlocked: false,
      mode: 'sim',
    };
  }

  async getPositions(): Promise<Position[]> {
    return this.positionsAt(this.sweep());
  }

  async listOrders(filter: OrderFilter = {}): Promise<BrokerOrder[]> {
    this.sweep();
    const where: string[] = [];
    const args: unknown[] = [];
    const status = filter.status ?? 'open';
    const openList = [...OPEN_ORDER_STATUSES];
    if (status !== 'all') {
      where.push(`status ${status === 'open' ? '' : 'NOT '}IN (${openList.map(() => '?').join(',')})`);
      args.push(...openList);
    }
    if (filter.after) {
      where.push('submitted_at > ?');
      args.push(new Date(filter.after).toISOString());
    }
    if (filter.until) {
      where.push('submitted_at < ?');
      args.push(new Date(filter.until).toISOString());
    }
    let rows = this.db
      .prepare(`SELECT * FROM orders ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY submitted_at DESC, seq DESC`)
      .all(...args) as OrderRow[];
    if (filter.symbols?.length) {
      const wanted = new Set(filter.symbols);
      rows = rows.filter((r) => (r.symbol && wanted.has(r.symbol)) || (r.legs && (JSON.parse(r.legs) as OrderLeg[]).some((l) => wanted.has(l.symbol) || wanted.has(parseOcc(l.symbol)?.underlying ?? ''))));
    }
    return rows.slice(0, filter.limit ?? 50).map((r) => this.toOrder(r));
  }

  async getOrder(id: string): Promise<BrokerOrder | null> {
    this.sweep();
    const row = this.db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as OrderRow | undefined;
    return row ? this.toOrder(row) : null;
  }

  async getOrderByClientId(clientOrderId: string): Promise<BrokerOrder | null> {
    this.sweep();
    const row = this.db.prepare('SELECT * FROM orders WHERE client_order_id = ?').get(clientOrderId) as OrderRow | undefined;
    return row ? this.toOrder(row) : null;
  }

  async getClock(): Promise<Clock> {
    return marketClock(this.sweep());
  }

  async getBars(req: BarsRequest): Promise<Bar[]> {
    return this.market.bars(req, this.sweep());
  }

  /** An equity quote, or for an OCC option symbol the Black–Scholes quote (risk checks price option legs this way). */
  async getLatestQuote(symbol: string): Promise<Quote> {
    const now = this.sweep();
    if (OCC_SYMBOL.test(symbol)) return optionPriceAt(this.market, symbol, this.market.effectiveTime(now)).quote;
    return this.market.quote(symbol, now);
  }

  async getLatestTrade(symbol: string): Promise<Trade> {
    const now = this.sweep();
    if (OCC_SYMBOL.test(symbol)) {
      const at = this.market.effectiveTime(now);
      return { symbol, price: optionPriceAt(this.market, symbol, at).mid, size: 1, timestamp: new Date(at).toISOString() };
    }
    return this.market.trade(symbol, now);
  }

  async getSnapshot(symbol: string): Promise<Snapshot> {
    return this.market.snapshot(symbol, this.sweep());
  }

  async getOptionContracts(req: OptionChainRequest): Promise<OptionContract[]> {
    return optionContracts(this.market, req, this.sweep());
  }

  async getOptionSnapshots(req: OptionChainRequest): Promise<OptionSnapshot[]> {
    return optionSnapshots(this.market, req, this.sweep());
  }

  async getOptionSnapshotsFor(symbols: readonly string[]): Promise<OptionSnapshot[]> {
    return optionSnapshotsFor(this.market, symbols, this.sweep());
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  // ── orders ─────────────────────────────────────────────────────────────────

  async submitOrder(order: OrderSubmission): Promise<BrokerOrder> {
    const now = this.sweep();
    const nowMs = now.getTime();
    const iso = now.toISOString();
    if (order.time_in_force === 'opg' || order.time_in_force === 'cls') throw rejected(422, `time_in_force ${order.time_in_force} is not supported by the sim broker`);
    if (order.order_class === 'mleg') return this.submitMleg(order, now);
    const symbol = order.symbol;
    if (!symbol) throw rejected(422, 'symbol is required');
    const qtyGiven = order.qty;
    if (qtyGiven !== null && !Number.isInteger(qtyGiven) && !(order.type === 'market' || order.type === 'limit') ) throw rejected(422, 'fractional orders must be market or limit orders');
    if (order.notional !== null && order.type !== 'market') throw rejected(422, 'notional orders must be market orders');

    return this.tx(() => {
      if (this.db.prepare('SELECT 1 FROM orders WHERE client_order_id = ?').get(order.client_order_id)) {
        throw rejected(422, 'client_order_id must be unique', { reason: 'duplicate_client_order_id', clientOrderId: order.client_order_id });
      }
      const open = isMarketOpen(now);
      const quote = this.market.quote(symbol, now);
      const refPrice = order.side === 'buy' ? quote.askPrice : quote.bidPrice;
      const qty = qtyGiven ?? Math.floor(((order.notional ?? 0) / refPrice) * 1e9) / 1e9;
      if (!(qty > 0)) throw rejected(422, 'qty must be > 0');
      // Reservation: what a buy could cost at worst (the limit, else the ask with a 5% collar for stops and queued market orders).
      let reservedCents = 0;
      if (order.side === 'buy') {
        const worst = order.limit_price ?? (order.stop_price ? Math.max(order.stop_price, refPrice) * 1.05 : open ? refPrice : refPrice * 1.05);
        reservedCents = order.notional !== null && open ? cents(order.notional) : cents(qty * worst);
        const available = this.cashCents() - this.reservedCents();
        if (reservedCents > available) throw rejected(403, 'insufficient buying power', { required: reservedCents / 100, available: available / 100 });
      } else {
        const held = this.positionQty(symbol);
        const pendingSells = (this.db.prepare(`SELECT COALESCE(SUM(qty - filled_qty), 0) AS q FROM orders WHERE symbol = ? AND side = 'sell' AND status IN (${SWEEPABLE.map(() => '?').join(',')})`).get(symbol, ...SWEEPABLE) as { q: number }).q;
        const available = Math.max(0, held - pendingSells);
        if (qty > available + 1e-9) throw rejected(403, `insufficient qty available for order (requested: ${qty}, available: ${available})`, { requested: qty, available });
      }
      const row = newOrderRow(order, now, open, {
        symbol,
        order_class: 'simple',
        qty,
        notional: order.notional,
        limit_price: order.limit_price,
        stop_price: order.stop_price,
        extended_hours: order.extended_hours ? 1 : 0,
        legs: null,
        reserved_cents: reservedCents,
      });
      this.insertOrder(row);
      if (open) {
        const marketable =
          order.type === 'market' ||
          (order.type === 'limit' && (order.side === 'buy' ? quote.askPrice <= order.limit_price! : quote.bidPrice >= order.limit_price!));
        if (marketable) this.fillEquity(row, refPrice, nowMs);
        else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') this.setStatus(row.id, 'canceled', iso);
      } else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') {
        this.setStatus(row.id, 'canceled', iso);
      }
      return this.toOrder(this.db.prepare('SELECT * FROM orders WHERE id = ?').get(row.id) as OrderRow);
    });
  }

  private submitMleg(order: OrderSubmission, now: Date): BrokerOrder {
    const legs = order.legs ?? [];
    const qty = order.qty;
    if (legs.length < 2 || qty === null || !Number.isInteger(qty)) throw rejected(422, 'a multi-leg order needs 2–4 legs and a whole qty');
    const today = easternDate(now);
    for (const leg of legs) {
      const p = parseOcc(leg.symbol);
      if (!p) throw rejected(422, `invalid option symbol ${leg.symbol}`);
      if (p.expiration < today) throw rejected(422, `option contract ${leg.symbol} has expired`);
    }
    const at = this.market.effectiveTime(now);
    const net = this.mlegNet(legs, at);
    const maxLoss = this.mlegMaxLoss(legs, net);
    if (maxLoss === null) throw rejected(403, 'account not eligible to trade uncovered option contracts (the sim accepts defined-risk multi-leg orders only)');
    return this.tx(() => {
      if (this.db.prepare('SELECT 1 FROM orders WHERE client_order_id = ?').get(order.client_order_id)) {
        throw rejected(422, 'client_order_id must be unique', { reason: 'duplicate_client_order_id', clientOrderId: order.client_order_id });
      }
      const worstNet = order.limit_price ?? net;
      const reservedCents = cents(Math.max(maxLoss, this.mlegMaxLoss(legs, worstNet) ?? maxLoss) * qty);
      const available = this.cashCents() - this.reservedCents();
      if (reservedCents > available) throw rejected(403, 'insufficient options buying power', { required: reservedCents / 100, available: available / 100 });
      const open = isMarketOpen(now);
      const iso = now.toISOString();
      const row = newOrderRow(order, now, open, {
        symbol: null,
        order_class: 'mleg',
        qty,
        notional: null,
        limit_price: order.limit_price,
        stop_price: null,
        extended_hours: 0,
        legs: JSON.stringify(legs),
        reserved_cents: reservedCents,
      });
      this.insertOrder(row);
      if (open && (order.type === 'market' || net <= order.limit_price! + 1e-9)) this.fillMleg(row, at);
      else if (order.time_in_force === 'ioc' || order.time_in_force === 'fok') this.setStatus(row.id, 'canceled', iso);
      return this.toOrder(this.db.prepare('SELECT * FROM orders WHERE id = ?').get(row.id) as OrderRow);
    });
  }

  async cancelOrder(id: string): Promise<void> {
    const now = this.sweep();
    this.tx(() => {
      const row = this.db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as OrderRow | undefined;
      if (!row) throw new ToolError('NOT_FOUND', `order ${id} not found`, { status: 404, broker: 'sim' });
      if (!SWEEPABLE.includes(row.status)) throw rejected(422, `order is already in "${row.status}" state`, { orderStatus: row.status });
      this.setStatus(id, 'canceled', now.toISOString());
    });
  }

  // ── the tape: resting orders meet simulated prices ────────────────────────────

  /** Evaluate every open order against the tape up to now, in one transaction. Returns now. */
  private sweep(): Date {
    const now = this.now();
    const nowMs = now.getTime();
    const pending = this.db.prepare(`SELECT COUNT(*) AS n FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')}) AND checked_until < ?`).get(...SWEEPABLE, nowMs) as { n: number };
    if (pending.n === 0) return now;
    this.tx(() => {
      const rows = this.db.prepare(`SELECT * FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')}) AND checked_until < ? ORDER BY seq`).all(...SWEEPABLE, nowMs) as OrderRow[];
      for (const row of rows) this.evaluate(row, nowMs);
    });
    return now;
  }

  private evaluate(row: OrderRow, nowMs: number): void {
    const from = Math.max(row.checked_until, nowMs - MAX_SWEEP_MS);
    const expiresAt = row.expires_at ?? Infinity;
    const done = (() => {
      if (row.order_class === 'mleg') return this.evaluateMleg(row, from, nowMs, expiresAt);
      const symbol = row.symbol!;
      if (row.type === 'market') {
        const session = sessionsBetween(new Date(from), new Date(nowMs)).find((s) => s.open.getTime() >= from && s.open.getTime() <= nowMs);
        if (!session) return false;
        const mid = this.market.midAt(symbol, session.open.getTime());
        const half = SimMarket.spreadFor(mid) / 2;
        this.fillEquity(row, round2(row.side === 'buy' ? mid + half : mid - half), session.open.getTime());
        return true;
      }
      let triggered = row.stop_triggered === 1 || row.stop_price === null;
      for (const bar of this.market.fineBars(symbol, Math.floor(from / MINUTE) * MINUTE, nowMs)) {
        const t = Date.parse(bar.t);
        if (t < from - MINUTE) continue;
        if (t >= expiresAt) break;
        const half = SimMarket.spreadFor(bar.c) / 2;
        if (!triggered) {
          const stop = row.stop_price!;
          if (row.side === 'buy' ? bar.h >= stop : bar.l <= stop) {
            triggered = true;
            this.db.prepare('UPDATE orders SET stop_triggered = 1 WHERE id = ?').run(row.id);
            if (row.type === 'stop') {
              const px = row.side === 'buy' ? Math.max(stop, bar.o) + half : Math.min(stop, bar.o) - half;
              this.fillEquity(row, round2(px), t + MINUTE - 1);
              return true;
            }
          } else continue;
        }
        const limit = row.limit_price!;
        if (row.side === 'buy' ? bar.l <= limit : bar.h >= limit) {
          const px = row.side === 'buy' ? Math.min(limit, bar.o) : Math.max(limit, bar.o);
          this.fillEquity(row, round2(px), t + MINUTE - 1);
          return true;
        }
      }
      return false;
    })();
    if (done) return;
    if (expiresAt <= nowMs) {
      this.setStatus(row.id, 'expired', new Date(expiresAt).toISOString());
      return;
    }
    const isOpenNow = isMarketOpen(new Date(nowMs));
    this.db.prepare(`UPDATE orders SET checked_until = ?, status = CASE WHEN status = 'accepted' AND ? THEN 'new' ELSE status END WHERE id = ?`).run(nowMs, isOpenNow ? 1 : 0, row.id);
  }

  private evaluateMleg(row: OrderRow, from: number, nowMs: number, expiresAt: number): boolean {
    const legs = JSON.parse(row.legs!) as OrderLeg[];
    for (const s of sessionsBetween(new Date(from), new Date(nowMs))) {
      const start = Math.max(s.open.getTime(), Math.ceil(from / MINUTE) * MINUTE);
      const end = Math.min(s.close.getTime(), nowMs, expiresAt);
      for (let t = start; t <= end; t += MINUTE) {
        if (row.type === 'market' || this.mlegNet(legs, t) <= row.limit_price! + 1e-9) {
          this.fillMleg(row, t);
          return true;
        }
      }
    }
    return false;
  }

  /** Net price per spread (per share): buy legs at the ask, sell legs at the bid; positive = debit. */
  private mlegNet(legs: OrderLeg[], at: number): number {
    let net = 0;
    for (const leg of legs) {
      const q = optionPriceAt(this.market, leg.symbol, at).quote;
      net += (leg.side === 'buy' ? q.askPrice : -q.bidPrice) * leg.ratio_qty;
    }
    return round2(net);
  }

  /** Worst loss per spread in dollars at expiry, or null when it is unbounded (a naked short call). */
  private mlegMaxLoss(legs: OrderLeg[], netPerShare: number): number | null {
    const parsed = legs.map((l) => ({ ...l, occ: parseOcc(l.symbol)! }));
    const slopeUp = parsed.reduce((a, l) => a + (l.occ.type === 'call' ? (l.side === 'buy' ? 1 : -1) * l.ratio_qty : 0), 0);
    if (slopeUp < 0) return null;
    const strikes = parsed.map((l) => l.occ.strike);
    const points = [0, ...strikes, Math.max(...strikes) * 2];
    let worst = Infinity;
    for (const s of points) {
      let payoff = 0;
      for (const l of parsed) {
        const intrinsic = l.occ.type === 'call' ? Math.max(0, s - l.occ.strike) : Math.max(0, l.occ.strike - s);
        payoff += (l.side === 'buy' ? 1 : -1) * l.ratio_qty * intrinsic;
      }
      worst = Math.min(worst, payoff - netPerShare);
    }
    return Math.max(0, -worst) * 100;
  }

  private fillEquity(row: OrderRow, price: number, atMs: number): void {
    const qty = row.qty! - row.filled_qty;
    const at = new Date(atMs).toISOString();
    const signed = row.side === 'buy' ? qty : -qty;
    this.db.prepare('INSERT INTO fills (order_id, symbol, asset_class, side, qty, price, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(row.id, row.symbol, 'us_equity', row.side, qty, price, at, atMs);
    this.db.prepare('INSERT INTO cash_movements (at, at_ms, amount_cents, reason, order_id) VALUES (?, ?, ?, ?, ?)').run(at, atMs, -cents(signed * price), row.side === 'buy' ? 'buy' : 'sell', row.id);
    this.applyPosition(row.symbol!, 'us_equity', signed, price, 1);
    this.db.prepare("UPDATE orders SET status = 'filled', filled_qty = ?, filled_avg_price = ?, filled_at = ?, updated_at = ?, checked_until = ?, reserved_cents = 0 WHERE id = ?").run(row.qty, price, at, at, atMs, row.id);
  }

  private fillMleg(row: OrderRow, atMs: number): void {
    const legs = JSON.parse(row.legs!) as OrderLeg[];
    const at = new Date(atMs).toISOString();
    const qty = row.qty!;
    const fills: LegFill[] = legs.map((l) => {
      const q = optionPriceAt(this.market, l.symbol, atMs).quote;
      return { symbol: l.symbol, side: l.side, qty: qty * l.ratio_qty, price: l.side === 'buy' ? q.askPrice : q.bidPrice };
    });
    let netCents = 0;
    for (const f of fills) {
      this.db.prepare('INSERT INTO fills (order_id, symbol, asset_class, side, qty, price, at, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(row.id, f.symbol, 'us_option', f.side, f.qty, f.price, at, atMs);
      const signed = f.side === 'buy' ? f.qty : -f.qty;
      netCents += cents(signed * f.price * 100);
      this.applyPosition(f.symbol, 'us_option', signed, f.price, 100);
    }
    this.db.prepare("INSERT INTO cash_movements (at, at_ms, amount_cents, reason, order_id) VALUES (?, ?, ?, 'options', ?)").run(at, atMs, -netCents, row.id);
    const netPerShare = round2(netCents / 100 / 100 / qty);
    this.db.prepare("UPDATE orders SET status = 'filled', filled_qty = ?, filled_avg_price = ?, filled_at = ?, updated_at = ?, checked_until = ?, reserved_cents = 0 WHERE id = ?").run(qty, netPerShare, at, at, atMs, row.id);
  }

  /** Average-cost position keeping; cost basis is signed (negative for shorts). */
  private applyPosition(symbol: string, assetClass: string, dq: number, price: number, multiplier: number): void {
    const cur = this.db.prepare('SELECT qty, cost_basis FROM positions WHERE symbol = ?').get(symbol) as { qty: number; cost_basis: number } | undefined;
    let q = cur?.qty ?? 0;
    let cost = cur?.cost_basis ?? 0;
    if (q === 0 || Math.sign(q) === Math.sign(dq)) {
      q += dq;
      cost += dq * price * multiplier;
    } else {
      const closing = Math.min(Math.abs(dq), Math.abs(q));
      cost -= (cost * closing) / Math.abs(q);
      q += dq;
      if (Math.sign(q) === Math.sign(dq) && Math.abs(q) > 1e-9) cost = q * price * multiplier;
    }
    if (Math.abs(q) < 1e-9) this.db.prepare('DELETE FROM positions WHERE symbol = ?').run(symbol);
    else this.db.prepare('INSERT INTO positions (symbol, asset_class, qty, cost_basis) VALUES (?, ?, ?, ?) ON CONFLICT(symbol) DO UPDATE SET qty = excluded.qty, cost_basis = excluded.cost_basis').run(symbol, assetClass, Math.round(q * 1e9) / 1e9, Math.round(cost * 100) / 100);
  }

  // ── helpers ────────────────────────────────────────────────────────────────

  private insertOrder(r: OrderRow): void {
    this.db
      .prepare(
        `INSERT INTO orders (id, client_order_id, symbol, side, order_class, type, time_in_force, qty, notional, limit_price, stop_price, extended_hours, legs, status,
          filled_qty, filled_avg_price, stop_triggered, created_at, submitted_at, updated_at, checked_until, expires_at, reserved_cents)
         VALUES (@id, @client_order_id, @symbol, @side, @order_class, @type, @time_in_force, @qty, @notional, @limit_price, @stop_price, @extended_hours, @legs, @status,
          @filled_qty, @filled_avg_price, @stop_triggered, @created_at, @submitted_at, @updated_at, @checked_until, @expires_at, @reserved_cents)`,
      )
      .run(r);
  }

  private setStatus(id: string, status: 'canceled' | 'expired', at: string): void {
    this.db.prepare(`UPDATE orders SET status = ?, ${status === 'canceled' ? 'canceled_at = ?,' : ''} updated_at = ?, reserved_cents = 0 WHERE id = ?`).run(...(status === 'canceled' ? [status, at, at, id] : [status, at, id]));
  }

  private cashCents(asOfMs = Number.MAX_SAFE_INTEGER): number {
    return (this.db.prepare('SELECT COALESCE(SUM(amount_cents), 0) AS c FROM cash_movements WHERE at_ms <= ?').get(asOfMs) as { c: number }).c;
  }

  private reservedCents(): number {
    return (this.db.prepare(`SELECT COALESCE(SUM(reserved_cents), 0) AS r FROM orders WHERE status IN (${SWEEPABLE.map(() => '?').join(',')})`).get(...SWEEPABLE) as { r: number }).r;
  }

  private positionQty(symbol: string): number {
    return (this.db.prepare('SELECT qty FROM positions WHERE symbol = ?').get(symbol) as { qty: number } | undefined)?.qty ?? 0;
  }

  private priceOf(symbol: string, assetClass: string, at: number): number {
    return assetClass === 'us_option' ? optionPriceAt(this.market, symbol, at).mid : this.market.midAt(symbol, at);
  }

  private positionsAt(now: Date): Position[] {
    const at = this.market.effectiveTime(now);
    const rows = this.db.prepare('SELECT symbol, asset_class, qty, cost_basis FROM positions ORDER BY symbol').all() as Array<{ symbol: string; asset_class: 'us_equity' | 'us_option'; qty: number; cost_basis: number }>;
    return rows.map((r) => {
      const mult = r.asset_class === 'us_option' ? 100 : 1;
      const price = round2(this.priceOf(r.symbol, r.asset_class, at));
      const marketValue = round2(r.qty * price * mult);
      return {
        symbol: r.symbol,
        assetClass: r.asset_class,
        qty: r.qty,
        avgEntryPrice: Math.round((r.cost_basis / (r.qty * mult)) * 10_000) / 10_000,
        costBasis: round2(r.cost_basis),
        currentPrice: price,
        marketValue,
        unrealizedPl: round2(marketValue - r.cost_basis),
      };
    });
  }

  /** Equity at the previous session's close: cash and fills up to then, valued at that close. */
  private lastEquity(now: Date): number {
    const prevClose = previousSession(currentOrNextSession(now).open).close.getTime();
    const cash = this.cashCents(prevClose) / 100;
    const held = this.db.prepare("SELECT symbol, asset_class, SUM(CASE WHEN side = 'buy' THEN qty ELSE -qty END) AS q FROM fills WHERE at_ms <= ? GROUP BY symbol, asset_class").all(prevClose) as Array<{ symbol: string; asset_class: string; q: number }>;
    let value = 0;
    for (const h of held) if (Math.abs(h.q) > 1e-9) value += h.q * this.priceOf(h.symbol, h.asset_class, prevClose) * (h.asset_class === 'us_option' ? 100 : 1);
    return round2(cash + value);
  }

  /** Round trips (a buy and a sell of one symbol on one session day) over the last five sessions. */
  private daytradeCount(now: Date): number {
    let date = easternDate(now);
    const days: string[] = [];
    while (days.length < 5) {
      if (sessionOn(date)) days.push(date);
      date = addDays(date, -1);
    }
    const since = sessionOn(days[days.length - 1]!)!.open.getTime();
    const fills = this.db.prepare('SELECT symbol, side, at_ms FROM fills WHERE at_ms >= ?').all(since) as Array<{ symbol: string; side: string; at_ms: number }>;
    const sides = new Map<string, Set<string>>();
    for (const f of fills) {
      const key = `${easternDate(f.at_ms)}|${f.symbol}`;
      const set = sides.get(key) ?? new Set<string>();
      set.add(f.side);
      sides.set(key, set);
    }
    return [...sides.values()].filter((s) => s.size === 2).length;
  }

  private toOrder(r: OrderRow): BrokerOrder {
    const legs = r.legs ? (JSON.parse(r.legs) as OrderLeg[]) : null;
    const legFills = legs ? (this.db.prepare('SELECT symbol, qty, price FROM fills WHERE order_id = ?').all(r.id) as Array<{ symbol: string; qty: number; price: number }>) : [];
    return {
      id: r.id,
      clientOrderId: r.client_order_id,
      symbol: r.symbol,
      side: r.side,
      orderClass: r.order_class,
      type: r.type,
      timeInForce: r.time_in_force,
      qty: r.qty,
      notional: r.notional,
      filledQty: r.filled_qty,
      filledAvgPrice: r.filled_avg_price,
      limitPrice: r.limit_price,
      stopPrice: r.stop_price,
      extendedHours: r.extended_hours === 1,
      status: r.status as OrderStatus,
      rawStatus: r.status,
      submittedAt: r.submitted_at,
      filledAt: r.filled_at,
      canceledAt: r.canceled_at,
      createdAt: r.created_at,
      legs: legs
        ? legs.map((l) => {
            const f = legFills.find((x) => x.symbol === l.symbol);
            return { symbol: l.symbol, side: l.side, ratioQty: l.ratio_qty, positionIntent: l.position_intent, filledQty: f?.qty ?? 0, filledAvgPrice: f?.price ?? null };
          })
        : null,
    };
  }
}

/** Open the sim's database: WAL, synchronous=FULL (money state), a busy timeout for several processes. */
export async function openSimDatabase(dataDir: string): Promise<Db> {
  return openSqlite(join(dataDir, 'sim-broker.sqlite'), { synchronous: 'FULL' });
}

type OrderShape = Pick<OrderRow, 'symbol' | 'order_class' | 'qty' | 'notional' | 'limit_price' | 'stop_price' | 'extended_hours' | 'legs' | 'reserved_cents'>;

/** A just-accepted order: `new` while the market is open (else `accepted`), nothing filled, day orders expiring at the session's close. */
function newOrderRow(order: OrderSubmission, now: Date, open: boolean, shape: OrderShape): OrderRow {
  const iso = now.toISOString();
  return {
    seq: 0,
    id: randomUUID(),
    client_order_id: order.client_order_id,
    side: order.side,
    type: order.type,
    time_in_force: order.time_in_force,
    ...shape,
    status: open ? 'new' : 'accepted',
    filled_qty: 0,
    filled_avg_price: null,
    stop_triggered: 0,
    created_at: iso,
    submitted_at: iso,
    filled_at: null,
    canceled_at: null,
    updated_at: iso,
    checked_until: now.getTime(),
    expires_at: order.time_in_force === 'day' ? currentOrNextSession(now).close.getTime() : null,
  };
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
