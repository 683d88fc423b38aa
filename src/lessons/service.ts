/**
 * The lessons service: one LanceDB database under `<dataDir>/lessons.lance`, one table per embedder.
 *
 * - The offline table is always kept complete; with a gateway key a second table holds the
 *   gateway-embedded vectors and serves searches once it has caught up (else the offline table does).
 * - Ingestion is incremental by content hash: shipped lessons new or changed since the last run are
 *   (re-)embedded, removed ones deleted; recorded lessons missing from one embedder's table are
 *   re-embedded from another's — so a change of embedder re-embeds only what it lacks.
 * - Search runs the vector and full-text queries with the same filters, fuses them (rank.ts) and
 *   waits for ingestion only when the table it needs is still empty.
 * - With TRADING_MCP_DATABASE_URL the recorded lessons and the drafts are shared rows (shared/):
 *   these tables are this replica's cache of them, caught up before every search (one read of the
 *   change counter; the new rows only when it moved) — a lesson recorded on any replica is found by
 *   the next search that starts after its record_lesson returned.
 */
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Deps } from '../deps.js';
import { ToolError } from '../errors.js';
import type { Logger } from '../log.js';
import type { CallReceipt } from '../llm/types.js';
import { getLessonLibrary, lessonFeedFor, userLessonsDir } from './index.js';
import { LessonLibrary, type LibrarySnapshot } from './library.js';
import { withFileLock } from './lock.js';
import { ReplicaCatchUp } from './shared/catch-up.js';
import { gatewayEmbedder, gatewayRouter, localEmbedder, type Embedder } from './embedders.js';
import { ftsText, plainWords } from './text/analyse.js';
import { fuse, snippet, type RankMode, type ScoreParts } from './rank.js';
import { byWholeVector, rescoreByPieces } from './pieces.js';
import { HeldLessons } from './held.js';
import { LessonTable, type LessonCandidate, filterSql, indexStateOf, isLessonTable, tableNameFor, type EmbedderId, type IndexState } from './store.js';
import { contentHash, normalizeTags, searchText, textHash, type Lesson, type LessonContent } from './types.js';
import type { LessonService, LessonServiceOptions, LessonStatus, RecordOutcome, SearchOutcome, SearchParams } from './service-types.js';

export type { LessonService, LessonServiceOptions, LessonStatus, RecordOutcome, SearchHit, SearchOutcome, SearchParams } from './service-types.js';

const INGEST_BATCH = 4_096;

/** Rows that mirror a lesson file (removed from the store when the file goes); recorded lessons have source `recorded`. */
const isFileSource = (source: string) => source.startsWith('corpus:') || source.startsWith('user:') || source.startsWith('draft:');
/** Candidates per list before fusion: enough that a lesson strong in one list and middling in the other survives. */
const CANDIDATES_MIN = 50;
/** Candidates per list for a search of `k` hits. */
export const poolFor = (k: number): number => Math.max(CANDIDATES_MIN, k * 3);
/**
 * Candidates per list the offline table's vector list is re-scored over by pieces (pieces.ts). On the
 * tuning half the top 20 of each list scored as the top 50 of each (hybrid recall@5 0.871, MRR 0.838)
 * at 2.5 times less work.
 */
export const RESCORED_PER_LIST = 20;
/** How long a search waits for the gateway table's first sync before using the offline table. */
const GATEWAY_SYNC_WAIT_MS = 5_000;

interface Slot {
  embedder: Embedder;
  table: LessonTable | null;
  synced: boolean;
}

