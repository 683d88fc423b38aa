/**
 * The FIFO matching state in columns (round-trips.ts states the rules): every symbol's open lots,
 * the open groups (a single's or a leg's lots of one opening order), the multi-leg positions and
 * the closed trips. A lot and a group are indices into typed arrays (lotNum/lotInt, gNum/gInt,
 * fixed strides) and a group's fill ids and closing orders are linked lists of fill indices in one
 * Int32Array; a closed trip is one int in a TripStore (trip-table.ts), its object built only when
 * read, so matching makes no object per fill or per closed trip. Positions
 * (one per multi-leg opening order, a few in a hundred fills) stay small objects.
 */
import { ToolError } from '../errors.js';
import { FEE_KNOWN, type FillColumns, grown, LEG, SELL } from './fill-columns.js';
import { prorate, safe } from './money.js';
import { PositionGroup } from './trip-build.js';
import { TripStore } from './trip-table.js';
import {
  FEES_INCOMPLETE,
  G_CLOSED,
  G_CLOSED_AT,
  G_EXIT_CASH,
  G_FEES,
  G_FILL_COUNT,
  G_FILL_HEAD,
  G_FILL_TAIL,
  G_FLAGS,
  G_LAST_FILL,
  G_OPEN,
  G_OPEN_CASH,
  G_OPENED,
  G_OPENING,
  G_ORDER_HEAD,
  G_PNL,
  GI,
  GN,
  IS_LEG,
  L_CASH,
  L_FEE,
  L_FILL,
  L_FLAGS,
  L_GROUP,
  L_NANOS,
  L_POSITION,
  LI,
  LN,
  LOT_FEE_KNOWN,
  SHORT,
  type Book,
} from './book-layout.js';

export class Books {
  readonly bySymbol = new Map<string, Book>();
  /** Open groups: singles by order id, legs by mleg order and symbol, positions by mleg order. */
  readonly singles = new Map<string, number>();
  private readonly legs = new Map<string, number>();
  readonly positions = new Map<string, PositionGroup>();
  /** Closed decisions (singles and positions) and closed legs, in the order they closed, in columns (trip-table.ts). */
  readonly trips = new TripStore(this);
  readonly legTrips = new TripStore(this);
  lotNum = new Float64Array(0);
  lotInt = new Int32Array(0);
  gNum = new Float64Array(0);
  gInt = new Int32Array(0);
  /** List nodes: [fill index, next node or -1]. */
  nodes = new Int32Array(0);
  private nLots = 0;
  private nGroups = 0;
  private nNodes = 0;
  private readonly gKey: string[] = [];
  /** Lot ids to reuse (a closed lot's slot), so the columns stay as large as the open lots at their most. */
  private readonly freeLots: number[] = [];
  /** Positions by index (lotInt holds the index); the open ones also by mleg order in `positions`. */
  private readonly positionList: PositionGroup[] = [];

  /**
   * The amounts handed from apply to closeLot and open, in a typed array rather than as arguments:
   * micro-dollar sums exceed a small integer, and a call passing one boxes it (a heap number per
   * call, ~100k fills' worth for the collector).
   */
  private readonly matched = new Float64Array(4);

  constructor(readonly f: FillColumns) {}

  apply(i: number): void {
    const book = this.bookOf(this.f.fills[i]!.symbol);
    const short = (this.f.flags[i]! & SELL) !== 0;
    let nanos = this.f.nanos[i]!;
    let cash = this.f.cash[i]!;
    let fee = this.f.fee[i]!;
    const lots = book.lots;
    while (nanos > 0 && book.head < lots.length) {
      const lot = lots[book.head]!;
      if (((this.lotInt[lot * LI + L_FLAGS]! & SHORT) !== 0) === short) break;
      const o = lot * LN;
      const lotNanos = this.lotNum[o + L_NANOS]!;
      const n = nanos < lotNanos ? nanos : lotNanos;
      const lotFee = prorate(this.lotNum[o + L_FEE]!, n, lotNanos);
      const fillFee = prorate(fee, n, nanos);
      const entryCash = prorate(this.lotNum[o + L_CASH]!, n, lotNanos);
      const exitCash = prorate(cash, n, nanos);
      this.lotNum[o + L_NANOS] = lotNanos - n;
      this.lotNum[o + L_CASH] = this.lotNum[o + L_CASH]! - entryCash;
      this.lotNum[o + L_FEE] = this.lotNum[o + L_FEE]! - lotFee;
      nanos -= n;
      cash -= exitCash;
      fee -= fillFee;
      const m = this.matched;
      m[0] = n;
      m[1] = entryCash;
      m[2] = exitCash;
      m[3] = lotFee + fillFee;
      this.closeLot(lot, i);
      if (n === lotNanos) {
        book.head++;
        this.freeLots.push(lot);
      }
    }
    if (nanos > 0) {
      const m = this.matched;
      m[0] = nanos;
      m[1] = cash;
      m[2] = fee;
      this.open(book, i, short);
    }
    if (book.head > 64 && book.head * 2 > book.lots.length) {
      book.lots = book.lots.slice(book.head);
      book.head = 0;
    }
  }

