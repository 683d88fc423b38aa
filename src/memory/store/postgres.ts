/**
 * Trade memory on the shared PostgreSQL (SPEC §16): one memory for every replica, with the contract of
 * contract.ts.
 * - Fills and fees: INSERT … ON CONFLICT (account, id) DO NOTHING, so a fill any number of replicas read
 *   is stored once; the count returned is the rows this call inserted.
 * - Commit order: a sequence is not commit-ordered (a later number can commit first, and a reader that
 *   already passed it would skip the earlier one forever). Each write instead draws its rows' numbers
 *   from the account's counter row (`memory_counters`, an upsert `n = n + k … RETURNING n`) inside its
 *   transaction: the row lock is held until commit, so the next writer draws after this one committed.
 * - Cursors: moved only from where the read started (the upsert's update asks `cursor IS NOT DISTINCT
 *   FROM` the read's start): two replicas polling overlapping pages never move it backwards.
 * - Hand-over claims: INSERT … ON CONFLICT DO NOTHING; only the inserter (rowCount 1) hands the trip over.
 * - `changes` reads in one REPEATABLE READ transaction: one snapshot for fills, fees, metadata and claims.
 * Every public method fails closed: any database error rejects with STORE_UNAVAILABLE.
 */
import { failClosedMethods } from '../../store/postgres/fail-closed.js';
import { type PgClient, type PgPool, query, queryResult, withTransaction } from '../../store/postgres/pool.js';
import type { FeeRecord } from '../fees.js';
import type { Fill } from '../fills.js';
import type { Regime } from '../trips.js';
import type { ChangesFrom, CursorMove, MemoryChanges, MemoryStore, OrderMetaRecord, PendingRegime, StoredMeta } from './contract.js';
import { FILL_COLUMNS, type FillTuple, fillsOf, META_COLUMNS, type MetaRow, metaOf, metaRowsOf, type MetaTuple } from './rows.js';

type Kind = 'fills' | 'fees' | 'meta';

/** Draw `$3` numbers from the account's counter of `$2` (locks its row until commit); returns the last. */
const DRAW = `INSERT INTO memory_counters (account, kind, n) VALUES ($1, $2, $3)
  ON CONFLICT (account, kind) DO UPDATE SET n = memory_counters.n + EXCLUDED.n RETURNING n`;

const MOVE_CURSOR = `INSERT INTO memory_cursors (account, cursor, updated_at) VALUES ($1, $2, $3)
  ON CONFLICT (account) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at
  WHERE memory_cursors.cursor IS NOT DISTINCT FROM $4::text`;

const INSERT_FILLS = `INSERT INTO memory_fills (account, seq, ${FILL_COLUMNS}, stored_at)
  SELECT $1, $2::bigint + t.ord, t.id, t.order_id, t.client_order_id, t.symbol, t.side, t.qty, t.price, t.fee, t.at,
         t.parent_order_id, t.asset_class, t.multiplier, $3
  FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[], $10::float8[], $11::float8[], $12::text[],
              $13::text[], $14::text[], $15::int[])
       WITH ORDINALITY AS t(id, order_id, client_order_id, symbol, side, qty, price, fee, at, parent_order_id, asset_class, multiplier, ord)
  ON CONFLICT (account, id) DO NOTHING`;

const INSERT_FEES = `INSERT INTO memory_fees (account, seq, id, amount, order_id, symbol, date, stored_at)
  SELECT $1, $2::bigint + t.ord, t.id, t.amount, t.order_id, t.symbol, t.date, $3
  FROM unnest($4::text[], $5::float8[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS t(id, amount, order_id, symbol, date, ord)
  ON CONFLICT (account, id) DO NOTHING`;

const COUNTER_CTE = `WITH c AS (INSERT INTO memory_counters (account, kind, n) VALUES ($1, 'meta', 1)
  ON CONFLICT (account, kind) DO UPDATE SET n = memory_counters.n + 1 RETURNING n)`;

const INSERT_META = `${COUNTER_CTE}
  INSERT INTO memory_order_meta (account, client_order_id, broker_order_id, symbol, strategy, tags, rationale, audit_id, created_at, seq)
  SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, c.n FROM c ON CONFLICT (account, client_order_id) DO NOTHING`;