export async function createLessonService(deps: Deps, options: LessonServiceOptions = {}): Promise<LessonService> {
  const log = deps.log.child({ area: 'lessons' });
  const dbPath = options.dbPath ?? join(deps.dataDir, 'lessons.lance');
  // Re-check the table version at most every second: other processes on this data dir may record lessons.
  const db = await lancedb.connect(dbPath, { readConsistencyInterval: 1 });
  log.info('lesson store opened', { dbPath });
  const library = options.corpusDir ? new LessonLibrary(options.corpusDir, userLessonsDir(deps), log, await lessonFeedFor(deps)) : await getLessonLibrary(deps);
  const service = new Lessons(log, db, dbPath, join(deps.dataDir, 'lessons.ingest.lock'), options, library);
  deps.onClose(() => service.close());
  const router = await gatewayRouter(deps).catch((err: unknown) => {
    log.warn('gateway embeddings unavailable; lessons use the offline embedder', { err: (err as Error).message });
    return null;
  });
  if (router?.configured) service.gateway = { embedder: gatewayEmbedder(router), table: null, synced: false };
  return {
    ingest: () => service.ingest(),
    search: (params) => service.search(params),
    record: (content, signal) => service.record(content, signal),
    status: () => service.status(),
  };
}

type Pair = readonly [Lesson, Float32Array];

type QueryVector = { slot: Slot; vector: Float32Array; receipt: CallReceipt | null; degraded: string | null };

class Lessons {
  readonly local: Slot = { embedder: localEmbedder, table: null, synced: false };
  gateway: Slot | null = null;
  private ingestion: Promise<void> | null = null;
  private ingestionState: LessonStatus['ingestion'] = 'idle';
  private lastIngest: LessonStatus['lastIngest'] = null;
  private corpusMeta = { files: 0, errors: [] as string[] };
  /** The library version the tables were last synced with (user files are picked up without a restart). */
  private syncedVersion = -1;
  private resyncing: Promise<void> | null = null;
  /** PostgreSQL: catching this replica's tables up with the shared rows (shared/catch-up.ts). */
  private readonly catchUp: ReplicaCatchUp<Slot>;
  /** The file lessons in memory: what search takes its hits' text from (held.ts). */
  private readonly held = new HeldLessons(() => this.fileLessons());

  constructor(
    private readonly log: Logger,
    private readonly db: lancedb.Connection,
    private readonly dbPath: string,
    private readonly lockPath: string,
    private readonly options: LessonServiceOptions,
    private readonly library: LessonLibrary,
  ) {
    this.catchUp = new ReplicaCatchUp<Slot>({
      log,
      lockPath,
      library,
      ownCorpus: Boolean(options.corpus),
      slots: () => ({ local: this.local, gateway: this.gateway }),
      tableOf: (slot) => this.tableOf(slot),
      embedInto: (slot, table, existing, todo) => this.embedInto(slot, table, existing, todo),
    });
  }

  /** The file lessons to hold (shipped and the user's, drafts included), or the given corpus. */
  private fileLessons(): { lessons: Lesson[]; errors: string[]; version: number } {
    if (this.options.corpus) return { lessons: this.options.corpus, errors: [], version: 0 };
    const snap: LibrarySnapshot = this.library.snapshot();
    return { lessons: snap.lessons, errors: snap.errors.map((e) => e.error), version: snap.version };
  }

  /** Let a running ingestion finish its write (bounded) before the connection goes. */
  async close(): Promise<void> {
    await Promise.race([this.ingestion?.catch(() => undefined), new Promise((r) => setTimeout(r, 3_000).unref())]);
    this.db.close();
  }

  private async tableOf(slot: Slot): Promise<LessonTable> {
    slot.table ??= await LessonTable.openOrCreate(this.db, slot.embedder, await slot.embedder.dim(), this.dbPath);
    return slot.table;
  }

  /** Lessons this table lacks or holds at another content hash. */
  private async wantedBy(table: LessonTable, existing: Map<string, { hash: string; source: string }>, corpus: Lesson[]): Promise<Lesson[]> {
    const wanted = new Map<string, Lesson>();
    for (const lesson of corpus) {
      const row = existing.get(lesson.id);
      // a promotion changes the source only (draft: → user:): the row must follow
      if (row?.hash !== textHash(lesson) || row.source !== lesson.source) wanted.set(lesson.id, lesson);
    }
    // Recorded lessons another embedder's table holds and this one lacks (a change of embedder).
    for (const name of (await this.db.tableNames()).filter((n) => isLessonTable(n) && n !== table.name)) {
      for (const lesson of await LessonTable.recordedIn(this.db, name)) if (!existing.has(lesson.id)) wanted.set(lesson.id, lesson);
    }
    return [...wanted.values()];
  }