  /** Record a matched close (`matched`: nanos, entry cash, exit cash, fees) of `lot` by fill `i` on its group and position; finish what went flat. */
  private closeLot(lot: number, i: number): void {
    const n = this.matched[0]!;
    const entryCash = this.matched[1]!;
    const exitCash = this.matched[2]!;
    const fees = this.matched[3]!;
    const li = lot * LI;
    const g = this.lotInt[li + L_GROUP]!;
    const feeKnown = (this.lotInt[li + L_FLAGS]! & LOT_FEE_KNOWN) !== 0 && (this.f.flags[i]! & FEE_KNOWN) !== 0;
    const long = (this.lotInt[li + L_FLAGS]! & SHORT) === 0;
    const o = g * GN;
    const G = this.gNum;
    G[o + G_OPEN] = G[o + G_OPEN]! - n;
    G[o + G_CLOSED] = G[o + G_CLOSED]! + n;
    G[o + G_EXIT_CASH] = safe(G[o + G_EXIT_CASH]! + exitCash, 'closing cash');
    const gross = long ? exitCash - entryCash : entryCash - exitCash;
    G[o + G_PNL] = safe(G[o + G_PNL]! + gross - fees, 'realized P&L');
    G[o + G_FEES] = safe(G[o + G_FEES]! + fees, 'fees');
    if (!feeKnown) this.gInt[g * GI + G_FLAGS]! |= FEES_INCOMPLETE;
    if (this.f.atMs[i]! >= G[o + G_CLOSED_AT]!) {
      G[o + G_CLOSED_AT] = this.f.atMs[i]!;
      this.gInt[g * GI + G_LAST_FILL] = i;
    }
    this.pushFill(g, i);
    this.pushOrder(g, i);
    if (G[o + G_OPEN] === 0) this.finishGroup(g);
    const p = this.lotInt[li + L_POSITION]!;
    if (p >= 0) this.closePosition(p, i, n);
  }

  private closePosition(p: number, i: number, n: number): void {
    const position = this.positionList[p]!;
    position.openNanos -= n;
    pushId(position.fillIds, this.f.fills[i]!.id);
    const order = this.f.decision[i]!;
    if (position.closingOrders[position.closingOrders.length - 1] !== order && !position.closingOrders.includes(order)) position.closingOrders.push(order);
    if (position.openNanos === 0) {
      this.positions.delete(position.key);
      this.trips.push(-position.index - 1);
    }
  }

  /** Open a lot of what is left of fill i (`matched`: nanos, cash, fee). */
  private open(book: Book, i: number, short: boolean): void {
    const nanos = this.matched[0]!;
    const cash = this.matched[1]!;
    const fee = this.matched[2]!;
    const g = this.groupFor(i, short);
    const leg = (this.f.flags[i]! & LEG) !== 0;
    const p = leg ? this.positionFor(i) : -1;
    const lot = this.freeLots.pop() ?? this.newLot();
    const feeKnown = (this.f.flags[i]! & FEE_KNOWN) !== 0;
    this.lotNum[lot * LN + L_NANOS] = nanos;
    this.lotNum[lot * LN + L_CASH] = cash;
    this.lotNum[lot * LN + L_FEE] = fee;
    const li = lot * LI;
    this.lotInt[li + L_FILL] = i;
    this.lotInt[li + L_GROUP] = g;
    this.lotInt[li + L_POSITION] = p;
    this.lotInt[li + L_FLAGS] = (short ? SHORT : 0) | (feeKnown ? LOT_FEE_KNOWN : 0);
    const o = g * GN;
    this.gNum[o + G_OPENED] = this.gNum[o + G_OPENED]! + nanos;
    this.gNum[o + G_OPEN] = this.gNum[o + G_OPEN]! + nanos;
    this.gNum[o + G_OPEN_CASH] = safe(this.gNum[o + G_OPEN_CASH]! + cash, 'opening cash');
    if (!feeKnown) this.gInt[g * GI + G_FLAGS]! |= FEES_INCOMPLETE;
    this.pushFill(g, i);
    if (p >= 0) {
      const position = this.positionList[p]!;
      if (!position.parts.includes(g)) position.parts.push(g);
      position.openNanos += nanos;
      pushId(position.fillIds, this.f.fills[i]!.id);
    }
    book.lots.push(lot);
  }

