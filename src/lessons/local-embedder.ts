/**
 * The offline embedder: feature hashing, no weights, no network, deterministic across machines.
 *
 * Features of a text: stemmed word unigrams, adjacent-word bigrams, character 3–5-grams of each word
 * (catch spelling variants and compounds: "condor"/"condors", "pre-market"/"premarket") and concept
 * tokens from a small trading-domain synonym map ("IV crush" ≈ "volatility collapse after earnings").
 * Each feature is hashed (FNV-1a) to one of DIM signed buckets with sublinear tf (1 + ln tf) and
 * the vector is L2-normalised, so cosine similarity is a dot product.
 *
 * Changing anything that alters vectors MUST bump LOCAL_EMBEDDER_VERSION: stored vectors are keyed
 * by embedder name + version and are never mixed with vectors of another version.
 *
 * @example
 *   const [v] = embedLocal(['iron condor short strike tested']); // Float32Array(384), |v| = 1
 */
export const LOCAL_EMBEDDER_NAME = 'local-hash';
export const LOCAL_EMBEDDER_VERSION = '1';
export const LOCAL_EMBEDDER_DIM = 384;

const STOP_WORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from into onto over under about as is are was were be been being ' +
    'it its this that these those there their they them we our you your he she his her i me my do does did done doing have has had ' +
    'not no nor so than too very can could should would may might must will shall just also only own same such each any all both ' +
    'more most other some what which who whom when where why how up down out off again further once here while after before because ' +
    'until against between through during above below per via'
  ).split(' '),
);

/**
 * Domain concepts: any listed surface form (after stemming) adds the concept token, so different
 * words for the same failure meet in the same bucket. Multi-word forms match adjacent stems.
 */
const CONCEPTS: Record<string, string[]> = {
  volatility: ['iv', 'vol', 'volatility', 'vega', 'vix', 'implied volatility'],
  crush: ['crush', 'collapse', 'deflate', 'vol crush', 'iv crush'],
  earnings: ['earnings', 'guidance', 'quarterly results', 'eps', 'announcement'],
  assignment: ['assignment', 'assigned', 'exercise', 'exercised', 'ex-dividend', 'dividend', 'pin risk'],
  condor: ['condor', 'iron condor', 'credit spread', 'strangle', 'wings', 'short strike'],
  spread: ['bid-ask', 'bid ask', 'bid', 'ask', 'wide spread', 'quoted spread'],
  slippage: ['slippage', 'fill', 'filled', 'market order', 'price impact', 'worse price', 'chase'],
  opening: ['open', 'opening auction', 'first minutes', 'premarket', 'pre-market', 'opening bell'],
  stale: ['stale', 'delayed', 'outdated', 'old quote', 'lagging', 'timestamp'],
  duplicate: ['duplicate', 'double', 'twice', 'retry', 'idempotency', 'idempotent', 'client_order_id', 'client order id', 'resubmit'],
  sizing: ['size', 'sizing', 'position size', 'kelly', 'leverage', 'oversized', 'risk per trade'],
  loss: ['loss', 'losses', 'drawdown', 'daily loss', 'losing', 'lose', 'bleed'],
  correlation: ['correlation', 'correlated', 'beta', 'sector', 'same factor', 'diversification', 'concentration', 'concentrated'],
  halt: ['halt', 'kill switch', 'circuit breaker', 'pause', 'stop trading'],
  hallucination: [
    'hallucinated',
    'hallucination',
    'fabricated',
    'made-up',
    'made up',
    'nonexistent',
    'invented',
    'fake ticker',
    'unknown symbol',
    'typo',
    'delisted',
  ],
  injection: ['injection', 'injected', 'prompt injection', 'instructions', 'ignore previous', 'untrusted', 'jailbreak', 'malicious'],
  budget: ['budget', 'cost', 'spend', 'tokens', 'exhausted', 'quota', 'dollars', 'spending'],
  outage: ['outage', 'downtime', 'unavailable', 'timeout', 'timeouts', '503', '502', '500', '429', 'rate limit', 'degraded', 'incident'],
  credentials: ['key', 'keys', 'secret', 'credentials', 'rotation', 'rotate', 'revoked', 'leaked', 'api key', 'expired'],
  options: ['option', 'options', 'call', 'put', 'strike', 'expiration', 'expiry', 'dte', 'occ', 'contract', 'premium', 'theta', 'gamma', 'delta'],
  liquidity: ['liquidity', 'liquid', 'illiquid', 'volume', 'open interest', 'thin', 'depth'],
  limit_order: ['limit order', 'limit price', 'marketable limit', 'collar'],
  news: ['news', 'headline', 'article', 'tweet', 'press release', 'rumor', 'social media'],
  gap: ['gap', 'overnight', 'weekend', 'gapped'],
  reconcile: ['reconcile', 'reconciliation', 'mismatch', 'drift', 'out of sync'],
};

const KEEP_S = new Set(['news', 'series', 'always', 'focus', 'bias', 'basis', 'gas']);

