/**
 * The lessons' rows on PostgreSQL, shared by every replica (SPEC §16). Every write takes one
 * transaction-scoped advisory lock before it draws its `seq` from lesson_seq, so rows commit in `seq`
 * order: a replica that has read up to N can never later meet a row below N committed late (a cursor
 * never skips). Writes are rare (record_lesson, a draft, a promotion); reads take no lock.
 *
 * Recorded lessons are single per content hash across replicas (a partial unique index); a draft's
 * claim is one row per draft id, taken by one INSERT … ON CONFLICT that only retakes a stale pending claim.
 */
import { hostname } from 'node:os';
import { type PgPool, query, withTransaction } from '../../store/postgres/pool.js';
import { parseLessonFile } from '../corpus.js';
import type { Lesson, Severity } from '../types.js';
import type { LessonChanges, LessonRows, UserText } from './types.js';

/** pg_advisory_xact_lock key of lesson writes ("tarslesn" as ASCII). */
export const LESSON_WRITE_LOCK = 0x7461_7273_6c65_736en;

interface Row {
  id: string;
  kind: 'recorded' | 'text';
  seq: number;
  title: string;
  body: string;
  prevention: string;
  severity: string;
  tags: string[];
  created_ms: number;
  source: string;
  content_hash: string;
  markdown: string | null;
}

const COLUMNS = 'id, kind, seq, title, body, prevention, severity, tags, created_ms, source, content_hash, markdown';

function lessonOf(r: Row): Lesson {
  return {
    id: r.id,
    title: r.title,
    body: r.body,
    prevention: r.prevention,
    severity: r.severity as Severity,
    tags: r.tags,
    created: Number(r.created_ms),
    source: r.source,
    contentHash: r.content_hash,
  };
}

