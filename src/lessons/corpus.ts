/**
 * Lesson files: Markdown with YAML front matter (id, title, severity, tags, created) and a body
 * whose `## Prevention` section is the prevention — the shipped lessons/ and the user's own under
 * `<data dir>/lessons/` alike. Optional front matter: `symbols` and `strategies` (what the lesson
 * is about, for matching it to an order), `situations` (short agent-style descriptions of the
 * moments it is for: indexed with the text), `block` (a rule that refuses matching orders: see
 * src/risk/block-rule.ts), and for a draft written from a losing trade `draft: true` with `links`
 * (`promoted` once a person promoted it).
 *
 * @example
 *   ---
 *   id: exec-market-order-at-open
 *   title: Market orders in the first minutes fill far from the last print
 *   severity: high
 *   tags: [execution, slippage]
 *   created: 2025-02-11
 *   block: {"type": "market", "minutes_after_open": {"lt": 5}}
 *   ---
 *   What happened ...
 *
 *   ## Prevention
 *   Use marketable limit orders ...
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseBlockRule } from '../risk/block-rule.js';
import { isoMs } from '../memory/fills.js';
import { LESSON_LIMITS, SEVERITIES, TAG_PATTERN, contentHash, normalizeTags, type FileLesson } from './types.js';

export const LESSON_ID = /^[a-z0-9][a-z0-9-]{2,80}$/;
export const STRATEGY_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;
const SYMBOL = /^[A-Z]{1,6}([.][A-Z]{1,2})?$/;

const LinksSchema = z.strictObject({
  round_trip_id: z.string().min(1).max(200),
  audit_id: z.string().max(200).nullable(),
  client_order_id: z.string().max(200).nullable(),
  trade_ids: z.array(z.string().max(200)).max(200).default([]),
});

const FrontMatterSchema = z.strictObject({
  id: z.string().regex(LESSON_ID),
  title: z.string().min(3).max(LESSON_LIMITS.title),
  severity: z.enum(SEVERITIES),
  tags: z.array(z.string().regex(TAG_PATTERN).max(LESSON_LIMITS.tag)).min(1).max(LESSON_LIMITS.tags),
  created: z.union([z.string(), z.date()]),
  symbols: z.array(z.string().regex(SYMBOL, 'symbols are upper-case tickers such as SPY or BRK.B')).max(50).optional(),
  strategies: z.array(z.string().regex(STRATEGY_ID, 'strategies are ids such as iron_condor')).max(20).optional(),
  situations: z.array(z.string().trim().min(8).max(LESSON_LIMITS.situation)).max(LESSON_LIMITS.situations).optional(),
  block: z.unknown().optional(),
  draft: z.boolean().optional(),
  promoted: z.union([z.string(), z.date()]).optional(),
  links: LinksSchema.optional(),
});

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/;

/**
 * Whether a file's front matter names a `block` key, read from its text alone: a file that cannot
 * be parsed but would have blocked is told apart from one that never could (fail closed on it).
 */
