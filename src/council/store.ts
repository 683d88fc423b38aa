/**
 * The council's durable state behind one asynchronous interface (SPEC §8, §16): the decision log (one
 * row per council, one per member vote), the spent tickets (single-use across every process sharing
 * the store) and the key tickets are signed with. Two stores: SQLite under the data dir
 * (`store/sqlite.ts`, the embedded default) or the shared PostgreSQL of TRADING_MCP_DATABASE_URL
 * (`store/postgres.ts`), where a ticket issued by any replica verifies, and is spent once, on all.
 *
 * @example
 *   const store = await getCouncilStore(deps);
 *   await store.begin({ id, at, question, orderHash, membersTotal: 3, quorum: 2 });
 *   if (!(await store.consumeTicket(ticketId, orderHash, at))) refuse('reused');
 */
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import type { MemberOutcome } from './aggregate.js';

export interface CouncilStart {
  id: string;
  at: string;
  question: string;
  orderHash: string | null;
  membersTotal: number;
  quorum: number;
}

export interface CouncilFinish {
  decision: string;
  consensus: number;
  validVotes: number;
  wallMs: number;
  costUsd: number;
  ticketId: string | null;
  ticketExpiresAt: string | null;
  result: unknown;
}

export interface CouncilLogEntry {
  council_id: string;
  at: string;
  question: string;
  order_hash: string | null;
  status: 'running' | 'done' | 'failed';
  decision: string | null;
  consensus: number | null;
  valid_votes: number | null;
  quorum: number;
  members_total: number;
  wall_ms: number | null;
  cost_usd: number | null;
  ticket_id: string | null;
  ticket_expires_at: string | null;
  /** The ids of the lessons the members' prompt carried (from the journalled result); null: no order, or not finished. */
  lessons: string[] | null;
  votes: Array<{
    member: number;
    tier: string;
    model_requested: string | null;
    model_served: string | null;
    status: string;
    vote: string | null;
    confidence: number | null;
    reasoning: string | null;
    error_code: string | null;
    error_message: string | null;
    latency_ms: number;
    cost_usd: number;
    at: string;
  }>;
}

export interface CouncilStore {
  readonly backend: 'sqlite' | 'postgres';
  /** The SQLite file, or the database URL without its password. */
  readonly where: string;
  /** The key tickets are signed and verified with (created on first use; one per data dir, or one per database). */
  ticketKey(): Promise<Buffer>;
  begin(c: CouncilStart): Promise<void>;
  recordVote(councilId: string, outcome: MemberOutcome, rawContent: string | null): Promise<void>;
  finish(councilId: string, f: CouncilFinish): Promise<void>;
  fail(councilId: string, reason: string): Promise<void>;
  recent(limit: number): Promise<CouncilLogEntry[]>;
  /** True when this call spent the ticket; false when it was already spent (by any process). */
  consumeTicket(ticketId: string, orderHash: string, at: string): Promise<boolean>;
  ticketSpent(ticketId: string): Promise<boolean>;
  close(): Promise<void>;
}

export const COUNCIL_DB_FILE = 'council.sqlite';

/** The process-wide council store: PostgreSQL when TRADING_MCP_DATABASE_URL is set, else SQLite (loaded on first use only). */
export function getCouncilStore(deps: Deps): Promise<CouncilStore> {
  return deps.service('council-store', async (d) => {
    const { storeBackend } = await import('../store/backend.js');
    if (storeBackend(d) === 'postgres') {
      const [{ getPostgres }, { PgCouncilStore }] = await Promise.all([import('../store/postgres/index.js'), import('./store/postgres.js')]);
      const pg = await getPostgres(d);
      return new PgCouncilStore(pg.pool, pg.where);
    }
    const [{ default: Database }, { openCouncilStore }] = await Promise.all([import('better-sqlite3'), import('./store/sqlite.js')]);
    const store = openCouncilStore(Database, join(d.dataDir, COUNCIL_DB_FILE));
    d.onClose(() => store.close());
    return store;
  });
}