  private async embedInto(slot: Slot, table: LessonTable, existing: Map<string, unknown>, todo: Lesson[]): Promise<void> {
    for (let i = 0; i < todo.length; i += INGEST_BATCH) {
      const batch = todo.slice(i, i + INGEST_BATCH);
      const { vectors } = await slot.embedder.embed(batch.map(searchText), 'lessons_ingest');
      const pieces = slot.embedder.pieces?.(batch, vectors) ?? [];
      const packedOf = (pairs: Pair[]) => (pieces.length ? pairs.map(([l]) => pieces[batch.indexOf(l)]!) : []);
      // New ids are appended (cheap); changed ones replace their row by id.
      const fresh: Pair[] = batch.map((l, j) => [l, vectors[j]!] as const).filter(([l]) => !existing.has(l.id));
      const changed: Pair[] = batch.map((l, j) => [l, vectors[j]!] as const).filter(([l]) => existing.has(l.id));
      await table.insert(
        fresh.map(([l]) => l),
        fresh.map(([, v]) => v),
        packedOf(fresh),
      );
      await table.upsert(
        changed.map(([l]) => l),
        changed.map(([, v]) => v),
        packedOf(changed),
      );
    }
  }

  private async sync(slot: Slot, corpus: Lesson[]): Promise<void> {
    const started = performance.now();
    const table = await this.tableOf(slot);
    const existing = await table.hashes();
    const todo = await this.wantedBy(table, existing, corpus);
    const corpusIds = new Set(corpus.map((l) => l.id));
    const removed = [...existing].filter(([id, row]) => isFileSource(row.source) && !corpusIds.has(id)).map(([id]) => id);
    await this.embedInto(slot, table, existing, todo);
    await table.deleteIds(removed);
    const indexes = await table.ensureIndexes();
    slot.synced = true;
    this.lastIngest = {
      embedder: `${slot.embedder.name}@${slot.embedder.version}`,
      embedded: todo.length,
      deleted: removed.length,
      ms: Math.round(performance.now() - started),
      indexes,
    };
    this.log.info('lessons in sync', { ...this.lastIngest, rows: await table.count() });
  }

  private async runIngestion(): Promise<void> {
    this.ingestionState = 'running';
    await this.catchUp.carryOver();
    await this.catchUp.caughtUp();
    await this.syncFiles();
    this.ingestionState = 'done';
  }

  /** Bring every embedder's table in line with the lesson files as they stand now. */
  private async syncFiles(): Promise<void> {
    const { lessons, errors, version } = this.fileLessons();
    this.corpusMeta = { files: lessons.length, errors };
    await withFileLock(this.lockPath, () => this.sync(this.local, lessons));
    const gateway = this.gateway;
    if (gateway) {
      try {
        await withFileLock(this.lockPath, () => this.sync(gateway, lessons));
      } catch (err) {
        this.log.warn('gateway lesson embeddings not in sync; searches use the offline embedder', { err: (err as Error).message });
      }
    }
    this.syncedVersion = version;
  }

  /** After the first ingestion: re-sync when a user's lesson file was added, changed, promoted or removed. */
  private async filesInSync(): Promise<void> {
    if (this.options.corpus || this.ingestionState !== 'done') return;
    if (this.library.snapshot().version === this.syncedVersion) return;
    this.resyncing ??= this.syncFiles().finally(() => {
      this.resyncing = null;
    });
    await this.resyncing;
  }

  ingest(): Promise<void> {
    this.ingestion ??= this.runIngestion().catch((err: unknown) => {
      this.ingestionState = 'failed';
      this.ingestion = null; // the next search retries
      this.log.error('lesson ingestion failed', { err });
      throw err;
    });
    return this.ingestion;
  }