const INSERT = `INSERT INTO lesson_rows (id, kind, seq, title, body, prevention, severity, tags, created_ms, source, content_hash, markdown, draft, promoted_at, round_trip_id)
  VALUES ($1, $2, nextval('lesson_seq'), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;

export class PgLessonRows implements LessonRows {
  readonly backend = 'postgres' as const;
  private readonly owner = `${hostname()}:${process.pid}`;

  constructor(
    private readonly pool: PgPool,
    readonly where: string,
  ) {}

  private locked<T>(fn: Parameters<typeof withTransaction<T>>[1]): Promise<T> {
    return withTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [LESSON_WRITE_LOCK.toString()]);
      return fn(c);
    });
  }

  async record(lesson: Lesson): Promise<{ lesson: Lesson; duplicate: boolean }> {
    return this.locked(async (c) => {
      const found = await c.query<Row>(`SELECT ${COLUMNS} FROM lesson_rows WHERE kind = 'recorded' AND (content_hash = $1 OR id = $2) LIMIT 1`, [
        lesson.contentHash,
        lesson.id,
      ]);
      if (found.rows[0]) return { lesson: lessonOf(found.rows[0]), duplicate: true };
      const l = lesson;
      await c.query(INSERT, [l.id, 'recorded', l.title, l.body, l.prevention, l.severity, l.tags, l.created, l.source, l.contentHash, null, false, null, null]);
      return { lesson, duplicate: false };
    });
  }

  async carryOver(lessons: readonly Lesson[]): Promise<number> {
    if (!lessons.length) return 0;
    const col = <K extends keyof Lesson>(k: K) => lessons.map((l) => l[k]);
    return this.locked(async (c) => {
      // one statement whatever the count; a row whose id or content hash is stored already is left out
      const done = await c.query(
        `INSERT INTO lesson_rows (id, kind, seq, title, body, prevention, severity, tags, created_ms, source, content_hash)
         SELECT id, 'recorded', nextval('lesson_seq'), title, body, prevention, severity, ARRAY(SELECT jsonb_array_elements_text(tags)), created_ms, 'recorded', content_hash
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bigint[], $8::text[])
           AS t(id, title, body, prevention, severity, tags, created_ms, content_hash)
         ORDER BY created_ms
         ON CONFLICT DO NOTHING`,
        [
          col('id'),
          col('title'),
          col('body'),
          col('prevention'),
          col('severity'),
          lessons.map((l) => JSON.stringify(l.tags)),
          col('created'),
          col('contentHash'),
        ],
      );
      return done.rowCount ?? 0;
    });
  }

  async head(): Promise<number> {
    const rows = await query<{ head: number }>(this.pool, 'SELECT COALESCE(MAX(seq), 0) AS head FROM lesson_rows');
    return Number(rows[0]?.head ?? 0);
  }

  async since(cursor: number): Promise<LessonChanges> {
    const rows = await query<Row>(this.pool, `SELECT ${COLUMNS} FROM lesson_rows WHERE seq > $1 ORDER BY seq`, [cursor]);
    return {
      recorded: rows.filter((r) => r.kind === 'recorded').map(lessonOf),
      texts: rows.filter((r) => r.kind === 'text' && r.markdown !== null).map((r) => ({ id: r.id, markdown: r.markdown! })),
      head: rows.reduce((m, r) => Math.max(m, Number(r.seq)), cursor),
    };
  }

  locationOf(id: string): string {
    return `${this.where}#lesson_rows/${id}`;
  }

  async hasText(id: string): Promise<boolean> {
    return (await query(this.pool, `SELECT 1 FROM lesson_rows WHERE id = $1 AND kind = 'text'`, [id])).length > 0;
  }

  async claimDraft(id: string, roundTripId: string, staleMs: number): Promise<boolean> {
    const now = Date.now();
    const rows = await query(
      this.pool,
      `INSERT INTO lesson_draft_claims (id, round_trip_id, state, at_ms, owner) VALUES ($1, $2, 'pending', $3, $4)
       ON CONFLICT (id) DO UPDATE SET at_ms = EXCLUDED.at_ms, owner = EXCLUDED.owner
       WHERE lesson_draft_claims.state = 'pending' AND lesson_draft_claims.at_ms < $5
       RETURNING id`,
      [id, roundTripId, now, this.owner, now - staleMs],
    );
    return rows.length > 0;
  }

  async saveDraft(id: string, roundTripId: string, markdown: string): Promise<string> {
    const l = parseLessonFile(`${id}.md`, markdown, { origin: 'user' });
    await this.locked(async (c) => {
      await c.query(`${INSERT} ON CONFLICT (id) DO NOTHING`, [
        id,
        'text',
        l.title,
        l.body,
        l.prevention,
        l.severity,
        l.tags,
        l.created,
        l.source,
        l.contentHash,
        markdown,
        l.draft,
        null,
        roundTripId,
      ]);
      await c.query(`UPDATE lesson_draft_claims SET state = 'written', at_ms = $2 WHERE id = $1`, [id, Date.now()]);
    });
    return this.locationOf(id);
  }

  async releaseDraft(id: string): Promise<void> {
    await query(this.pool, `DELETE FROM lesson_draft_claims WHERE id = $1 AND state = 'pending' AND owner = $2`, [id, this.owner]);
  }

  async texts(): Promise<Array<UserText & { where: string }>> {
    const rows = await query<{ id: string; markdown: string }>(this.pool, `SELECT id, markdown FROM lesson_rows WHERE kind = 'text' ORDER BY id`);
    return rows.map((r) => ({ ...r, where: this.locationOf(r.id) }));
  }

  async replaceText(id: string, markdown: string): Promise<void> {
    const l = parseLessonFile(`${id}.md`, markdown, { origin: 'user' });
    await this.locked(async (c) => {
      const done = await c.query(
        `UPDATE lesson_rows SET markdown = $2, draft = $3, promoted_at = CASE WHEN $3 THEN NULL ELSE now() END, seq = nextval('lesson_seq'),
           title = $4, body = $5, prevention = $6, severity = $7, tags = $8, source = $9, content_hash = $10, written_at = now()
         WHERE id = $1 AND kind = 'text'`,
        [id, markdown, l.draft, l.title, l.body, l.prevention, l.severity, l.tags, l.source, l.contentHash],
      );
      if (!done.rowCount) throw new Error(`no lesson text ${id} in ${this.where}`);
    });
  }

  async close(): Promise<void> {}
}