const SET_REGIME = `${COUNTER_CTE}
  UPDATE memory_order_meta m SET regime_state = $3, regime_trend = $4, regime_volatility = $5, seq = c.n FROM c
  WHERE m.account = $1 AND m.client_order_id = $2 AND m.regime_state = 'pending'`;

const PENDING = `SELECT DISTINCT ON (m.client_order_id) m.client_order_id, f.symbol, f.at
  FROM memory_order_meta m JOIN memory_fills f ON f.account = m.account AND f.client_order_id = m.client_order_id
  WHERE m.account = $1 AND m.regime_state = 'pending'
  ORDER BY m.client_order_id, f.at COLLATE "C"`;

const FILLS_AFTER = `SELECT seq, ${FILL_COLUMNS} FROM memory_fills WHERE account = $1 AND seq > $2 ORDER BY seq`;

/** Rows per INSERT … unnest statement (a bulk load is cut into these). */
const CHUNK = 5_000;

const STORE = 'trade memory';

/** The numbers `k` rows take: base + 1 … base + k, drawn in this transaction (the row lock orders commits). */
async function draw(c: PgClient, account: string, kind: Kind, k: number): Promise<number> {
  const r = await c.query<{ n: number }>(DRAW, [account, kind, k]);
  return Number(r.rows[0]!.n) - k;
}

async function moveCursor(c: PgClient, key: string, move: CursorMove | null, now: string): Promise<void> {
  if (move === null || move.to === null) return;
  await c.query(MOVE_CURSOR, [key, move.to, now, move.from]);
}

/** The rows of `text` (parameters: account, after) as raw tuples. */
async function tuples<T>(c: PgClient, text: string, account: string, after: number): Promise<T[]> {
  return (await c.query({ text, values: [account, after], rowMode: 'array' })).rows as T[];
}

function fillColumns(fills: readonly Fill[]): unknown[][] {
  const get: Array<(f: Fill) => unknown> = [
    (f) => f.id,
    (f) => f.order_id,
    (f) => f.client_order_id,
    (f) => f.symbol,
    (f) => f.side,
    (f) => f.qty,
    (f) => f.price,
    (f) => f.fee,
    (f) => f.at,
    (f) => f.parent_order_id ?? null,
    (f) => f.asset_class ?? null,
    (f) => f.multiplier ?? null,
  ];
  return get.map((g) => fills.map(g));
}

export class PgMemoryStore implements MemoryStore {
  readonly backend = 'postgres' as const;

  constructor(
    private readonly pool: PgPool,
    readonly where = 'postgres',
  ) {}

  addFills(account: string, fills: readonly Fill[], move: CursorMove | null, at: Date): Promise<number> {
    const now = at.toISOString();
    return withTransaction(this.pool, async (c) => {
      let added = 0;
      for (let i = 0; i < fills.length; i += CHUNK) {
        const chunk = fills.slice(i, i + CHUNK);
        const base = await draw(c, account, 'fills', chunk.length);
        added += (await c.query(INSERT_FILLS, [account, base, now, ...fillColumns(chunk)])).rowCount ?? 0;
      }
      await moveCursor(c, account, move, now);
      return added;
    });
  }

  async cursor(account: string): Promise<string | null> {
    const [row] = await query<{ cursor: string | null }>(this.pool, 'SELECT cursor FROM memory_cursors WHERE account = $1', [account]);
    return row?.cursor ?? null;
  }

  addFees(account: string, fees: readonly FeeRecord[], move: CursorMove | null, at: Date): Promise<number> {
    const now = at.toISOString();
    return withTransaction(this.pool, async (c) => {
      let added = 0;
      if (fees.length) {
        const base = await draw(c, account, 'fees', fees.length);
        const cols = [fees.map((f) => f.id), fees.map((f) => f.amount), fees.map((f) => f.order_id), fees.map((f) => f.symbol), fees.map((f) => f.date)];
        added = (await c.query(INSERT_FEES, [account, base, now, ...cols])).rowCount ?? 0;
      }
      await moveCursor(c, `${account}#fees`, move, now);
      return added;
    });
  }

  feeCursor(account: string): Promise<string | null> {
    return this.cursor(`${account}#fees`);
  }

