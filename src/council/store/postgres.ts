/**
 * The council store on the shared PostgreSQL (SPEC §16): the same log and semantics as council.sqlite,
 * for any number of replicas on any hosts.
 *
 * - Tickets single-use: a spend is one INSERT into `gate_consumed_tickets` under its primary key (ON
 *   CONFLICT DO NOTHING): of any number of racers on any connections, exactly one inserts the row (the
 *   others wait on the winner's uncommitted key, then find it and do nothing). The gate's INTENT
 *   transaction spends through the same table, so a ticket is spent once whichever path spends it.
 * - The ticket key: one row, created by the first replica that needs it (INSERT … ON CONFLICT DO
 *   NOTHING, then a fresh SELECT: the second statement's snapshot sees the winner's committed key), so a
 *   ticket issued on any replica verifies on every other. Whoever can write this database can mint
 *   tickets — as whoever can write it can clear the halt: the database is the fleet's trust root.
 * - The decision log: plain autocommit statements (each one durable when it returns); a vote is an
 *   upsert on (council_id, member), as INSERT OR REPLACE on SQLite.
 * Every method fails closed: any database error rejects with STORE_UNAVAILABLE (failClosed).
 */
import { randomBytes } from 'node:crypto';
import { failClosed } from '../../store/postgres/fail-closed.js';
import { type PgPool, query } from '../../store/postgres/pool.js';
import type { CouncilStore } from '../store.js';
import { finishRow, type Row, toLogEntry, voteRow } from './rows.js';

const STORE = 'the council store';

const INSERT_VOTE = `INSERT INTO council_votes (council_id, member, tier, model_requested, model_served, status, vote, confidence, reasoning,
    error_code, error_message, latency_ms, cost_usd, raw_content, at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (council_id, member) DO UPDATE SET tier = EXCLUDED.tier, model_requested = EXCLUDED.model_requested,
    model_served = EXCLUDED.model_served, status = EXCLUDED.status, vote = EXCLUDED.vote, confidence = EXCLUDED.confidence,
    reasoning = EXCLUDED.reasoning, error_code = EXCLUDED.error_code, error_message = EXCLUDED.error_message,
    latency_ms = EXCLUDED.latency_ms, cost_usd = EXCLUDED.cost_usd, raw_content = EXCLUDED.raw_content, at = EXCLUDED.at`;

const VOTE_COLUMNS = [
  'council_id',
  'member',
  'tier',
  'model_requested',
  'model_served',
  'status',
  'vote',
  'confidence',
  'reasoning',
  'error_code',
  'error_message',
  'latency_ms',
  'cost_usd',
  'raw_content',
  'at',
] as const;

export class PgCouncilStore implements CouncilStore {
  readonly backend = 'postgres' as const;

  constructor(
    private readonly pool: PgPool,
    readonly where = 'postgres',
  ) {}

  ticketKey(): Promise<Buffer> {
    return failClosed(STORE, async () => {
      await query(this.pool, 'INSERT INTO council_ticket_key (id, key_hex, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING', [
        randomBytes(32).toString('hex'),
        new Date().toISOString(),
      ]);
      const [row] = await query<{ key_hex: string }>(this.pool, 'SELECT key_hex FROM council_ticket_key WHERE id = 1');
      if (!row) throw new Error('the council ticket key row is missing after its insert');
      return Buffer.from(row.key_hex, 'hex');
    });
  }

  begin(c: Parameters<CouncilStore['begin']>[0]): Promise<void> {
    return failClosed(STORE, async () => {
      await query(this.pool, `INSERT INTO councils (id, at, question, order_hash, members_total, quorum, status) VALUES ($1, $2, $3, $4, $5, $6, 'running')`, [
        c.id,
        c.at,
        c.question,
        c.orderHash,
        c.membersTotal,
        c.quorum,
      ]);
    });
  }

  recordVote(...[councilId, outcome, rawContent]: Parameters<CouncilStore['recordVote']>): Promise<void> {
    const row = voteRow(councilId, outcome, rawContent);
    return failClosed(STORE, async () => {
      await query(
        this.pool,
        INSERT_VOTE,
        VOTE_COLUMNS.map((c) => row[c] ?? null),
      );
    });
  }

  finish(...[councilId, f]: Parameters<CouncilStore['finish']>): Promise<void> {
    const r = finishRow(councilId, f);
    return failClosed(STORE, async () => {
      await query(
        this.pool,
        `UPDATE councils SET status = 'done', decision = $2, consensus = $3, valid_votes = $4, wall_ms = $5, cost_usd = $6,
           ticket_id = $7, ticket_expires_at = $8, result_json = $9 WHERE id = $1`,
        [r.id, r.decision, r.consensus, r.validVotes, r.wallMs, r.costUsd, r.ticketId, r.ticketExpiresAt, r.resultJson],
      );
    });
  }

  fail(councilId: string, reason: string): Promise<void> {
    return failClosed(STORE, async () => {
      await query(this.pool, `UPDATE councils SET status = 'failed', failure = $2 WHERE id = $1 AND status = 'running'`, [councilId, reason]);
    });
  }

  recent(limit: number): ReturnType<CouncilStore['recent']> {
    return failClosed(STORE, async () => {
      const rows = await query<Row>(this.pool, 'SELECT * FROM councils ORDER BY at DESC, seq DESC LIMIT $1', [limit]);
      const votes = rows.length
        ? await query<Row>(this.pool, 'SELECT * FROM council_votes WHERE council_id = ANY($1::text[]) ORDER BY council_id, member', [
            rows.map((r) => r.id as string),
          ])
        : [];
      return rows.map((r) =>
        toLogEntry(
          r,
          votes.filter((v) => v.council_id === r.id),
        ),
      );
    });
  }

  consumeTicket(ticketId: string, orderHash: string, at: string): Promise<boolean> {
    return failClosed(STORE, async () => {
      const r = await this.pool.query(
        'INSERT INTO gate_consumed_tickets (ticket_id, order_hash, consumed_at, pid) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO NOTHING',
        [ticketId, orderHash, at, process.pid],
      );
      return r.rowCount === 1;
    });
  }

  ticketSpent(ticketId: string): Promise<boolean> {
    return failClosed(STORE, async () => (await query(this.pool, 'SELECT 1 FROM gate_consumed_tickets WHERE ticket_id = $1', [ticketId])).length > 0);
  }

  /** The pool belongs to the process's database service, which ends it. */
  async close(): Promise<void> {}
}
