/**
 * A replica's catch-up with the shared lesson rows (PostgreSQL; service.ts): before a search, the
 * library takes the new user texts and the recorded lessons are embedded into this replica's LanceDB
 * tables (its cache of the rows); at start-up, the recorded lessons this data dir held before the rows
 * did are shared. With no feed (SQLite, or a given corpus) every step is a no-op.
 *
 * @example
 *   const catchUp = new ReplicaCatchUp(host);
 *   const stale = await catchUp.caughtUp();   // null, or why the cache answered alone
 */
import { ToolError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { LessonLibrary } from '../library.js';
import { withFileLock } from '../lock.js';
import type { LessonTable } from '../store.js';
import { type Lesson, textHash } from '../types.js';
import type { LessonFeed } from './feed.js';

/** What the catch-up needs of the service: its tables, one per embedder slot, and how to embed into them. */
export interface CatchUpHost<S extends { synced: boolean }> {
  readonly log: Logger;
  readonly lockPath: string;
  readonly library: LessonLibrary;
  /** A given corpus: the tables are the rows, nothing is shared. */
  readonly ownCorpus: boolean;
  slots(): { local: S; gateway: S | null };
  tableOf(slot: S): Promise<LessonTable>;
  embedInto(slot: S, table: LessonTable, existing: Map<string, unknown>, todo: Lesson[]): Promise<void>;
}

export class ReplicaCatchUp<S extends { synced: boolean }> {
  constructor(private readonly host: CatchUpHost<S>) {}

  /** PostgreSQL: the shared rows this replica's tables are a cache of (null: the tables are the rows). */
  get feed(): LessonFeed | null {
    return this.host.ownCorpus ? null : this.host.library.feed;
  }

  /**
   * PostgreSQL: catch this replica's tables up with the shared rows before a search — one read of the
   * change counter, the new rows only when it moved (user texts through the library, recorded lessons
   * embedded here). With the database unreachable the cache answers, and says so.
   */
  async caughtUp(): Promise<string | null> {
    const feed = this.feed;
    if (!feed) return null;
    try {
      await this.host.library.fresh();
    } catch (err) {
      if (!(err instanceof ToolError)) throw err;
      this.host.log.warn('shared lesson rows unreachable; searching the local cache', { code: err.code });
      return `the shared lesson rows are unreachable (${err.code}); lessons recorded on other replicas since the last catch-up may be missing`;
    }
    const recorded = feed.takeRecorded();
    if (!recorded.length) return null;
    try {
      await withFileLock(this.host.lockPath, () => this.cacheRecorded(recorded));
    } catch (err) {
      feed.giveBack(recorded);
      throw err;
    }
    return null;
  }

  /** PostgreSQL: share the recorded lessons this data dir held before the rows did (a store that predates the database). */
  async carryOver(): Promise<void> {
    const feed = this.feed;
    if (!feed) return;
    try {
      const mine = await (await this.host.tableOf(this.host.slots().local)).all(`source = 'recorded'`);
      const shared = await feed.rows.carryOver(mine);
      if (shared) this.host.log.info('recorded lessons of this data dir shared', { shared, held: mine.length });
    } catch (err) {
      this.host.log.warn('recorded lessons of this data dir not shared (retried at the next start)', { err: (err as Error).message });
    }
  }

  /** Embed the recorded lessons a table lacks (or holds at another text) into the offline table and a synced gateway one. */
  private async cacheRecorded(lessons: Lesson[]): Promise<void> {
    const { local, gateway } = this.host.slots();
    for (const slot of [local, gateway]) {
      if (!slot || (slot !== local && !slot.synced)) continue; // an unsynced gateway table carries them over at its sync
      try {
        const table = await this.host.tableOf(slot);
        const existing = await table.hashes();
        await this.host.embedInto(
          slot,
          table,
          existing,
          lessons.filter((l) => existing.get(l.id)?.hash !== textHash(l)),
        );
      } catch (err) {
        if (slot === local) throw err;
        slot.synced = false;
        this.host.log.warn('recorded lessons not embedded for the gateway table; searches use the offline embedder', { err: (err as Error).message });
      }
    }
  }
}
