/**
 * A lesson whose `block` rule matches the order refuses it (SPEC §13). The rules come with the
 * input (the lessons area reads the files; risk never imports it); a lesson file that carries a
 * block but cannot be read refuses every order until it is fixed, so a typo never silently
 * stops a rule from blocking. No lessons given (a caller that consulted none): not applicable.
 */
import { matchBlock } from '../block-rule.js';
import { blockFacts } from '../lesson-facts.js';
import { defineCheck, fail, na, pass } from './result.js';

export const lessonBlockCheck = defineCheck({
  name: 'lesson_block',
  code: 'RISK_LESSON_BLOCK',
  evaluate: (ctx, limits) => {
    const rules = ctx.input.lessons;
    if (!rules) return na('no lessons were consulted');
    const count = rules.blocks.length;
    if (rules.unreadable.length) {
      const files = rules.unreadable.map((u) => u.file);
      return fail(
        `lesson file(s) with a block rule cannot be read, so every order is refused until they are fixed: ${rules.unreadable.map((u) => `${u.file} (${u.error})`).join('; ')}`,
        count,
        files.join(', '),
      );
    }
    const facts = blockFacts(ctx, limits, rules);
    const hits = rules.blocks.flatMap((lesson) => {
      const m = matchBlock(lesson.block, facts);
      return m.matched ? [{ lesson, because: m.because }] : [];
    });
    if (!hits.length) return pass(`no blocking lesson matches (${count} block rule${count === 1 ? '' : 's'} checked)`, count, null);
    return fail(
      hits.map((h) => `blocked by lesson ${h.lesson.id} "${h.lesson.title}" (${h.because.join(', ')})`).join('; '),
      count,
      hits.map((h) => h.lesson.id).join(', '),
    );
  },
});
