/**
 * The shipped lessons: Markdown files under lessons/ with YAML front matter
 * (id, title, severity, tags, created) and a body whose `## Prevention` section is the prevention.
 *
 * @example
 *   ---
 *   id: exec-market-order-at-open
 *   title: Market orders in the first minutes fill far from the last print
 *   severity: high
 *   tags: [execution, slippage]
 *   created: 2025-02-11
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
import { LESSON_LIMITS, SEVERITIES, TAG_PATTERN, contentHash, normalizeTags, type Lesson } from './types.js';

const FrontMatterSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{2,80}$/),
  title: z.string().min(3).max(LESSON_LIMITS.title),
  severity: z.enum(SEVERITIES),
  tags: z.array(z.string().regex(TAG_PATTERN).max(LESSON_LIMITS.tag)).min(1).max(LESSON_LIMITS.tags),
  created: z.union([z.string(), z.date()]),
});

export function parseLessonFile(file: string, text: string): Lesson {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (!match) throw new Error(`${file}: no YAML front matter`);
  const front = FrontMatterSchema.safeParse(parseYaml(match[1]!));
  if (!front.success) throw new Error(`${file}: ${front.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const [body = '', prevention = ''] = match[2]!.split(/^##\s+Prevention\s*$/m);
  const created = new Date(front.data.created).getTime();
  if (!Number.isFinite(created)) throw new Error(`${file}: created is not a date`);
  const content = {
    title: front.data.title.trim(),
    body: body.trim(),
    prevention: prevention.trim(),
    severity: front.data.severity,
    tags: normalizeTags(front.data.tags),
  };
  if (!content.body || content.body.length > LESSON_LIMITS.body) throw new Error(`${file}: body missing or over ${LESSON_LIMITS.body} chars`);
  return { id: front.data.id, ...content, created, source: `corpus:${file}`, contentHash: contentHash(content) };
}

/** Every shipped lesson; a malformed file is reported, never silently skipped. Ids must be unique. */
export function loadCorpus(dir: string): { lessons: Lesson[]; errors: string[] } {
  const lessons: Lesson[] = [];
  const errors: string[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort();
  } catch (err) {
    return { lessons, errors: [`cannot read ${dir}: ${(err as Error).message}`] };
  }
  const seen = new Set<string>();
  for (const file of files) {
    try {
      const lesson = parseLessonFile(file, readFileSync(join(dir, file), 'utf8'));
      if (seen.has(lesson.id)) throw new Error(`${file}: duplicate id ${lesson.id}`);
      seen.add(lesson.id);
      lessons.push(lesson);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return { lessons, errors };
}
