/**
 * The arena's durable state behind one asynchronous interface (SPEC §14, §16): one shadow account per
 * model (its initial cash fixed when it is opened), its fills, its equity marks (the curve), every decision
 * a model gave us (ModelChat), and the rounds. Two stores: SQLite under the data dir (`sqlite.ts`, the
 * embedded default) or the shared PostgreSQL of TRADING_MCP_DATABASE_URL (`postgres.ts`), where every
 * replica fills the same accounts and reads the same leaderboard.
 *
 * On both, a fill is sized and written in one transaction against the account as it stands (nobody else
 * fills that account meanwhile), so two processes never spend the same shadow cash twice; UNIQUE(model,
 * source, ref, symbol) makes a round's or a council's fill for a model happen at most once.
 */
import type { Book, BookFill, Sized } from '../book.js';
import type { ModelState } from '../state.js';

export type FillSource = 'round' | 'council';

export interface StoredFill extends BookFill {
  id: number;
  model: string;
  at: string;
  source: FillSource;
  ref: string;
  mid: number;
  cash_after: number;
}

export interface ChatRecord {
  at: string;
  kind: FillSource;
  ref: string;
  /** The account it belongs to: the model that served the reply (else the one asked for). */
  model: string;
  model_requested: string | null;
  model_served: string | null;
  tier: string | null;
  symbols: string[];
  prompt_digest: string;
  reply: string | null;
  action: string | null;
  symbol: string | null;
  qty_fraction: number | null;
  confidence: number | null;
  reasoning: string | null;
  status: string;
  error_code: string | null;
  error_message: string | null;
  cost_usd: number;
  latency_ms: number;
  call_id: string | null;
  fill_id: number | null;
  fill_note: string | null;
}

export interface ChatFilter {
  model?: string | undefined;
  symbol?: string | undefined;
  round?: string | undefined;
  since?: string | undefined;
  limit: number;
}

export interface Mark {
  model: string;
  at: string;
  equity: number;
}

export interface Account {
  model: string;
  initial_cash: number;
  opened_at: string;
}

export interface RoundRow {
  id: string;
  at: string;
  symbols: string[];
  status: string;
}

export const CHAT_COLUMNS = [
  'at',
  'kind',
  'ref',
  'model',
  'model_requested',
  'model_served',
  'tier',
  'symbols',
  'prompt_digest',
  'reply',
  'action',
  'symbol',
  'qty_fraction',
  'confidence',
  'reasoning',
  'status',
  'error_code',
  'error_message',
  'cost_usd',
  'latency_ms',
  'call_id',
  'fill_id',
  'fill_note',
] as const;

export interface FillRequest {
  model: string;
  initialCash: number;
  at: string;
  source: FillSource;
  ref: string;
  symbol: string;
  mid: number;
  /** Sizes the fill against the account as it stands inside the transaction (pure: it may be rerun). */
  size(book: Book): Sized;
}

export type FillResult = { filled: StoredFill; book: Book } | { filled: null; reason: string; book: Book };

export interface ArenaStore {
  readonly backend: 'sqlite' | 'postgres';
  /** The SQLite file, or the database URL without its password. */
  readonly where: string;
  /** Open the model's account if it has none; resolves to its initial cash (the one it was opened with). */
  openAccount(model: string, initialCash: number, at: string): Promise<number>;
  accounts(): Promise<Account[]>;
  /** The model's book now (every process's fills applied). Open the account first (openAccount). */
  bookOf(model: string, initialCash: number): Promise<Book>;
  /** Every model with an account or a decision on record, up to date, from one consistent read (read only). */
  models(): Promise<ReadonlyMap<string, ModelState>>;
  /** Size and write one fill atomically (see the module note). Nothing is written when it does not size. */
  fill(req: FillRequest): Promise<FillResult>;
  /** Several fills in one transaction, one commit (a council's members), each sized atomically; results in order. */
  fillAll(reqs: readonly FillRequest[]): Promise<FillResult[]>;
  mark(model: string, at: string, equity: number): Promise<void>;
  /** A point on each of these models' equity curves: its account marked at these mids (cost where unquoted). */
  markAll(models: readonly string[], mids: ReadonlyMap<string, number>, at: string): Promise<Map<string, number>>;
  /** The symbols these models' accounts hold now. */
  heldBy(models: readonly string[]): Promise<string[]>;
  marks(): Promise<Mark[]>;
  fills(): Promise<StoredFill[]>;
  recordChat(c: ChatRecord): Promise<number>;
  /** Several ModelChat rows in one commit; their ids in order. */
  recordChats(cs: readonly ChatRecord[]): Promise<number[]>;
  chat(f: ChatFilter): Promise<Array<ChatRecord & { id: number }>>;
  beginRound(id: string, at: string, symbols: string[]): Promise<void>;
  finishRound(id: string, status: 'done' | 'failed', result: unknown): Promise<void>;
  recentRounds(limit: number): Promise<RoundRow[]>;
  close(): Promise<void>;
}

export const ARENA_DB_FILE = 'arena.sqlite';
