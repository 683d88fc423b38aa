/**
 * Generated lessons and held-out queries for bench/lessons.ts whose vectors are NOT trivially
 * clustered: each lesson mixes sentences of two or three different shipped lessons with words drawn
 * from the whole word-vector vocabulary (Zipf-weighted over its 20,000 most frequent words), a
 * random ticker and figures; queries are made the same way from another seed, never copied from a
 * lesson.
 */
import { prng as mulberry32 } from '../src/broker/sim/path.js';
import { loadCorpus } from '../src/lessons/corpus.js';
import { wordTable } from '../src/lessons/text/word-table.js';
import { SEVERITIES, contentHash, type Lesson } from '../src/lessons/types.js';
import { LESSONS_DIR } from '../src/paths.js';

interface Sources {
  sentences: string[][];
  titles: string[];
  prevention: string[];
  tags: string[][];
  vocabulary: string[];
}

let sources: Sources | null = null;

function sourcesOf(): Sources {
  if (sources) return sources;
  const topics = loadCorpus(LESSONS_DIR).lessons;
  const table = wordTable();
  const vocabulary = [...table.index.keys()].filter((_, i) => table.ranks[i]! < 20_000);
  sources = {
    sentences: topics.map((t) => `${t.body} ${t.prevention}`.split(/(?<=[.!?])\s+/).filter((s) => s.length > 20)),
    titles: topics.map((t) => t.title),
    prevention: topics.map((t) => t.prevention.split('\n')[0] ?? ''),
    tags: topics.map((t) => t.tags),
    vocabulary,
  };
  return sources;
}

function generator(seed: number) {
  const rand = mulberry32(seed);
  const s = sourcesOf();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // Zipf-like: rank r with probability ∝ 1/(r + 50)
  const word = () => s.vocabulary[Math.min(s.vocabulary.length - 1, Math.floor(50 * (Math.exp(rand() * Math.log(s.vocabulary.length / 50 + 1)) - 1)))]!;
  const words = (n: number) => Array.from({ length: n }, word).join(' ');
  const ticker = () => Array.from({ length: 3 + Math.floor(rand() * 2) }, () => pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'])).join('');
  const topic = () => Math.floor(rand() * s.sentences.length);
  return { rand, pick, words, ticker, topic, s };
}

export function generateLessons(n: number, seed = 7): Lesson[] {
  const g = generator(seed);
  const out: Lesson[] = [];
  for (let i = 0; i < n; i++) {
    const topics = Array.from({ length: 2 + Math.floor(g.rand() * 2) }, g.topic);
    const sentences = topics.flatMap((t) => [g.pick(g.s.sentences[t]!), g.pick(g.s.sentences[t]!)]);
    const ticker = g.ticker();
    const body = `${ticker}: ${sentences.join(' ')} ${g.words(8 + Math.floor(g.rand() * 12))}. Loss ${(g.rand() * 5).toFixed(1)}% on ${Math.ceil(g.rand() * 20)} contracts.`;
    const titleWords = g.s.titles[topics[0]!]!.split(' ');
    const title = `${ticker} ${titleWords.slice(0, 3 + Math.floor(g.rand() * (titleWords.length - 2))).join(' ')} ${g.words(2)}`;
    const content = { title, body, prevention: g.s.prevention[topics[1]!]!, severity: g.pick(SEVERITIES), tags: g.s.tags[topics[0]!]! };
    out.push({
      id: `gen-${i}`,
      ...content,
      created: Date.UTC(2024, 0, 1) + Math.floor(g.rand() * 600) * 86_400_000,
      source: 'corpus:generated',
      contentHash: contentHash(content),
    });
  }
  return out;
}

/** Held-out queries: a clause of one shipped lesson's sentence plus a few vocabulary words. */
export function generateQueries(n: number, seed = 1_001): string[] {
  const g = generator(seed);
  return Array.from({ length: n }, () => {
    const sentence = g.pick(g.s.sentences[g.topic()]!).split(/\s+/);
    const start = Math.floor(g.rand() * Math.max(1, sentence.length - 8));
    return `${sentence.slice(start, start + 5 + Math.floor(g.rand() * 6)).join(' ')} ${g.words(2 + Math.floor(g.rand() * 3))}`;
  });
}