  /**
   * The table to search: the gateway's once in sync, else the offline one. Waits only if it must:
   * for a first ingestion into an empty store, or briefly for the gateway table's first sync.
   */
  private async searchSlot(): Promise<Slot> {
    const pending = this.ingest();
    pending.catch(() => undefined);
    const { gateway, local } = this;
    if (gateway && !gateway.synced) await Promise.race([pending.catch(() => undefined), new Promise((r) => setTimeout(r, GATEWAY_SYNC_WAIT_MS).unref())]);
    if (gateway?.synced) return gateway;
    if (local.table && (await local.table.recentCount()) > 0) return local;
    await pending;
    return gateway?.synced ? gateway : local;
  }

  private async embedQuery(slot: Slot, query: string, signal?: AbortSignal): Promise<QueryVector> {
    try {
      const { vectors, receipt } = await slot.embedder.embed([query], 'search_lessons', signal);
      return { slot, vector: vectors[0]!, receipt, degraded: null };
    } catch (err) {
      if (slot === this.local) throw err;
      const reason = err instanceof ToolError ? `${err.code}: ${err.message}` : (err as Error).message;
      this.log.warn('gateway query embedding failed; using the offline embedder', { reason });
      const { vectors } = await this.local.embedder.embed([query], 'search_lessons');
      return { slot: this.local, vector: vectors[0]!, receipt: null, degraded: `gateway embedding failed (${reason}); offline embedder used` };
    }
  }

  /** Vector and full-text candidates under the same filters, fused and boosted (rank.ts). */
  private async ranked(table: LessonTable, vector: Float32Array, params: SearchParams, onPieces: boolean) {
    // Only a store holding drafts pays for the filter (drafts are files: the library knows).
    const excludeDrafts = !params.includeDrafts && !this.options.corpus && this.library.snapshot().lessons.some((l) => l.draft);
    const where = filterSql({ tags: params.tags, minSeverity: params.minSeverity, excludeDrafts });
    const mode = params.mode ?? 'hybrid';
    const pool = poolFor(params.k);
    const ftsQuery = ftsText(params.query);
    // Re-scored by pieces: the index's candidates are re-ranked on the pieces' whole vectors, not re-read.
    const onWhole = onPieces && table.approximate();
    const vectorOpts = { refine: !onWhole, vectorOnly: mode === 'vector' };
    const lists =
      mode === 'hybrid'
        ? table.hybridSearch(vector, ftsQuery, pool, where, vectorOpts)
        : mode === 'vector'
          ? table.vectorSearch(vector, pool, where, vectorOpts).then((v) => ({ vector: v, text: [] }))
          : table.textSearch(ftsQuery, pool, where).then((t) => ({ vector: [], text: t }));
    const [{ vector: found, text: textHits }, lessonCount] = await Promise.all([lists, table.recentCount()]);
    const vectorHits = onWhole ? byWholeVector(vector, found) : found;
    // The offline table's rows carry piece vectors: its vector list is re-scored over both lists' candidates (pieces.ts).
    const top = Math.max(RESCORED_PER_LIST, params.k);
    const rescored = mode === 'vector' ? vectorHits.slice(0, top) : [...vectorHits.slice(0, top), ...textHits.slice(0, top)];
    const vectorList = (mode === 'fts' ? null : rescoreByPieces(vector, rescored)) ?? vectorHits.map((h) => ({ candidate: h, similarity: h.similarity }));
    const ranked = fuse<LessonCandidate>(
      vectorList,
      textHits.map((h) => ({ candidate: h, score: h.score })),
      { mode, k: params.k, now: Date.now(), boosts: params.boosts ?? false },
    );
    return { ranked, lessonCount };
  }

  async search(params: SearchParams): Promise<SearchOutcome> {
    const chosen = await this.searchSlot();
    const stale = await this.catchUp.caughtUp();
    await this.filesInSync();
    const { slot, vector, receipt, degraded } = await this.embedQuery(chosen, params.query, params.signal);
    const table = await this.tableOf(slot);
    const { ranked, lessonCount } = await this.ranked(table, vector, params, Boolean(slot.embedder.pieces));
    const lessons = await table.fetch(
      ranked.map((r) => r.candidate),
      (c) => this.held.lookup(c),
    );
    const byId = new Map(lessons.map((l) => [l.id, l]));
    const queryWords = new Set(plainWords(params.query));
    const gateway = this.gateway;
    return {
      hits: ranked.flatMap((r) => {
        const lesson = byId.get(r.candidate.id);
        return lesson ? [{ lesson, snippet: snippet(lesson.body, queryWords), score: r.score, parts: r.parts }] : [];
      }),
      embedder: { name: slot.embedder.name, version: slot.embedder.version },
      receipt,
      degraded: degraded ?? stale ?? (gateway && slot === this.local && !gateway.synced ? 'gateway lesson embeddings not ready; offline embedder used' : null),
      lessonCount,
    };
  }

