/**
 * The running tally of one round trip while fills are matched: lots opened by one opening order
 * (in one symbol for a single or a leg; across every leg for a multi-leg position), the matched
 * closes, P&L and fees in integer micro-dollars. A group is closed when nothing it opened is left.
 */
import { parseOcc } from '../orders/symbols.js';
import type { ReadFill } from './fills.js';
import { dollars, gcd, MICROS_PER_DOLLAR, NANOS_PER_UNIT, safe } from './money.js';
import type { OpenLot, OpenTrip, RoundTrip, TradeMeta, TripFacts, TripKind } from './trips.js';

export type Direction = 'long' | 'short';

/** The remaining part of one opening fill, in integer units. */
export interface Lot {
  direction: Direction;
  nanos: number;
  /** Remaining opening cash and fee share (micro-dollars); the last close takes what is left. */
  cash: number;
  fee: number;
  feeKnown: boolean;
  fill: ReadFill;
  groups: TripGroup[];
}

interface LegTally {
  direction: Direction;
  multiplier: number;
  openedNanos: number;
  openNanos: number;
  openCash: number;
  exitCash: number;
}

/** A matched close of part of a lot. */
export interface Close {
  nanos: number;
  /** The lot's opening cash for this part, and the closing fill's cash for it (micro-dollars). */
  entryCash: number;
  exitCash: number;
  fees: number;
  feeKnown: boolean;
  fill: ReadFill;
}

const perShare = (micros: number, nanos: number, multiplier: number): number =>
  nanos === 0 ? 0 : Math.round(micros / ((nanos / NANOS_PER_UNIT) * multiplier)) / MICROS_PER_DOLLAR;

const underlyingOf = (symbol: string): string => parseOcc(symbol)?.underlying ?? symbol;

export class TripGroup {
  readonly legs = new Map<string, LegTally>();
  openNanos = 0;
  private closedNanos = 0;
  private pnl = 0;
  private fees = 0;
  private feesComplete = true;
  private closedAtMs = 0;
  private readonly fillIds = new Set<string>();
  private readonly closingOrders = new Set<string>();

  constructor(
    readonly kind: TripKind,
    readonly opening: ReadFill,
    /** Its key among the open groups: kind, opening order, and symbol unless a position. */
    readonly key: string,
  ) {}

  addOpen(lot: Lot): void {
    const f = lot.fill;
    const leg = this.legs.get(f.symbol) ?? { direction: lot.direction, multiplier: f.multiplier, openedNanos: 0, openNanos: 0, openCash: 0, exitCash: 0 };
    leg.openedNanos += lot.nanos;
    leg.openNanos += lot.nanos;
    leg.openCash = safe(leg.openCash + lot.cash, 'opening cash');
    this.legs.set(f.symbol, leg);
    this.openNanos += lot.nanos;
    this.feesComplete &&= lot.feeKnown;
    this.fillIds.add(f.id);
  }

  addClose(lot: Lot, c: Close): void {
    const leg = this.legs.get(lot.fill.symbol)!;
    leg.openNanos -= c.nanos;
    leg.exitCash = safe(leg.exitCash + c.exitCash, 'closing cash');
    this.openNanos -= c.nanos;
    this.closedNanos += c.nanos;
    const gross = lot.direction === 'long' ? c.exitCash - c.entryCash : c.entryCash - c.exitCash;
    this.pnl = safe(this.pnl + gross - c.fees, 'realized P&L');
    this.fees = safe(this.fees + c.fees, 'fees');
    this.feesComplete &&= c.feeKnown;
    this.closedAtMs = Math.max(this.closedAtMs, c.fill.atMs);
    this.fillIds.add(c.fill.id);
    this.closingOrders.add(c.fill.decisionId);
  }

  /** Units: a leg's or single's quantity; a position's spreads (gcd of its legs' quantities). */
  private unitNanos(): number {
    let g = 0;
    for (const leg of this.legs.values()) g = gcd(g, leg.openedNanos);
    return g;
  }

  private multiplier(): number {
    const ms = new Set([...this.legs.values()].map((l) => l.multiplier));
    return ms.size === 1 ? [...ms][0]! : 1;
  }

  /** Net premium signed as a debit (+) to open, and as a credit (+) to close. */
  private net(): { open: number; exit: number } {
    let open = 0;
    let exit = 0;
    for (const leg of this.legs.values()) {
      const s = leg.direction === 'long' ? 1 : -1;
      open += s * leg.openCash;
      exit += s * leg.exitCash;
    }
    return { open, exit };
  }

  private facts(meta: TradeMeta | null | undefined): TripFacts & { exitPerShare: number } {
    const symbols = [...this.legs.keys()];
    const unders = [...new Set(symbols.map(underlyingOf))].sort();
    const underlying = unders.join('/');
    const net = this.net();
    const direction: Direction = this.kind === 'position' ? (net.open >= 0 ? 'long' : 'short') : [...this.legs.values()][0]!.direction;
    const s = direction === 'long' ? 1 : -1;
    const units = this.unitNanos();
    const multiplier = this.multiplier();
    return {
      id: `${this.kind}:${this.opening.id}`,
      kind: this.kind,
      symbol: this.kind === 'position' ? underlying : symbols[0]!,
      underlying,
      legs: this.kind === 'position' ? [...symbols].sort() : symbols,
      direction,
      qty: units / NANOS_PER_UNIT,
      multiplier,
      entry_price: perShare(s * net.open, units, multiplier),
      exitPerShare: perShare(s * net.exit, units, multiplier),
      opened_at: new Date(this.opening.atMs).toISOString(),
      opening_order_id: this.opening.decisionId,
      opening_client_order_id: this.opening.client_order_id,
      realized_pnl: dollars(this.pnl),
      fees: dollars(this.fees),
      fees_complete: this.feesComplete,
      strategy: meta?.strategy ?? null,
      tags: [...(meta?.tags ?? [])],
      rationale: meta?.rationale ?? null,
      regime: meta?.regime ? { trend: meta.regime.trend ?? null, volatility: meta.regime.volatility ?? null } : null,
    };
  }

  toRoundTrip(meta: TradeMeta | null | undefined): RoundTrip {
    const { exitPerShare, ...facts } = this.facts(meta);
    return {
      ...facts,
      exit_price: exitPerShare,
      closed_at: new Date(this.closedAtMs).toISOString(),
      holding_seconds: (this.closedAtMs - this.opening.atMs) / 1000,
      closing_order_ids: [...this.closingOrders],
      fill_ids: [...this.fillIds],
    };
  }

  toOpenTrip(meta: TradeMeta | null | undefined, lots: OpenLot[]): OpenTrip {
    const { exitPerShare: _, ...facts } = this.facts(meta);
    if (this.kind !== 'position') return { ...facts, qty_open: this.openNanos / NANOS_PER_UNIT, qty_closed: this.closedNanos / NANOS_PER_UNIT, lots };
    // A position's open part in spreads: the share of its contracts still open.
    const opened = this.openNanos + this.closedNanos;
    const qtyOpen = (facts.qty * this.openNanos) / opened;
    return { ...facts, qty_open: qtyOpen, qty_closed: facts.qty - qtyOpen, lots };
  }
}
