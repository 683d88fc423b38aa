/**
 * One analysis of text for both halves of lesson search, so a lesson and a query are read the same
 * way by full-text search and by the offline embedder:
 *
 * 1. normalise: ASCII-fold, fold phrases (PHRASES: "timed out" → timeout, "three times" → multiple,
 *    "pre-market" → premarket, HTTP codes, money, percentages), clock times → the session they fall
 *    in ("7:30 am" → premarket), known tickers → their sector's words;
 * 2. tokenise, drop stop words, add each glossary term's meaning (GLOSSARY);
 * 3. `words` (surface forms, for the word vectors) and `terms` (Porter2 stems from the `porter2`
 *    package, for BM25 and the hashed features).
 *
 * @example
 *   analyse('my order timed out, should I resend it').terms // ['order', 'timeout', 'request', 'respons', 'resend']
 */
import { stem } from 'porter2';
import { GLOSSARY, PHRASES } from './domain.js';

/** Own keys only: a word such as "constructor" must not find Object.prototype's. */
const MEANINGS = new Map(Object.entries(GLOSSARY).map(([term, meaning]) => [term, meaning.split(' ')]));
import { tickerWords } from './tickers.js';

const STOP_WORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from into onto over under about as is are was were be been being ' +
    'it its this that these those there their they them we our you your he she his her i me my do does did done doing have has had ' +
    'not no nor so than too very can could should would may might must will shall just also only own same such each any all both ' +
    'more most other some what which who whom when where why how out off again further once here while after before because ' +
    'until against between through during above below per via am pm s t ll re ve d m ' +
    'want wants wanted going get gets got now right really like let lets thing things something anything im ive thats dont yes okay ok please'
  ).split(' '),
);

const CLOCK =
  /\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)?(?:\s*(?:eastern|et|est|edt|new york|ny|(pacific|pt|pst|pdt)|(central|ct|cst|cdt)|(utc|gmt)))?(?![\w:])/g;

/** The session a clock time falls in (US equities, Eastern unless the text names another zone). */
export function sessionOf(minutesEastern: number): string {
  const m = ((minutesEastern % 1440) + 1440) % 1440;
  if (m >= 240 && m < 570) return 'premarket';
  if (m >= 570 && m < 600) return 'open';
  if (m >= 900 && m < 960) return 'close';
  if (m >= 960 && m < 1200) return 'afterhours';
  if (m >= 600 && m < 900) return 'intraday';
  return 'overnight';
}

function clockTimes(text: string): string {
  return text.replace(CLOCK, (whole, h: string, mm: string | undefined, ampm: string | undefined, pacific, central, utc) => {
    // A bare number is not a time: it needs minutes or am/pm.
    if (mm === undefined && ampm === undefined) return whole;
    let hour = Number(h);
    const minute = Number(mm ?? 0);
    if (hour > 23 || minute > 59) return whole;
    if (ampm?.startsWith('p') && hour < 12) hour += 12;
    else if (ampm?.startsWith('a') && hour === 12) hour = 0;
    // Without am/pm, 1:00–7:59 is read as the afternoon (the session's hours), 8–12 as the morning.
    else if (ampm === undefined && hour >= 1 && hour < 8) hour += 12;
    const shift = pacific ? 180 : central ? 60 : utc ? -300 : 0;
    return ` ${sessionOf(hour * 60 + minute + shift)} `;
  });
}

/** Normalised lower-case text: folded phrases, sessions for clock times, sector words for tickers. */
export function normalise(text: string): string {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\u2018\u2019]/g, "'");
  const sectors = tickerWords(folded);
  let t = clockTimes(folded.toLowerCase());
  for (const [pattern, replacement] of PHRASES) t = t.replace(pattern, replacement);
  return sectors.length ? `${t} ${sectors.join(' ')}` : t;
}

export interface Analysis {
  /** Content words as written (lower case), glossary meanings added: what the word vectors read. */
  words: string[];
  /** Porter2 stems of `words`: what BM25 and the hashed features read. */
  terms: string[];
}

const stems = new Map<string, string>();

/** Porter2 stem, cached (the same few thousand words recur across lessons and queries). */
export function stemOf(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    s = /^[a-z]+$/.test(word) ? stem(word) : word;
    if (stems.size < 100_000) stems.set(word, s);
  }
  return s;
}

export function analyse(text: string): Analysis {
  const words: string[] = [];
  for (const raw of normalise(text).match(/[a-z0-9]+(?:-[a-z0-9]+)*/g) ?? []) {
    const joined = raw.replace(/-/g, '');
    const parts = raw.includes('-') && !MEANINGS.has(joined) ? raw.split('-') : [joined];
    for (const w of parts) {
      if (STOP_WORDS.has(w) || (w.length < 2 && !/\d/.test(w))) continue;
      words.push(w);
      const meaning = MEANINGS.get(w);
      if (meaning) for (const m of meaning) if (!STOP_WORDS.has(m)) words.push(m);
    }
  }
  return { words, terms: words.map(stemOf) };
}

/** The text the full-text index holds and is queried with: space-separated stems. */
export function ftsText(text: string): string {
  return analyse(text).terms.join(' ');
}

/** Lower-case words of a text for snippets (no stemming, no stop-word removal). */
export function plainWords(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}