  /** Also embed a recorded lesson for the gateway table; on failure searches use the offline table. */
  private async recordInGateway(
    gateway: Slot,
    lesson: Lesson,
    embedders: EmbedderId[],
    signal?: AbortSignal,
  ): Promise<{ receipt: CallReceipt | null; degraded: string | null }> {
    try {
      const result = await gateway.embedder.embed([searchText(lesson)], 'record_lesson', signal);
      await (await this.tableOf(gateway)).upsert([lesson], result.vectors);
      embedders.push({ name: gateway.embedder.name, version: gateway.embedder.version });
      return { receipt: result.receipt, degraded: null };
    } catch (err) {
      // Searches fall back to the offline table (which has it) until the next sync carries it over.
      gateway.synced = false;
      const degraded = `gateway embedding failed (${err instanceof ToolError ? err.code : (err as Error).message}); recorded with the offline embedder only`;
      this.log.warn('record_lesson: gateway embedding failed', { id: lesson.id, degraded });
      return { receipt: null, degraded };
    }
  }

  async record(content: LessonContent, signal?: AbortSignal): Promise<RecordOutcome> {
    const normalized: LessonContent = {
      ...content,
      title: content.title.trim(),
      body: content.body.trim(),
      prevention: content.prevention.trim(),
      tags: normalizeTags(content.tags),
    };
    const hash = contentHash(normalized);
    const local = this.local;
    // The offline table holds every lesson, so it answers the dedup question; it must exist first.
    if (!local.table || !local.synced) await this.ingest();
    const localTable = await this.tableOf(local);
    const existing = await localTable.findByHash(hash);
    const embedders: EmbedderId[] = [];
    if (existing) return { lesson: existing, duplicate: true, embedders, receipt: null, degraded: null };
    const lesson: Lesson = { id: `rec-${hash.slice(0, 16)}`, ...normalized, created: Date.now(), source: 'recorded', contentHash: hash };
    // PostgreSQL: the shared row first (single per content hash across replicas); this table is its cache
    const stored = await this.catchUp.feed?.rows.record(lesson);
    if (stored?.duplicate) return { lesson: stored.lesson, duplicate: true, embedders, receipt: null, degraded: null };
    const { vectors } = await local.embedder.embed([searchText(lesson)], 'record_lesson');
    await localTable.upsert([lesson], vectors, local.embedder.pieces?.([lesson], vectors) ?? []);
    embedders.push({ name: local.embedder.name, version: local.embedder.version });
    const { receipt, degraded } = this.gateway ? await this.recordInGateway(this.gateway, lesson, embedders, signal) : { receipt: null, degraded: null };
    this.log.info('lesson recorded', { id: lesson.id, severity: lesson.severity });
    return { lesson, duplicate: false, embedders, receipt, degraded };
  }

  async status(): Promise<LessonStatus> {
    const tables: LessonStatus['tables'] = [];
    for (const name of (await this.db.tableNames()).filter(isLessonTable)) tables.push({ name, state: await indexStateOf(await this.db.openTable(name)) });
    const preferred = this.gateway?.embedder ?? this.local.embedder;
    return {
      dbPath: this.dbPath,
      corpusFiles: this.corpusMeta.files,
      corpusErrors: this.corpusMeta.errors,
      ingestion: this.ingestionState,
      lastIngest: this.lastIngest,
      tables,
      preferred: { name: preferred.name, version: preferred.version },
      preferredTable: tableNameFor(preferred),
    };
  }
}
