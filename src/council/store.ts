/**
 * The council's durable state, in `<dataDir>/council.sqlite`:
 * - the decision log: one row per council and one per member vote (with its reasoning), written as
 *   each member finishes, so a crash mid-council still leaves every vote that was paid for;
 * - consumed tickets: a UNIQUE ticket id, so a ticket is spent once across every server process
 *   sharing the data dir.
 * WAL + busy_timeout. Two connections to the one file:
 * - the decision log is written through a synchronous=NORMAL connection: in WAL mode each commit
 *   survives a process crash or kill -9 and is visible to every process at once, without an fsync on
 *   the council's critical path (like the LLM ledger); the OS flushes it at the next checkpoint;
 * - ticket spends go through a synchronous=FULL connection: a spent ticket stays spent even across
 *   a power loss, because a resurrected ticket could authorise a second order.
 */
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { Deps } from '../deps.js';
import type { MemberOutcome } from './aggregate.js';
import { openSqliteWith } from '../store/sqlite.js';

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
  begin(c: CouncilStart): void;
  recordVote(councilId: string, outcome: MemberOutcome, rawContent: string | null): void;
  finish(councilId: string, f: CouncilFinish): void;
  fail(councilId: string, reason: string): void;
  recent(limit: number): CouncilLogEntry[];
  /** True when this call spent the ticket; false when it was already spent (by any process). */
  consumeTicket(ticketId: string, orderHash: string, at: string): boolean;
  ticketSpent(ticketId: string): boolean;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS councils (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  question TEXT NOT NULL,
  order_hash TEXT,
  members_total INTEGER NOT NULL,
  quorum INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('running','done','failed')),
  decision TEXT,
  consensus REAL,
  valid_votes INTEGER,
  wall_ms REAL,
  cost_usd REAL,
  ticket_id TEXT UNIQUE,
  ticket_expires_at TEXT,
  failure TEXT,
  result_json TEXT
);
CREATE INDEX IF NOT EXISTS councils_at ON councils(at);
CREATE TABLE IF NOT EXISTS council_votes (
  council_id TEXT NOT NULL REFERENCES councils(id),
  member INTEGER NOT NULL,
  tier TEXT NOT NULL,
  model_requested TEXT,
  model_served TEXT,
  status TEXT NOT NULL,
  vote TEXT,
  confidence REAL,
  reasoning TEXT,
  error_code TEXT,
  error_message TEXT,
  latency_ms REAL NOT NULL,
  cost_usd REAL NOT NULL,
  raw_content TEXT,
  at TEXT NOT NULL,
  PRIMARY KEY (council_id, member)
);
CREATE TABLE IF NOT EXISTS consumed_tickets (
  ticket_id TEXT PRIMARY KEY,
  order_hash TEXT NOT NULL,
  consumed_at TEXT NOT NULL,
  pid INTEGER NOT NULL
);
`;

/**
 * Spend a ticket on any connection that has council.sqlite open as `schema`: the gate spends it
 * inside the transaction that writes the INTENT, so a refusal before that (an Opus outage, a
 * REJECT, a halt) leaves the ticket unspent. True when this call spent it.
 */
export function consumeTicketIn(db: BetterSqlite3.Database, schema: string, ticketId: string, orderHash: string, at: string): boolean {
  const sql = `INSERT INTO ${schema}.consumed_tickets (ticket_id, order_hash, consumed_at, pid) VALUES (?, ?, ?, ?) ON CONFLICT(ticket_id) DO NOTHING`;
  return db.prepare(sql).run(ticketId, orderHash, at, process.pid).changes === 1;
}

/** Whether a ticket was already spent (by any process on the data dir). */
export function ticketSpentIn(db: BetterSqlite3.Database, schema: string, ticketId: string): boolean {
  return db.prepare(`SELECT 1 FROM ${schema}.consumed_tickets WHERE ticket_id = ?`).get(ticketId) !== undefined;
}

/** Longest raw reply kept for an invalid answer (for diagnosis; valid votes keep their reasoning). */
const RAW_KEEP = 2000;

type Statement = BetterSqlite3.Statement;
type Row = Record<string, unknown>;

/** The row one member's outcome is journalled as (raw text only for answers that were not valid votes). */
function voteRow(councilId: string, o: MemberOutcome, rawContent: string | null): Row {
  return {
    council_id: councilId,
    member: o.member,
    tier: o.tier,
    model_requested: o.model_requested,
    model_served: o.model_served,
    status: o.status,
    vote: o.vote,
    confidence: o.confidence,
    reasoning: o.reasoning,
    error_code: o.error?.code ?? null,
    error_message: o.error?.message ?? null,
    latency_ms: o.latency_ms,
    cost_usd: o.cost_usd,
    raw_content: o.status === 'valid' || rawContent === null ? null : rawContent.slice(0, RAW_KEEP),
    at: new Date().toISOString(),
  };
}

function toVoteEntry(v: Row): CouncilLogEntry['votes'][number] {
  return {
    member: v.member as number,
    tier: v.tier as string,
    model_requested: (v.model_requested as string | null) ?? null,
    model_served: (v.model_served as string | null) ?? null,
    status: v.status as string,
    vote: (v.vote as string | null) ?? null,
    confidence: (v.confidence as number | null) ?? null,
    reasoning: (v.reasoning as string | null) ?? null,
    error_code: (v.error_code as string | null) ?? null,
    error_message: (v.error_message as string | null) ?? null,
    latency_ms: v.latency_ms as number,
    cost_usd: v.cost_usd as number,
    at: v.at as string,
  };
}

/** The lesson ids in a journalled result; null when there is none (an older row, a vote on no order, a result not readable). */
function lessonIdsOf(json: unknown): string[] | null {
  if (typeof json !== 'string') return null;
  try {
    const lessons = (JSON.parse(json) as { lessons?: unknown }).lessons;
    return Array.isArray(lessons) ? lessons.map((l) => String((l as { id?: unknown }).id)) : null;
  } catch {
    return null;
  }
}

function toLogEntry(r: Row, votes: Row[]): CouncilLogEntry {
  return {
    council_id: r.id as string,
    at: r.at as string,
    question: r.question as string,
    order_hash: (r.order_hash as string | null) ?? null,
    status: r.status as CouncilLogEntry['status'],
    decision: (r.decision as string | null) ?? null,
    consensus: (r.consensus as number | null) ?? null,
    valid_votes: (r.valid_votes as number | null) ?? null,
    quorum: r.quorum as number,
    members_total: r.members_total as number,
    wall_ms: (r.wall_ms as number | null) ?? null,
    cost_usd: (r.cost_usd as number | null) ?? null,
    ticket_id: (r.ticket_id as string | null) ?? null,
    ticket_expires_at: (r.ticket_expires_at as string | null) ?? null,
    lessons: lessonIdsOf(r.result_json),
    votes: votes.map(toVoteEntry),
  };
}

/** The decision log's writes go through `fast`; reads and ticket spends through `durable`. */
function prepareStatements(
  fast: BetterSqlite3.Database,
  durable: BetterSqlite3.Database,
): Record<'insertCouncil' | 'insertVote' | 'finishCouncil' | 'failCouncil' | 'recentCouncils' | 'votesOf' | 'consume', Statement> {
  return {
    insertCouncil: fast.prepare(
      `INSERT INTO councils (id, at, question, order_hash, members_total, quorum, status) VALUES (@id, @at, @question, @orderHash, @membersTotal, @quorum, 'running')`,
    ),
    insertVote: fast.prepare(
      `INSERT OR REPLACE INTO council_votes (council_id, member, tier, model_requested, model_served, status, vote, confidence, reasoning, error_code, error_message, latency_ms, cost_usd, raw_content, at)
     VALUES (@council_id, @member, @tier, @model_requested, @model_served, @status, @vote, @confidence, @reasoning, @error_code, @error_message, @latency_ms, @cost_usd, @raw_content, @at)`,
    ),
    finishCouncil: fast.prepare(
      `UPDATE councils SET status='done', decision=@decision, consensus=@consensus, valid_votes=@validVotes, wall_ms=@wallMs, cost_usd=@costUsd,
       ticket_id=@ticketId, ticket_expires_at=@ticketExpiresAt, result_json=@resultJson WHERE id=@id`,
    ),
    failCouncil: fast.prepare(`UPDATE councils SET status='failed', failure=@reason WHERE id=@id AND status='running'`),
    recentCouncils: durable.prepare(`SELECT * FROM councils ORDER BY at DESC, rowid DESC LIMIT ?`),
    votesOf: durable.prepare(`SELECT * FROM council_votes WHERE council_id = ? ORDER BY member`),
    consume: durable.prepare(`INSERT INTO consumed_tickets (ticket_id, order_hash, consumed_at, pid) VALUES (?, ?, ?, ?) ON CONFLICT(ticket_id) DO NOTHING`),
  };
}

export function openCouncilStore(Database: typeof BetterSqlite3, path: string): CouncilStore {
  const durable = openSqliteWith(Database, path, { synchronous: 'FULL' });
  durable.exec(SCHEMA);
  const fast = openSqliteWith(Database, path, { synchronous: 'NORMAL' });
  const st = prepareStatements(fast, durable);

  return {
    begin(c) {
      st.insertCouncil.run(c);
    },
    recordVote(councilId, o, rawContent) {
      st.insertVote.run(voteRow(councilId, o, rawContent));
    },
    finish(id, f) {
      st.finishCouncil.run({
        id,
        decision: f.decision,
        consensus: f.consensus,
        validVotes: f.validVotes,
        wallMs: f.wallMs,
        costUsd: f.costUsd,
        ticketId: f.ticketId,
        ticketExpiresAt: f.ticketExpiresAt,
        resultJson: JSON.stringify(f.result),
      });
    },
    fail(id, reason) {
      st.failCouncil.run({ id, reason });
    },
    recent(limit) {
      const rows = st.recentCouncils.all(limit) as Row[];
      return rows.map((r) => toLogEntry(r, st.votesOf.all(r.id) as Row[]));
    },
    consumeTicket(ticketId, orderHash, at) {
      return st.consume.run(ticketId, orderHash, at, process.pid).changes === 1;
    },
    ticketSpent(ticketId) {
      return ticketSpentIn(durable, 'main', ticketId);
    },
    close() {
      fast.close();
      durable.close();
    },
  };
}

export const COUNCIL_DB_FILE = 'council.sqlite';

/** The process-wide council store (lazy; better-sqlite3 is loaded on first use only). */
export function getCouncilStore(deps: Deps): Promise<CouncilStore> {
  return deps.service('council-store', async (d) => {
    const { default: Database } = await import('better-sqlite3');
    const store = openCouncilStore(Database, join(d.dataDir, COUNCIL_DB_FILE));
    d.onClose(() => store.close());
    return store;
  });
}