  fills(account: string): Promise<Fill[]> {
    return withTransaction(this.pool, async (c) => fillsOf(await tuples<FillTuple>(c, FILLS_AFTER, account, 0), 0).fills);
  }

  async recordMeta(account: string, m: OrderMetaRecord, at: Date): Promise<void> {
    const tags = JSON.stringify(m.tags);
    await query(this.pool, INSERT_META, [account, m.client_order_id, m.broker_order_id, m.symbol, m.strategy, tags, m.rationale, m.audit_id, at.toISOString()]);
  }

  async meta(account: string, clientOrderId: string): Promise<StoredMeta | null> {
    const sql = `SELECT ${META_COLUMNS} FROM memory_order_meta WHERE account = $1 AND client_order_id = $2`;
    const [r] = await query<MetaRow & Record<string, unknown>>(this.pool, sql, [account, clientOrderId]);
    return r ? metaOf(r) : null;
  }

  changes(account: string, from: ChangesFrom): Promise<MemoryChanges> {
    return withTransaction(
      this.pool,
      async (c) => {
        const meta = await tuples<MetaTuple>(
          c,
          `SELECT client_order_id, seq, ${META_COLUMNS} FROM memory_order_meta WHERE account = $1 AND seq > $2 ORDER BY seq`,
          account,
          from.metaSeq,
        );
        const fees = await tuples<[number, string, number, string | null, string | null, string | null]>(
          c,
          'SELECT seq, id, amount, order_id, symbol, date FROM memory_fees WHERE account = $1 AND seq > $2 ORDER BY seq',
          account,
          from.feeRow,
        );
        const fills = await tuples<FillTuple>(c, FILLS_AFTER, account, from.fillRow);
        const handed = from.handed ? await this.handedIn(c, account) : null;
        return {
          meta: metaRowsOf(meta, from.metaSeq),
          fees: {
            fees: fees.map(([, id, amount, order_id, symbol, date]) => ({ id, amount, order_id, symbol, date })),
            lastRow: fees.length ? fees[fees.length - 1]![0] : from.feeRow,
          },
          fills: fillsOf(fills, from.fillRow),
          handed,
        };
      },
      { isolation: 'repeatable read' },
    );
  }

  private async handedIn(c: PgClient, account: string): Promise<Set<string>> {
    const r = await c.query<{ trip_id: string }>('SELECT trip_id FROM memory_handed_over WHERE account = $1', [account]);
    return new Set(r.rows.map((x) => x.trip_id));
  }

  pendingRegimes(account: string): Promise<PendingRegime[]> {
    return query<PendingRegime & Record<string, unknown>>(this.pool, PENDING, [account]);
  }

  async setRegime(account: string, clientOrderId: string, regime: Regime | null): Promise<void> {
    await query(this.pool, SET_REGIME, [account, clientOrderId, regime ? 'set' : 'unavailable', regime?.trend ?? null, regime?.volatility ?? null]);
  }

  async claimHandOver(account: string, tripId: string, at: Date): Promise<boolean> {
    const sql = 'INSERT INTO memory_handed_over (account, trip_id, at) VALUES ($1, $2, $3) ON CONFLICT (account, trip_id) DO NOTHING';
    return (await queryResult(this.pool, sql, [account, tripId, at.toISOString()])).rowCount === 1;
  }

  async releaseHandOver(account: string, tripId: string): Promise<void> {
    await query(this.pool, 'DELETE FROM memory_handed_over WHERE account = $1 AND trip_id = $2', [account, tripId]);
  }

  /** The pool belongs to the process's database service, which ends it. */
  async close(): Promise<void> {}
}

const METHODS = [
  'addFills',
  'cursor',
  'addFees',
  'feeCursor',
  'fills',
  'recordMeta',
  'meta',
  'changes',
  'pendingRegimes',
  'setRegime',
  'claimHandOver',
  'releaseHandOver',
] as const satisfies readonly (keyof MemoryStore)[];

/** The PostgreSQL trade memory on `pool`, every method failing closed (STORE_UNAVAILABLE). */
export function openPgMemoryStore(pool: PgPool, where: string): MemoryStore {
  return failClosedMethods(new PgMemoryStore(pool, where), STORE, METHODS);
}
