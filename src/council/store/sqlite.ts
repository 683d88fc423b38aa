/**
 * The council store on SQLite, in `<dataDir>/council.sqlite` (the embedded default):
 * - the decision log: one row per council and one per member vote (with its reasoning), written as
 *   each member finishes, so a crash mid-council still leaves every vote that was paid for;
 * - consumed tickets: a UNIQUE ticket id, so a ticket is spent once across every server process
 *   sharing the data dir (the gate spends it in its INTENT transaction with council.sqlite ATTACHed);
 * - the ticket key: `<dataDir>/council-ticket.key` (../ticket-key.ts).
 * WAL + busy_timeout. Two connections to the one file:
 * - the decision log is written through a synchronous=NORMAL connection: in WAL mode each commit
 *   survives a process crash or kill -9 and is visible to every process at once, without an fsync on
 *   the council's critical path (like the LLM ledger); the OS flushes it at the next checkpoint;
 * - ticket spends go through a synchronous=FULL connection: a spent ticket stays spent even across
 *   a power loss, because a resurrected ticket could authorise a second order.
 */
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { openSqliteWith } from '../../store/sqlite.js';
import type { CouncilStore } from '../store.js';
import { loadOrCreateTicketKey } from '../ticket-key.js';
import { finishRow, type Row, toLogEntry, voteRow } from './rows.js';

type Statement = BetterSqlite3.Statement;

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

/** Open (creating if needed) council.sqlite at `path`; every method answers at once (SQLite is local). */
export function openCouncilStore(Database: typeof BetterSqlite3, path: string): CouncilStore {
  const durable = openSqliteWith(Database, path, { synchronous: 'FULL' });
  durable.exec(SCHEMA);
  const fast = openSqliteWith(Database, path, { synchronous: 'NORMAL' });
  const st = prepareStatements(fast, durable);

  return {
    backend: 'sqlite',
    where: path,
    async ticketKey() {
      return loadOrCreateTicketKey(dirname(path));
    },
    async begin(c) {
      st.insertCouncil.run(c);
    },
    async recordVote(councilId, o, rawContent) {
      st.insertVote.run(voteRow(councilId, o, rawContent));
    },
    async finish(id, f) {
      st.finishCouncil.run(finishRow(id, f));
    },
    async fail(id, reason) {
      st.failCouncil.run({ id, reason });
    },
    async recent(limit) {
      const rows = st.recentCouncils.all(limit) as Row[];
      return rows.map((r) => toLogEntry(r, st.votesOf.all(r.id) as Row[]));
    },
    async consumeTicket(ticketId, orderHash, at) {
      return st.consume.run(ticketId, orderHash, at, process.pid).changes === 1;
    },
    async ticketSpent(ticketId) {
      return ticketSpentIn(durable, 'main', ticketId);
    },
    async close() {
      fast.close();
      durable.close();
    },
  };
}
