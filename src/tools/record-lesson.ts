/** record_lesson: add a lesson (a failure and its prevention) to the knowledge base; searchable at once. */
import { z } from 'zod';
import { getLessonStore } from '../lessons/index.js';
import { EmbedderSchema, RoutingSchema, routingOf } from '../lessons/render.js';
import { LESSON_LIMITS, SEVERITIES, TAG_PATTERN } from '../lessons/types.js';
import { defineTool } from '../tool.js';

export const recordLesson = defineTool({
  name: 'record_lesson',
  title: 'Record a trading lesson',
  description:
    'Record a lesson learned (what went wrong, why, and how to prevent it) so future searches find it. ' +
    'Deduplicated by content: recording the same lesson twice returns the existing one. Searchable immediately and after restarts.',
  group: 'lessons',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  inputSchema: z.strictObject({
    title: z.string().trim().min(3).max(LESSON_LIMITS.title).describe('one line naming the failure'),
    body: z.string().trim().min(10).max(LESSON_LIMITS.body).describe('what happened and why (plain text or Markdown)'),
    prevention: z.string().trim().max(LESSON_LIMITS.prevention).optional().describe('how to avoid it next time'),
    severity: z.enum(SEVERITIES).describe('low | medium | high | critical'),
    tags: z
      .array(z.string().regex(TAG_PATTERN, 'tags are lower-case slugs like "options" or "iron-condor"').max(LESSON_LIMITS.tag))
      .min(1)
      .max(LESSON_LIMITS.tags)
      .describe('1–12 lower-case slugs'),
  }),
  outputSchema: z.strictObject({
    id: z.string(),
    status: z.enum(['recorded', 'duplicate']),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    tags: z.array(z.string()),
    content_hash: z.string(),
    created: z.string(),
    embedded_by: z.array(EmbedderSchema),
    degraded: z.string().nullable(),
    routing: RoutingSchema.nullable(),
  }),
  async handler(input, { deps, signal }) {
    const lessons = await getLessonStore(deps);
    const outcome = await lessons.record(
      { title: input.title, body: input.body, prevention: input.prevention ?? '', severity: input.severity, tags: input.tags },
      signal,
    );
    const { lesson } = outcome;
    const status = outcome.duplicate ? ('duplicate' as const) : ('recorded' as const);
    return {
      structured: {
        id: lesson.id,
        status,
        title: lesson.title,
        severity: lesson.severity,
        tags: lesson.tags,
        content_hash: lesson.contentHash,
        created: new Date(lesson.created).toISOString(),
        embedded_by: outcome.embedders,
        degraded: outcome.degraded,
        routing: routingOf(outcome.receipt),
      },
      text: outcome.duplicate
        ? `Already known: lesson ${lesson.id} "${lesson.title}" has the same content; nothing new was stored.`
        : `Recorded lesson ${lesson.id} "${lesson.title}" [${lesson.severity}] (tags ${lesson.tags.join(', ')}); searchable now.` +
          (outcome.degraded ? ` Note: ${outcome.degraded}.` : ''),
    };
  },
});