  /** The open single (by order) or leg (by mleg order and symbol) this opening fill adds to. */
  private groupFor(i: number, short: boolean): number {
    const fill = this.f.fills[i]!;
    const leg = (this.f.flags[i]! & LEG) !== 0;
    const map = leg ? this.legs : this.singles;
    const key = leg ? `${this.f.decision[i]}|${fill.symbol}` : this.f.decision[i]!;
    let g = map.get(key);
    if (g !== undefined && this.f.fills[this.gInt[g * GI + G_OPENING]!]!.symbol !== fill.symbol) {
      const symbol = this.f.fills[this.gInt[g * GI + G_OPENING]!]!.symbol;
      throw new ToolError('INVALID_INPUT', `fill ${fill.id}: order ${fill.order_id} also has fills in ${symbol}; an order trades one symbol`, {
        fill_id: fill.id,
        field: 'order_id',
      });
    }
    if (g === undefined) {
      g = this.newGroup(i, leg, short, key);
      map.set(key, g);
    }
    return g;
  }

  private positionFor(i: number): number {
    const key = this.f.decision[i]!;
    let position = this.positions.get(key);
    if (!position) {
      position = new PositionGroup(i, key, this.positionList.length);
      this.positions.set(key, position);
      this.positionList.push(position);
    }
    return position.index;
  }

  private finishGroup(g: number): void {
    const leg = (this.gInt[g * GI + G_FLAGS]! & IS_LEG) !== 0;
    (leg ? this.legs : this.singles).delete(this.gKey[g]!);
    this.gKey[g] = '';
    (leg ? this.legTrips : this.trips).push(g);
  }

  private newLot(): number {
    const lot = this.nLots++;
    // the length checks stay here: grown() serves three array types, so a call per lot, group or node is a polymorphic one
    if (this.nLots * LN > this.lotNum.length) this.lotNum = grown(this.lotNum, this.nLots * LN);
    if (this.nLots * LI > this.lotInt.length) this.lotInt = grown(this.lotInt, this.nLots * LI);
    return lot;
  }

  private newGroup(i: number, leg: boolean, short: boolean, key: string): number {
    const g = this.nGroups++;
    if (this.nGroups * GN > this.gNum.length) this.gNum = grown(this.gNum, this.nGroups * GN);
    if (this.nGroups * GI > this.gInt.length) this.gInt = grown(this.gInt, this.nGroups * GI);
    const o = g * GI;
    this.gInt[o + G_OPENING] = i;
    this.gInt[o + G_LAST_FILL] = i;
    this.gInt[o + G_FLAGS] = (leg ? IS_LEG : 0) | (short ? SHORT : 0);
    this.gInt[o + G_FILL_HEAD] = -1;
    this.gInt[o + G_ORDER_HEAD] = -1;
    this.gKey[g] = key;
    return g;
  }

  /** Append fill i to group g's fill list unless it is the last one there (a fill's pieces reach a group one after another). */
  private pushFill(g: number, i: number): void {
    const o = g * GI;
    const tail = this.gInt[o + G_FILL_TAIL]!;
    if (this.gInt[o + G_FILL_COUNT]! > 0 && this.nodes[tail * 2] === i) return;
    this.append(o + G_FILL_HEAD, i);
  }

  /** Append fill i's decision to group g's closing orders unless the list has it. */
  private pushOrder(g: number, i: number): void {
    const order = this.f.decision[i]!;
    for (let n = this.gInt[g * GI + G_ORDER_HEAD]!; n >= 0; n = this.nodes[n * 2 + 1]!) {
      if (this.f.decision[this.nodes[n * 2]!] === order) return;
    }
    this.append(g * GI + G_ORDER_HEAD, i);
  }

  /** Append a node for fill i to the list whose head, tail and count sit at gInt[at], [at+1], [at+2]. */
  private append(at: number, i: number): void {
    const n = this.nNodes++;
    if (this.nNodes * 2 > this.nodes.length) this.nodes = grown(this.nodes, this.nNodes * 2);
    this.nodes[n * 2] = i;
    this.nodes[n * 2 + 1] = -1;
    if (this.gInt[at + 2] === 0) this.gInt[at] = n;
    else this.nodes[this.gInt[at + 1]! * 2 + 1] = n;
    this.gInt[at + 1] = n;
    this.gInt[at + 2] = this.gInt[at + 2]! + 1;
  }

  private bookOf(symbol: string): Book {
    let book = this.bySymbol.get(symbol);
    if (!book) {
      book = { lots: [], head: 0 };
      this.bySymbol.set(symbol, book);
    }
    return book;
  }

  /** The multi-leg position with this index. */
  position(p: number): PositionGroup {
    return this.positionList[p]!;
  }

  /** A lot's single or leg group, and its position's index (-1: none). */
  lotGroup(lot: number): number {
    return this.lotInt[lot * LI + L_GROUP]!;
  }

  lotPosition(lot: number): number {
    return this.lotInt[lot * LI + L_POSITION]!;
  }
}

/** Push a fill id unless it is the last one pushed. */
function pushId(list: string[], id: string): void {
  if (list[list.length - 1] !== id) list.push(id);
}
