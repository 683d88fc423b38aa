/**
 * WAL checkpoints out of the write path (issue 21). SQLite's auto-checkpoint runs inside the commit that
 * takes the WAL past 1,000 pages: that reserve or settle copies the WAL into the database and fsyncs both,
 * 10–50 ms on this shared disk under load, on one LLM call's path. With auto-checkpoint off, a connection
 * counts its own commits and, every `every` of them, runs a PASSIVE checkpoint (it never blocks writers) on a
 * timer, i.e. once the event loop is idle between calls. A loop that never goes idle checkpoints inline after
 * `every × INLINE_FACTOR` commits, so the WAL stays bounded whatever the load.
 *
 * @example const cp = new QuietCheckpointer(db); … commit … cp.wrote();
 */
import type Database from 'better-sqlite3';

/** About 1,000 WAL pages (SQLite's auto-checkpoint) at the ledger's ~4 pages per commit. */
export const CHECKPOINT_EVERY_COMMITS = 250;
export const INLINE_FACTOR = 4;

export class QuietCheckpointer {
  private commits = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly every = CHECKPOINT_EVERY_COMMITS,
  ) {
    db.pragma('wal_autocheckpoint = 0');
  }

  /** After each committed write transaction of this connection. */
  wrote(): void {
    this.commits++;
    if (this.commits >= this.every * INLINE_FACTOR) this.checkpoint();
    else if (this.commits >= this.every && !this.timer) this.timer = setTimeout(() => this.checkpoint(), 0).unref();
  }

  /** A PASSIVE checkpoint now (what the timer runs). A failure is logged: the commits it follows are durable already. */
  checkpoint(): void {
    this.stop();
    this.commits = 0;
    if (!this.db.open) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      process.stderr.write(`sqlite checkpoint failed (retried after the next ${this.every} commits): ${(err as Error).message}\n`);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