/** A deliberately small suffix-stripping stemmer: stable, fast, good enough for hashing. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is') && !KEEP_S.has(w)) w = w.slice(0, -1);
  for (const suffix of ['ational', 'ization', 'ations', 'ation', 'ments', 'ment', 'ness', 'ing', 'edly', 'ed', 'ity', 'ly', 'ive', 'al', 'er', 'e']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  if (w.endsWith('y') && w.length > 4) w = `${w.slice(0, -1)}i`;
  return w;
}

/** Lower-case words of a text (ASCII-folded), keeping digits and inner hyphens/underscores. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[a-z0-9]+(?:[-_][a-z0-9]+)*/g) ?? []
  );
}

interface ConceptIndex {
  single: Map<string, string[]>;
  pairs: Map<string, string[]>;
}

function buildConceptIndex(): ConceptIndex {
  const single = new Map<string, string[]>();
  const pairs = new Map<string, string[]>();
  for (const [concept, forms] of Object.entries(CONCEPTS)) {
    for (const form of forms) {
      const stems = words(form).map(stem);
      const key = stems.join(' ');
      const target = stems.length === 1 ? single : pairs;
      if (stems.length > 2) continue;
      const list = target.get(key) ?? [];
      if (!list.includes(concept)) list.push(concept);
      target.set(key, list);
    }
  }
  return { single, pairs };
}

const CONCEPT_INDEX = buildConceptIndex();

const FNV_OFFSET = 0x811c9dc5;

/** FNV-1a, 32-bit, continued from `h` over `text`. */
function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Feature weights (changing them changes vectors: bump LOCAL_EMBEDDER_VERSION). */
export const WEIGHT = { unigram: 1, bigram: 0.6, chargram: 0.25, concept: 0.8 };
const UNIGRAM = fnv(FNV_OFFSET, 'u:');
const BIGRAM = fnv(FNV_OFFSET, 'b:');
const CHARGRAM = fnv(FNV_OFFSET, 'g:');
const CONCEPT = fnv(FNV_OFFSET, 'c:');

/** A final avalanche so low bits (bucket) and the top bit (sign) are well mixed. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

function addHashed(v: Float32Array, h: number, weight: number): void {
  const m = mix(h);
  const bucket = (m & 0x7fffffff) % v.length;
  v[bucket] = v[bucket]! + (m & 0x80000000 ? -weight : weight);
}

/** Stemmed content words and the concept tokens of a text (exported for tests). */
export function analyse(text: string): { stems: string[]; concepts: string[] } {
  const stems: string[] = [];
  const concepts: string[] = [];
  for (const w of words(text)) {
    const s = stem(w);
    // Concept forms may be stop words (e.g. "put", "call"); match before dropping stop words.
    for (const c of CONCEPT_INDEX.single.get(s) ?? []) concepts.push(c);
    if (!STOP_WORDS.has(w)) stems.push(s);
  }
  for (let i = 0; i + 1 < stems.length; i++) for (const c of CONCEPT_INDEX.pairs.get(`${stems[i]} ${stems[i + 1]}`) ?? []) concepts.push(c);
  return { stems, concepts };
}

function embedOne(text: string, dim: number): Float32Array {
  const v = new Float32Array(dim);
  const { stems, concepts } = analyse(text);
  // Sublinear tf (1 + ln tf) for words, bigrams and concepts: repeating a word adds little.
  const counts = new Map<number, number>();
  const count = (h: number) => counts.set(h, (counts.get(h) ?? 0) + 1);
  const weightOf = new Map<number, number>();
  for (let i = 0; i < stems.length; i++) {
    const s = stems[i]!;
    const u = fnv(UNIGRAM, s);
    count(u);
    weightOf.set(u, WEIGHT.unigram);
    const next = stems[i + 1];
    if (next !== undefined) {
      const b = fnv(fnv(fnv(BIGRAM, s), '_'), next);
      count(b);
      weightOf.set(b, WEIGHT.bigram);
    }
    // Character 3–5-grams of the padded word, added linearly (cheap, and they only smooth spelling).
    if (s.length >= 4) {
      const padded = `<${s}>`;
      for (let n = 3; n <= 5; n++) {
        for (let j = 0; j + n <= padded.length; j++) {
          let h = CHARGRAM;
          for (let c = j; c < j + n; c++) h = Math.imul(h ^ padded.charCodeAt(c), 0x01000193) >>> 0;
          addHashed(v, h, WEIGHT.chargram);
        }
      }
    }
  }
  for (const c of concepts) {
    const h = fnv(CONCEPT, c);
    count(h);
    weightOf.set(h, WEIGHT.concept);
  }
  for (const [h, tf] of counts) addHashed(v, h, weightOf.get(h)! * (1 + Math.log(tf)));
  let norm = 0;
  for (let i = 0; i < dim; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < dim; i++) v[i] = v[i]! / norm;
  return v;
}

/** One L2-normalised vector per text; an empty text gives the zero vector. */
export function embedLocal(texts: readonly string[], dim = LOCAL_EMBEDDER_DIM): Float32Array[] {
  return texts.map((text) => embedOne(text, dim));
}
