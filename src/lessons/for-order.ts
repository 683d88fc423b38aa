/**
 * Lessons for one order (SPEC §13): the few worth showing the Opus confirmation and the council
 * (matched on the order's symbol or underlying, strategy, tags, order kind and a little title
 * text), and the block rules the risk stage evaluates. Only lesson files reach the gate — the
 * shipped ones, the user's own and promoted drafts, each vouched for by a person; drafts and
 * lessons agents recorded with record_lesson stay in search only. In memory: no embedding call,
 * no database on the order path (bench/lessons-gate.ts measures it).
 *
 * @example
 *   const matches = matchLessons(snapshot.lessons, orderTopics(parsedOrder, new Date()));
 *   matches.map((m) => `${m.lesson.id} (${m.why.join(', ')})`)
 */
import type { Deps } from '../deps.js';
import { OCC_SYMBOL, parseOcc } from '../orders/order.js';
import type { LessonRules } from '../risk/input.js';
import { daysBetween, nyTime } from '../risk/ny-time.js';
import { STRATEGY_ID } from './corpus.js';
import { getLessonLibrary } from './index.js';
import type { LibrarySnapshot } from './library.js';
import { SEVERITY_RANK, TAG_PATTERN, type FileLesson } from './types.js';

/** How many lessons a prompt carries. */
export const PROMPT_LESSONS = 3;
/** A lesson must score at least this to be shown (one implied tag alone is not enough). */
export const MIN_SCORE = 2;
export const WEIGHTS = { symbol: 5, strategy: 4, tag: 2, implied: 1, titleWord: 1, maxTitleWords: 3 } as const;

/** The order fields matching reads (a parsed order; strategy and tags may come with it, outside order_hash). */
export interface OrderLike {
  symbol?: string | undefined;
  side: 'buy' | 'sell';
  type: string;
  order_class?: string | undefined;
  extended_hours?: boolean | undefined;
  position_intent?: string | undefined;
  legs?: ReadonlyArray<{ symbol: string; side: string; position_intent: string }> | undefined;
}

export interface OrderTopics {
  symbols: Set<string>;
  strategy: string | null;
  tags: string[];
  implied: Set<string>;
  words: Set<string>;
}

export interface LessonMatch {
  lesson: FileLesson;
  score: number;
  why: string[];
}

/** The order's strategy and tags (SPEC §13, not in order_hash), read defensively from the parsed input. */
export function orderAnnotations(order: unknown): { strategy: string | null; tags: string[] } {
  const o = (order ?? {}) as { strategy?: unknown; tags?: unknown };
  const strategy = typeof o.strategy === 'string' && STRATEGY_ID.test(o.strategy.trim().toLowerCase()) ? o.strategy.trim().toLowerCase() : null;
  const tags = Array.isArray(o.tags)
    ? [...new Set(o.tags.filter((t): t is string => typeof t === 'string').map((t) => t.trim().toLowerCase()))].filter((t) => TAG_PATTERN.test(t))
    : [];
  return { strategy, tags };
}

const stem = (w: string) => (w.length > 3 && w.endsWith('s') ? w.slice(0, -1) : w);
const wordsOf = (text: string) => new Set((text.toLowerCase().match(/[a-z0-9]+/g) ?? []).map(stem));

/** What the order is about: its symbols, strategy and tags, the tags its kind implies, and its topic words. */
export function orderTopics(order: OrderLike, at: Date): OrderTopics {
  const { strategy, tags } = orderAnnotations(order);
  const legs = order.legs ?? [];
  const contracts = [order.symbol, ...legs.map((l) => l.symbol)].filter((s): s is string => Boolean(s && OCC_SYMBOL.test(s)));
  const occs = contracts.map(parseOcc).filter((o) => o !== null);
  const symbols = new Set([...(order.symbol && !OCC_SYMBOL.test(order.symbol) ? [order.symbol] : []), ...occs.map((o) => o.underlying)]);
  const implied = new Set<string>();
  const words = new Set<string>([...symbols].map((s) => s.toLowerCase()));
  const add = (tagList: string[], wordList: string[] = []) => {
    for (const t of tagList) implied.add(t);
    for (const w of wordList) words.add(stem(w));
  };
  if (order.type === 'market') add(['slippage', 'order-type'], ['market']);
  if (order.type === 'limit') add(['limit-order'], ['limit']);
  if (order.type === 'stop' || order.type === 'stop_limit') add(['stop-loss'], ['stop']);
  if (order.type === 'trailing_stop') add(['stop-loss', 'trailing-stop'], ['trailing', 'stop']);
  if (['bracket', 'oco', 'oto'].includes(order.order_class ?? '')) add(['stop-loss', 'bracket'], ['bracket', 'stop']);
  if (order.extended_hours) add(['extended-hours'], ['extended', 'hours']);
  if (occs.length) add(['options'], ['option']);
  if (legs.length) add(['multi-leg', 'spread'], ['spread', 'leg']);
  const sellsToOpen =
    legs.some((l) => l.position_intent === 'sell_to_open') || (occs.length > 0 && order.side === 'sell' && order.position_intent !== 'sell_to_close');
  if (sellsToOpen) add(['undefined-risk', 'assignment'], ['short']);
  if (occs.length) addExpiryTopics(add, Math.min(...occs.map((o) => daysBetween(nyTime(at.getTime()).date, o.expiration))));
  const ny = nyTime(at.getTime());
  if (ny.weekday >= 1 && ny.weekday <= 5 && ny.minutes >= 570 && ny.minutes < 600) add(['market-open'], ['open']);
  if (strategy) add([strategy.replace(/_/g, '-')], strategy.split(/[_-]/));
  return { symbols, strategy, tags, implied, words };
}

