/** Demo: search the shipped lessons offline, record a new lesson, find it again (search_lessons, record_lesson). */
import type { DemoStep } from '../demo.js';

interface Hit {
  id: string;
  title: string;
  severity: string;
  score: number;
  prevention: string;
  score_parts: { vector_rank: number | null; fts_rank: number | null };
}

export const lessonsStep: DemoStep = {
  title: 'Lessons: hybrid search of the knowledge base, then record a lesson (search_lessons, record_lesson)',
  profile: 'analyst',
  async run(ctx) {
    const query = 'I want to buy calls before the earnings report';
    const result = await ctx.call('search_lessons', { query, k: 3 });
    if (result.isError) throw new Error(JSON.stringify(result.structuredContent));
    const out = result.structuredContent as { results: Hit[]; embedder: { name: string; version: string }; lesson_count: number; trust: string };
    ctx.print(`search_lessons "${query}" → top 3 of ${out.lesson_count} lessons (embedder ${out.embedder.name}@${out.embedder.version}, ${out.trust}):`);
    for (const [i, h] of out.results.entries()) {
      ctx.print(`  ${i + 1}. [${h.severity}] ${h.title}`);
      ctx.print(`     score ${h.score.toFixed(4)} (vector rank ${h.score_parts.vector_rank ?? '–'}, full-text rank ${h.score_parts.fts_rank ?? '–'})`);
      ctx.print(`     prevention: ${h.prevention.split('\n')[0]?.replace(/^- /, '').slice(0, 110)}…`);
    }
    const filtered = await ctx.call('search_lessons', { query: 'orders sent twice', k: 3, min_severity: 'critical', tags: ['execution', 'agent'] });
    const f = filtered.structuredContent as { results: Hit[] };
    ctx.print(`filtered (critical, tags execution|agent) "orders sent twice" → ${f.results.map((h) => h.id).join(', ')}`);

    const lesson = {
      title: 'Demo: trailing stop on a leveraged ETF triggered by the daily rebalance',
      body: 'A 3x leveraged ETF moved sharply in the last minutes as the fund rebalanced, triggering a tight trailing stop.',
      prevention: 'Avoid tight trailing stops on leveraged ETFs into the close; size for the rebalance volatility.',
      severity: 'medium',
      tags: ['execution', 'leveraged-etf'],
    };
    const recorded = await ctx.call('record_lesson', lesson);
    const r = recorded.structuredContent as { id: string; status: string };
    ctx.print(`record_lesson → ${r.status} ${r.id}`);
    const again = await ctx.call('search_lessons', { query: 'leveraged ETF trailing stop rebalance', k: 1 });
    const top = (again.structuredContent as { results: Hit[] }).results[0];
    ctx.print(`search again → first hit ${top?.id} (${top?.id === r.id ? 'the lesson just recorded' : 'unexpected'})`);
  },
};
