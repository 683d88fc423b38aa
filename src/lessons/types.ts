/** The lesson domain: what a lesson is, how severe, and the limits every path enforces alike. */
import { createHash } from 'node:crypto';
import * as canonicalizeModule from 'canonicalize';
import type { BlockRule } from '../risk/block-rule.js';

// CommonJS with an ESM-style default in its types (same handling as src/orders/order.ts).
const canonicalize = canonicalizeModule.default as unknown as (input: unknown) => string | undefined;

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export const LESSON_LIMITS = {
  title: 200,
  body: 8_000,
  prevention: 4_000,
  tags: 12,
  tag: 40,
  situations: 12,
  situation: 240,
  query: 1_000,
  k: 50,
} as const;

/** Tags are lower-case slugs so they can be filtered on safely and compared exactly. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

export interface LessonContent {
  title: string;
  body: string;
  prevention: string;
  severity: Severity;
  tags: string[];
}

export interface Lesson extends LessonContent {
  id: string;
  /** Epoch milliseconds. */
  created: number;
  /** `corpus:<file>` for shipped lessons, `recorded` for record_lesson. */
  source: string;
  contentHash: string;
}

/** Whitespace-collapsed, trimmed text: the same words in a different layout are the same lesson. */
export function normalizeText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export function normalizeTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim().toLowerCase()))].sort();
}

/** SHA-256 of the RFC 8785 canonical JSON of the normalised content (dedup and change detection). */
export function contentHash(content: LessonContent): string {
  const canonical = canonicalize({
    title: normalizeText(content.title).toLowerCase(),
    body: normalizeText(content.body).toLowerCase(),
    prevention: normalizeText(content.prevention).toLowerCase(),
    severity: content.severity,
    tags: normalizeTags(content.tags),
  });
  return createHash('sha256')
    .update(canonical ?? '')
    .digest('hex');
}

/**
 * The text both the embedder and the full-text index see (title twice: it is the densest summary;
 * a lesson file's `situations` next: agent-style words for when it applies).
 */
export function searchText(content: LessonContent & { situations?: readonly string[] }): string {
  return [content.title, content.title, ...(content.situations ?? []), content.tags.join(' '), content.body, content.prevention].filter(Boolean).join('\n');
}

/**
 * SHA-256 of everything a lesson's row is built from: its search text, source, severity and created
 * time. A change of any of them rewrites the row (a severity-only edit too: it moves the lesson in
 * the ranking and the gate), and a lesson held in memory gives a hit its text only at the row's
 * own hash (held.ts).
 */
export function textHash(lesson: Lesson & { situations?: readonly string[] }): string {
  return createHash('sha256')
    .update(`${lesson.source}\n${lesson.severity}\n${lesson.created}\n${searchText(lesson)}`)
    .digest('hex');
}

/** What a draft lesson is linked to: the losing round trip, its trades and the opening order's audit record. */
export interface DraftLinks {
  round_trip_id: string;
  audit_id: string | null;
  client_order_id: string | null;
  trade_ids: string[];
}

/**
 * A lesson read from a Markdown file (shipped, or the user's own under `<data dir>/lessons/`), with
 * what only files carry: the symbols and strategies it is about (matching it to an order), the
 * situations it is for, its
 * `block` rule, and for a draft (written from a losing round trip) its links; a person promotes it.
 */
export interface FileLesson extends Lesson {
  file: string;
  origin: 'shipped' | 'user';
  symbols: string[];
  strategies: string[];
  /** Agent-style descriptions of the moments the lesson is for (front matter `situations`), indexed with the text. */
  situations: string[];
  block: BlockRule | null;
  draft: boolean;
  links: DraftLinks | null;
}
