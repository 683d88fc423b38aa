/**
 * Lessons as a prompt shows them (the Opus confirmation, the council): one short entry each —
 * severity, id, title, prevention — as plain text the caller fences as untrusted
 * (llm/untrusted.ts neutraliseUntrusted), since people and models wrote it.
 * @example lessonsPromptText([{ id: 'a', title: 'T', severity: 'high', prevention: 'P' }]) === '1. [high] a: T\n   Prevention: P'
 */

export interface PromptLesson {
  id: string;
  title: string;
  severity: string;
  prevention: string;
}

/** Longest prevention a prompt carries per lesson (characters). */
export const PROMPT_PREVENTION_CHARS = 400;

const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).replace(/\s+\S*$/, '')}…` : flat;
};

export function lessonsPromptText(lessons: readonly PromptLesson[]): string {
  if (!lessons.length) return '(no lesson matches this order)';
  return lessons
    .map((l, i) => {
      const head = `${i + 1}. [${l.severity}] ${l.id}: ${oneLine(l.title, 200)}`;
      return l.prevention.trim() ? `${head}\n   Prevention: ${oneLine(l.prevention, PROMPT_PREVENTION_CHARS)}` : head;
    })
    .join('\n');
}

/** A lesson as prompts take it. */
export const promptLesson = (l: PromptLesson): PromptLesson => ({ id: l.id, title: l.title, severity: l.severity, prevention: l.prevention });
