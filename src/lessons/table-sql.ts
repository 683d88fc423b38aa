/**
 * The names of the lesson tables (one per embedder and table format) and the SQL of their filters
 * (store.ts runs the queries).
 */
import type { EmbedderId } from './rows.js';
import { SEVERITY_RANK, type Severity } from './types.js';

/**
 * The row layout and text analysis of a table (rows.ts, text/analyse.ts): part of its name, so a
 * change builds new tables (recorded lessons are carried over from the old ones) instead of
 * reading rows of another layout. 2: a text_hash column; search_text holds analysed stems.
 * 3: a pieces column (the offline embedder's piece vectors, pieces.ts). 4: search_text of the
 * analysis with the PHRASES of local-words@3 (a gateway table's full-text column changes too).
 * 5: the pieces column folded into a `card` (card.ts): one column a search reads per candidate.
 */
export const TABLE_FORMAT = 5;

/** A lance-safe table name for an embedder. */
export function tableNameFor(embedder: EmbedderId): string {
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'x';
  return `lessons__${slug(embedder.name)}__${slug(embedder.version)}__f${TABLE_FORMAT}`;
}

export function isLessonTable(name: string): boolean {
  return name.startsWith('lessons__');
}

export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** SQL filter for the tag / min-severity options and leaving drafts out (tags are slug-validated upstream; quoted anyway). */
export function filterSql(filter: {
  tags?: readonly string[] | undefined;
  minSeverity?: Severity | undefined;
  excludeDrafts?: boolean | undefined;
}): string | undefined {
  const parts: string[] = [];
  if (filter.excludeDrafts) parts.push(`source NOT LIKE 'draft:%'`);
  if (filter.minSeverity) parts.push(`severity_rank >= ${SEVERITY_RANK[filter.minSeverity]}`);
  if (filter.tags?.length) parts.push(`array_has_any(tags, [${filter.tags.map(sqlString).join(', ')}])`);
  return parts.length ? parts.join(' AND ') : undefined;
}