export function declaresBlock(text: string): boolean {
  const front = FRONT_MATTER.exec(text)?.[1] ?? text;
  return /^\s*["']?block["']?\s*:/m.test(front);
}

export interface ParseOptions {
  origin?: FileLesson['origin'];
  /** How errors name the file (default: the file name). */
  label?: string;
}

export function parseLessonFile(file: string, text: string, options: ParseOptions = {}): FileLesson {
  const label = options.label ?? file;
  const origin = options.origin ?? 'shipped';
  const match = FRONT_MATTER.exec(text);
  if (!match) throw new Error(`${label}: no YAML front matter`);
  let yaml: unknown;
  try {
    yaml = parseYaml(match[1]!);
  } catch (err) {
    throw new Error(`${label}: front matter is not YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const front = FrontMatterSchema.safeParse(yaml);
  if (!front.success) throw new Error(`${label}: ${front.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const f = front.data;
  const [body = '', prevention = ''] = match[2]!.split(/^##\s+Prevention\s*$/m);
  const created = createdTime(f.created);
  if (!Number.isFinite(created)) throw new Error(`${label}: created is not a date (YYYY-MM-DD, or an ISO 8601 date and time)`);
  let block: FileLesson['block'] = null;
  if (f.block !== undefined) {
    try {
      block = parseBlockRule(f.block);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}`);
    }
  }
  if (f.draft && !f.links) throw new Error(`${label}: a draft needs its links (round_trip_id, audit_id, client_order_id)`);
  const content = { title: f.title.trim(), body: body.trim(), prevention: prevention.trim(), severity: f.severity, tags: normalizeTags(f.tags) };
  if (!content.body || content.body.length > LESSON_LIMITS.body) throw new Error(`${label}: body missing or over ${LESSON_LIMITS.body} chars`);
  const draft = f.draft === true;
  const source = origin === 'shipped' ? `corpus:${file}` : `${draft ? 'draft' : 'user'}:${file}`;
  return {
    id: f.id,
    ...content,
    created,
    source,
    contentHash: contentHash(content),
    file,
    origin,
    symbols: [...new Set(f.symbols ?? [])],
    strategies: [...new Set(f.strategies ?? [])],
    situations: [...new Set(f.situations ?? [])],
    block,
    draft,
    links: f.links ?? null,
  };
}

/** A file that did not load; `blocking` when it declares a block rule (the gate then refuses every order). */
export interface LoadError {
  file: string;
  error: string;
  blocking: boolean;
}

/** Every lesson file of a directory (sorted by name); a malformed file is reported, never silently skipped. */
export function readLessonDir(
  dir: string,
  origin: FileLesson['origin'],
  label: (file: string) => string = (f) => f,
): {
  lessons: FileLesson[];
  errors: LoadError[];
} {
  const lessons: FileLesson[] = [];
  const errors: LoadError[] = [];
  const seen = new Set<string>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()) {
    let text: string | null = null;
    try {
      text = readFileSync(join(dir, file), 'utf8');
      const lesson = parseLessonFile(file, text, { origin, label: label(file) });
      if (seen.has(lesson.id)) throw new Error(`${label(file)}: duplicate id ${lesson.id}`);
      seen.add(lesson.id);
      lessons.push(lesson);
    } catch (err) {
      errors.push({ file: label(file), error: (err as Error).message, blocking: text === null || declaresBlock(text) });
    }
  }
  return { lessons, errors };
}

/** The shipped lessons of one directory; ids must be unique. */
export function loadCorpus(dir: string): { lessons: FileLesson[]; errors: string[] } {
  try {
    const { lessons, errors } = readLessonDir(dir, 'shipped');
    return { lessons, errors: errors.map((e) => e.error) };
  } catch (err) {
    return { lessons: [], errors: [`cannot read ${dir}: ${(err as Error).message}`] };
  }
}

/**
 * A front-matter `created` in ms: an ISO 8601 date (`2025-02-11`), or a date and time with or
 * without a zone (`2025-02-11 10:00`, `2025-02-11T10:00:00-05:00`). Without a zone it is UTC, as a
 * date alone is — never the machine's time zone, which would make the row's hash (types.ts
 * textHash) differ between two processes. Anything else (`2025/02/11`, `Feb 11 2025`, a day the
 * month lacks) is refused: NaN, and the caller names the file.
 */
export function createdTime(value: string | Date): number {
  if (value instanceof Date) return value.getTime();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ Tt](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*([zZ]|[+-]\d{2}:?\d{2})?)?$/.exec(value.trim());
  if (!m) return Number.NaN;
  const [, date, time = '00:00', zone = 'Z'] = m;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  // The strict reader of trade memory: fields in range, and NaN for a day the month lacks.
  return isoMs(`${date}T${time}${offset}`);
}
