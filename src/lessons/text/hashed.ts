/**
 * The lexical half of the offline embedder: feature hashing of Porter2 stems, adjacent-stem
 * bigrams, character 3–5-grams (spelling variants, compounds, tickers and words the vector table
 * lacks) and concept tokens from a small trading-domain map, each hashed (FNV-1a) to one of `dim`
 * signed buckets with sublinear tf; L2-normalised.
 */
import { stemOf } from './analyse.js';

/**
 * Domain concepts: any listed surface form (after analysis) adds the concept token, so different
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

interface ConceptIndex {
  single: Map<string, string[]>;
  pairs: Map<string, string[]>;
}

let conceptIndex: ConceptIndex | null = null;

function concepts(): ConceptIndex {
  if (conceptIndex) return conceptIndex;
  const single = new Map<string, string[]>();
  const pairs = new Map<string, string[]>();
  for (const [concept, forms] of Object.entries(CONCEPTS)) {
    for (const form of forms) {
      const stems = (form.toLowerCase().match(/[a-z0-9]+/g) ?? []).map(stemOf);
      if (stems.length > 2) continue;
      const target = stems.length === 1 ? single : pairs;
      const key = stems.join(' ');
      const list = target.get(key) ?? [];
      if (!list.includes(concept)) list.push(concept);
      target.set(key, list);
    }
  }
  conceptIndex = { single, pairs };
  return conceptIndex;
}

/** The concept tokens of a list of stems (exported for tests). */
export function conceptsOf(terms: readonly string[]): string[] {
  const { single, pairs } = concepts();
  const out: string[] = [];
  for (const t of terms) out.push(...(single.get(t) ?? []));
  for (let i = 0; i + 1 < terms.length; i++) out.push(...(pairs.get(`${terms[i]} ${terms[i + 1]}`) ?? []));
  return out;
}

const FNV_OFFSET = 0x811c9dc5;

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

function addChargrams(v: Float32Array, term: string): void {
  if (term.length < 4) return;
  const padded = `<${term}>`;
  for (let n = 3; n <= 5; n++) {
    for (let j = 0; j + n <= padded.length; j++) {
      let h = CHARGRAM;
      for (let c = j; c < j + n; c++) h = Math.imul(h ^ padded.charCodeAt(c), 0x01000193) >>> 0;
      addHashed(v, h, WEIGHT.chargram);
    }
  }
}

/** The hashed lexical vector of a text's stems (unit length; zero for no stems). */
export function hashedVector(terms: readonly string[], dim: number): Float32Array {
  const v = new Float32Array(dim);
  const counts = new Map<number, { tf: number; weight: number }>();
  const count = (h: number, weight: number) => {
    const c = counts.get(h);
    if (c) c.tf++;
    else counts.set(h, { tf: 1, weight });
  };
  terms.forEach((t, i) => {
    count(fnv(UNIGRAM, t), WEIGHT.unigram);
    const next = terms[i + 1];
    if (next !== undefined) count(fnv(fnv(fnv(BIGRAM, t), '_'), next), WEIGHT.bigram);
    addChargrams(v, t);
  });
  for (const c of conceptsOf(terms)) count(fnv(CONCEPT, c), WEIGHT.concept);
  // Sublinear tf (1 + ln tf): repeating a word adds little.
  for (const [h, { tf, weight }] of counts) addHashed(v, h, weight * (1 + Math.log(tf)));
  return unit(v);
}

export function unit(v: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}
