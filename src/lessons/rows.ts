/**
 * The row shape of a lesson table: its Arrow schema, the column sets searches read, and the
 * conversions between LanceDB rows and lessons (store.ts runs the queries).
 */
import * as arrow from 'apache-arrow';
import { packCard, readCard } from './card.js';
import { ftsText } from './text/analyse.js';
import { SEVERITY_RANK, searchText, textHash, type Lesson, type Severity } from './types.js';

export interface EmbedderId {
  name: string;
  version: string;
}

export interface LessonHit {
  lesson: Lesson;
  embedder: EmbedderId;
}

/** A search candidate: just what fusion and boosts need; the full lesson is fetched for the final top k only. */
export interface LessonCandidate {
  id: string;
  rowId: bigint;
  severity: Severity;
  created: number;
  /** The packed piece vectors (pieces.ts); empty for embedders without pieces. */
  pieces?: Uint8Array | null;
  /** What the row was built from (textHash): a lesson held in memory at this hash has the row's text. */
  textHash: string;
}

export function schemaFor(dim: number): arrow.Schema {
  const utf8 = (name: string) => new arrow.Field(name, new arrow.Utf8(), false);
  return new arrow.Schema([
    utf8('id'),
    utf8('title'),
    utf8('body'),
    utf8('prevention'),
    utf8('severity'),
    new arrow.Field('severity_rank', new arrow.Int32(), false),
    new arrow.Field('tags', new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)), false),
    new arrow.Field('created', new arrow.Float64(), false),
    utf8('source'),
    utf8('content_hash'),
    utf8('text_hash'),
    utf8('search_text'),
    utf8('embedder'),
    utf8('embedder_version'),
    new arrow.Field('vector', new arrow.FixedSizeList(dim, new arrow.Field('item', new arrow.Float32(), true)), false),
    // what a search reads per candidate, with the offline embedder's piece vectors (card.ts)
    new arrow.Field('card', new arrow.Binary(), false),
  ]);
}

export const LESSON_COLUMNS = ['id', 'title', 'body', 'prevention', 'severity', 'tags', 'created', 'source', 'content_hash', 'embedder', 'embedder_version'];

export interface Row {
  id: string;
  title: string;
  body: string;
  prevention: string;
  severity: string;
  tags: { toArray(): unknown[] } | string[] | null;
  created: number;
  source: string;
  content_hash: string;
  embedder: string;
  embedder_version: string;
  _distance?: number;
  _score?: number;
}

export function toHit(row: Row): LessonHit {
  const tags = row.tags === null ? [] : Array.isArray(row.tags) ? row.tags : (row.tags.toArray() as string[]);
  return {
    lesson: {
      id: row.id,
      title: row.title,
      body: row.body,
      prevention: row.prevention,
      severity: row.severity as Severity,
      tags: tags.map(String),
      created: Number(row.created),
      source: row.source,
      contentHash: row.content_hash,
    },
    embedder: { name: row.embedder, version: row.embedder_version },
  };
}

