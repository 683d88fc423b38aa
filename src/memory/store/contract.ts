/**
 * Trade memory's durable state behind one asynchronous interface (SPEC §16), with two stores: SQLite
 * under the data dir (`sqlite.ts`, `<dataDir>/memory.sqlite`, the embedded default) and the shared
 * PostgreSQL of TRADING_MCP_DATABASE_URL (`postgres.ts`), where every replica reads and writes one
 * memory. Rows are keyed by `account` (`<broker>:<mode>`, e.g. `sim:sim`, `alpaca:paper`), so a paper
 * and a live account never mix. On both:
 * - a fill (and a fee the broker reports apart) is stored once by (account, id), however many reads
 *   and replicas see it;
 * - a broker cursor moves only from where the read that produced it started (compare-and-set): two
 *   replicas polling overlapping pages never move it backwards;
 * - incremental reads (`changes`) return the rows written after a counter, in commit order, so a
 *   reader's counter never skips a row committed late; one read is one consistent snapshot;
 * - a losing trip is claimed for the hand-over by exactly one caller of any replica.
 *
 * @example const c = await store.changes(account, { fillRow: 0, feeRow: 0, metaSeq: 0, handed: true });
 */
import type { FeeRecord } from '../fees.js';
import type { Fill } from '../fills.js';
import type { Regime, TradeMeta } from '../trips.js';

/** A page of stored fills in row order, and the last row read (the next read's `after`). */
export interface StoredFills {
  fills: Fill[];
  lastRow: number;
}

export interface StoredFees {
  fees: FeeRecord[];
  lastRow: number;
}

export interface OrderMetaRecord {
  client_order_id: string;
  broker_order_id: string | null;
  symbol: string | null;
  strategy: string | null;
  tags: readonly string[];
  rationale: string | null;
  audit_id: string | null;
}

export interface StoredMeta extends TradeMeta {
  audit_id: string | null;
  regime_state: 'pending' | 'set' | 'unavailable';
}

export type MetaSinceRow = StoredMeta & { client_order_id: string };

/** A broker cursor's move: from where the read started (as stored then) to where it stopped. */
export interface CursorMove {
  from: string | null;
  to: string | null;
}

/** Where an incremental read starts: the last fill row, fee row and metadata seq already read. */
export interface ChangesFrom {
  fillRow: number;
  feeRow: number;
  metaSeq: number;
  /** Also read every trip already handed over (once, when a server first matches its memory). */
  handed: boolean;
}

/** What changed since `ChangesFrom`, read in one snapshot. */
export interface MemoryChanges {
  fills: StoredFills;
  fees: StoredFees;
  meta: { rows: MetaSinceRow[]; lastSeq: number };
  handed: Set<string> | null;
}

export interface PendingRegime {
  client_order_id: string;
  symbol: string;
  at: string;
}

export interface MemoryStore {
  readonly backend: 'sqlite' | 'postgres';
  /** The SQLite file, or the database URL without its password. */
  readonly where: string;
  /** Store the fills (a fill already held is left as it was) and move the cursor (`move`, null: leave it), in one transaction; the count newly stored. */
  addFills(account: string, fills: readonly Fill[], move: CursorMove | null, at: Date): Promise<number>;
  cursor(account: string): Promise<string | null>;
  /** Store fees like fills; their cursor is the account's `#fees`. */
  addFees(account: string, fees: readonly FeeRecord[], move: CursorMove | null, at: Date): Promise<number>;
  feeCursor(account: string): Promise<string | null>;
  /** Every stored fill of the account, in row order. */
  fills(account: string): Promise<Fill[]>;
  /** What the gate knew when it sent an order; a second record of the same client_order_id keeps the first. */
  recordMeta(account: string, m: OrderMetaRecord, at: Date): Promise<void>;
  meta(account: string, clientOrderId: string): Promise<StoredMeta | null>;
  /** Fills, fees and metadata rows written after `from`, and (if asked) the handed-over trips: one snapshot. */
  changes(account: string, from: ChangesFrom): Promise<MemoryChanges>;
  /** Orders with metadata whose regime is not read yet, with their first fill (symbol and time). */
  pendingRegimes(account: string): Promise<PendingRegime[]>;
  setRegime(account: string, clientOrderId: string, regime: Regime | null): Promise<void>;
  /** Claim a trip for the hand-over; true only for the one caller (of any process) that claimed it first. */
  claimHandOver(account: string, tripId: string, at: Date): Promise<boolean>;
  /** Give a claim back (the hand-over failed): the next read tries the trip again. */
  releaseHandOver(account: string, tripId: string): Promise<void>;
  close(): Promise<void>;
}
