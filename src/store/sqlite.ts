/**
 * Opening a SQLite database that several server processes share (one per profile, on one data dir).
 * The busy timeout comes first; switching a brand-new file to WAL needs a brief exclusive moment
 * that the busy handler does not cover, so that step is retried; then the durability level.
 *
 * @example const db = await openSqlite(join(deps.dataDir, 'risk.sqlite'), { synchronous: 'FULL' });
 */
import type BetterSqlite3 from 'better-sqlite3';

export interface SqliteOptions {
  /** FULL for money state (survives power loss); NORMAL survives process death (kill -9), one fsync cheaper per write. */
  synchronous: 'FULL' | 'NORMAL';
  busyTimeoutMs?: number;
  /**
   * Reuse one prepared statement per SQL text (db.prepare memoised): the hot read paths prepare the same
   * few statements on every call. Only for stores that never switch a statement's mode (pluck/raw/expand),
   * since a cached statement is shared by every caller of the same SQL.
   */
  cacheStatements?: boolean;
}

/** Distinct SQL texts kept per database before the cache starts over (dynamic WHERE clauses stay bounded). */
const STATEMENT_CACHE_LIMIT = 256;

function cachePrepare(db: BetterSqlite3.Database): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (stmt === undefined) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      stmt = prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as BetterSqlite3.Database['prepare'];
}

const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

export function openSqliteWith(Database: typeof BetterSqlite3, path: string, options: SqliteOptions): BetterSqlite3.Database {
  const db = new Database(path, { timeout: options.busyTimeoutMs ?? 15_000 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
        break;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 200) throw err;
        sleepSync(10 + Math.random() * 20);
      }
    }
    db.pragma(`synchronous = ${options.synchronous}`);
    if (options.cacheStatements) cachePrepare(db);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Loads better-sqlite3 lazily (it is a native addon: keep it off the start-up path). */
export async function openSqlite(path: string, options: SqliteOptions): Promise<BetterSqlite3.Database> {
  const { default: Database } = await import('better-sqlite3');
  return openSqliteWith(Database, path, options);
}