function addExpiryTopics(add: (tags: string[], words?: string[]) => void, dte: number): void {
  if (dte <= 7) add(['expiration', 'gamma', 'pin-risk'], ['expiration']);
  if (dte <= 0) add(['0dte']);
}

const titleWords = new WeakMap<FileLesson, Set<string>>();

function scoreLesson(lesson: FileLesson, t: OrderTopics): LessonMatch {
  const why: string[] = [];
  let score = 0;
  const symbol = lesson.symbols.find((s) => t.symbols.has(s));
  if (symbol) {
    score += WEIGHTS.symbol;
    why.push(`symbol ${symbol}`);
  }
  if (t.strategy && lesson.strategies.includes(t.strategy)) {
    score += WEIGHTS.strategy;
    why.push(`strategy ${t.strategy}`);
  }
  const tagged = t.tags.filter((x) => lesson.tags.includes(x));
  score += tagged.length * WEIGHTS.tag;
  if (tagged.length) why.push(`tags ${tagged.join(', ')}`);
  const implied = lesson.tags.filter((x) => t.implied.has(x) && !tagged.includes(x));
  score += implied.length * WEIGHTS.implied;
  if (implied.length) why.push(`order kind ${implied.join(', ')}`);
  let words = titleWords.get(lesson);
  if (!words) {
    words = wordsOf(lesson.title);
    titleWords.set(lesson, words);
  }
  const hits = [...t.words].filter((w) => words.has(w)).slice(0, WEIGHTS.maxTitleWords);
  score += hits.length * WEIGHTS.titleWord;
  if (hits.length) why.push(`title ${hits.join(', ')}`);
  return { lesson, score, why };
}

/** The top `n` active lessons for the order, best first (ties: more severe, then newer, then id). */
export function matchLessons(lessons: readonly FileLesson[], topics: OrderTopics, n = PROMPT_LESSONS): LessonMatch[] {
  const scored: LessonMatch[] = [];
  for (const lesson of lessons) {
    if (lesson.draft) continue;
    const m = scoreLesson(lesson, topics);
    if (m.score >= MIN_SCORE) scored.push(m);
  }
  scored.sort(
    (a, b) =>
      b.score - a.score ||
      SEVERITY_RANK[b.lesson.severity] - SEVERITY_RANK[a.lesson.severity] ||
      b.lesson.created - a.lesson.created ||
      a.lesson.id.localeCompare(b.lesson.id),
  );
  return scored.slice(0, n);
}

/** What the lesson_block check is given: every active block rule, and the block-bearing files that did not load. */
export function lessonRulesOf(snapshot: LibrarySnapshot, order: unknown): LessonRules {
  const blocks = snapshot.lessons.filter((l) => l.block !== null && !l.draft).map((l) => ({ id: l.id, title: l.title, source: l.source, block: l.block! }));
  const unreadable = snapshot.errors.filter((e) => e.blocking).map((e) => ({ file: e.file, error: e.error }));
  return { blocks, unreadable, ...orderAnnotations(order) };
}

/** The block rules for check_risk and the gate's risk stage. */
export async function lessonRulesFor(deps: Deps, order: unknown): Promise<LessonRules> {
  return lessonRulesOf(await (await getLessonLibrary(deps)).fresh(), order);
}

/** The lessons the Opus confirmation and the council are shown for this order. */
export async function lessonsForOrder(deps: Deps, order: OrderLike, at: Date = new Date(), n = PROMPT_LESSONS): Promise<LessonMatch[]> {
  return matchLessons((await (await getLessonLibrary(deps)).fresh()).lessons, orderTopics(order, at), n);
}