/** Column-wise Arrow batch (vectors copied once into one Float32Array: far cheaper than row objects). */
export function lessonBatch(
  table: { name: string; embedder: EmbedderId; dim: number },
  lessons: readonly Lesson[],
  vectors: readonly Float32Array[],
  pieces: readonly Uint8Array[] = [],
): arrow.Table {
  const n = lessons.length;
  const flat = new Float32Array(n * table.dim);
  vectors.forEach((v, i) => {
    if (v.length !== table.dim) throw new Error(`vector ${i} has ${v.length} dims, table ${table.name} needs ${table.dim}`);
    flat.set(v, i * table.dim);
  });
  if (vectors.length !== n) throw new Error(`${vectors.length} vectors for ${n} lessons`);
  if (pieces.length && pieces.length !== n) throw new Error(`${pieces.length} piece sets for ${n} lessons`);
  const schema = schemaFor(table.dim);
  const hashes = lessons.map(textHash);
  const utf8 = (values: string[]) => arrow.vectorFromArray(values, new arrow.Utf8()).data[0]!;
  const vectorType = schema.fields.find((f) => f.name === 'vector')!.type as arrow.FixedSizeList;
  const columns: Record<string, arrow.Data> = {
    id: utf8(lessons.map((l) => l.id)),
    title: utf8(lessons.map((l) => l.title)),
    body: utf8(lessons.map((l) => l.body)),
    prevention: utf8(lessons.map((l) => l.prevention)),
    severity: utf8(lessons.map((l) => l.severity)),
    severity_rank: arrow.makeData({ type: new arrow.Int32(), length: n, data: Int32Array.from(lessons, (l) => SEVERITY_RANK[l.severity]) }),
    tags: arrow.vectorFromArray(
      lessons.map((l) => l.tags),
      schema.fields.find((f) => f.name === 'tags')!.type,
    ).data[0]!,
    created: arrow.makeData({ type: new arrow.Float64(), length: n, data: Float64Array.from(lessons, (l) => l.created) }),
    source: utf8(lessons.map((l) => l.source)),
    content_hash: utf8(lessons.map((l) => l.contentHash)),
    text_hash: utf8(hashes),
    // analysed once here (text/analyse.ts): the index itself neither stems nor drops stop words
    search_text: utf8(lessons.map((l) => ftsText(searchText(l)))),
    embedder: utf8(lessons.map(() => table.embedder.name)),
    embedder_version: utf8(lessons.map(() => table.embedder.version)),
    vector: arrow.makeData({
      type: vectorType,
      length: n,
      nullCount: 0,
      child: arrow.makeData({ type: new arrow.Float32(), length: n * table.dim, data: flat }),
    }),
    card: binary(lessons.map((l, i) => packCard(l, hashes[i]!, pieces[i] ?? new Uint8Array(0)))),
  };
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length: n, nullCount: 0, children: schema.fields.map((f) => columns[f.name]!) });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

/** A non-null Binary column, values back to back (one copy). */
function binary(values: readonly Uint8Array[]): arrow.Data {
  const offsets = new Int32Array(values.length + 1);
  values.forEach((v, i) => {
    offsets[i + 1] = offsets[i]! + v.length;
  });
  const data = new Uint8Array(offsets[values.length]!);
  for (const [i, v] of values.entries()) data.set(v, offsets[i]!);
  return arrow.makeData({ type: new arrow.Binary(), length: values.length, nullCount: 0, valueOffsets: offsets, data });
}

export function foundLesson(c: Pick<LessonCandidate, 'id' | 'severity' | 'created'>, row: TextRow): FoundLesson {
  const tags = row.tags === null ? [] : Array.isArray(row.tags) ? row.tags : (row.tags.toArray() as string[]);
  return {
    id: c.id,
    title: row.title,
    body: row.body,
    prevention: row.prevention,
    severity: c.severity,
    tags: tags.map(String),
    created: c.created,
    source: row.source,
  };
}

/** A lesson as search returns it (no content hash: search never needs it). */
export type FoundLesson = Omit<Lesson, 'contentHash'>;

export const TEXT_COLUMNS = ['id', 'title', 'body', 'prevention', 'tags', 'source'];
export type TextRow = Pick<Row, 'id' | 'title' | 'body' | 'prevention' | 'tags' | 'source'>;

/** What a search reads per candidate: one binary cell (card.ts; the text comes for the final top k only, fetch()). */
export const CANDIDATE_COLUMNS = ['card'];

export interface CandidateRow {
  _rowid: bigint;
  card: Uint8Array;
}

export function toCandidate(r: CandidateRow): LessonCandidate {
  const { id, severity, created, textHash, pieces } = readCard(r.card);
  return { id, rowId: BigInt(r._rowid), severity, created, pieces: pieces.length ? pieces : null, textHash };
}
